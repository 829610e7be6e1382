"""Joining duplicate pairs into groups: membership, weakest-link score, reasons, order."""

from __future__ import annotations

import itertools
import random
import uuid

from crm_contacts.domain.duplicates import DuplicateGroup, DuplicatePair, Reason, group_pairs

IDS = sorted(uuid.UUID(int=n) for n in range(1, 11))
A, B, C, D, E, F, G, H, K, L = IDS


def _pair(x: uuid.UUID, y: uuid.UUID, score: float, *reasons: Reason) -> DuplicatePair:
    lo, hi = sorted((x, y))
    return DuplicatePair(lo, hi, score, frozenset(reasons or ("same_email",)))


def test_no_pairs_no_groups() -> None:
    assert group_pairs([]) == []


def test_a_pair_is_a_group_of_two_with_its_own_score() -> None:
    groups = group_pairs([_pair(B, A, 0.7, "similar_name_same_phone")])
    assert groups == [DuplicateGroup((A, B), 0.7, ("similar_name_same_phone",))]


def test_pairs_sharing_a_contact_chain_into_one_group_scored_by_the_weakest_link() -> None:
    groups = group_pairs(
        [
            _pair(A, B, 1.0, "same_email"),
            _pair(B, C, 0.8, "similar_name_same_company"),
            _pair(C, D, 0.65, "similar_name_same_email_domain"),
        ]
    )
    assert len(groups) == 1
    assert groups[0].contact_ids == (A, B, C, D)
    assert groups[0].score == 0.65
    # Every pair's reasons, strongest evidence first.
    assert groups[0].reasons == (
        "same_email",
        "similar_name_same_company",
        "similar_name_same_email_domain",
    )


def test_a_weaker_pair_inside_a_group_does_not_lower_its_score() -> None:
    # A-C is weak, but A-B-C are already linked by stronger pairs.
    groups = group_pairs(
        [
            _pair(A, C, 0.61, "similar_name_same_phone"),
            _pair(A, B, 0.9, "similar_name_same_company"),
            _pair(B, C, 0.8, "similar_name_same_company"),
        ]
    )
    assert [(g.contact_ids, g.score) for g in groups] == [((A, B, C), 0.8)]
    assert groups[0].reasons == ("similar_name_same_company", "similar_name_same_phone")


def test_separate_groups_come_best_score_first_then_smallest_ids() -> None:
    groups = group_pairs(
        [
            _pair(G, H, 0.7),
            _pair(E, F, 0.9),
            _pair(C, D, 0.7),
            _pair(K, L, 1.0),
        ]
    )
    assert [g.contact_ids for g in groups] == [(K, L), (E, F), (C, D), (G, H)]
    assert [g.score for g in groups] == [1.0, 0.9, 0.7, 0.7]


def test_the_grouping_does_not_depend_on_the_order_pairs_arrive_in() -> None:
    pairs = [
        _pair(A, B, 0.9),
        _pair(B, C, 0.7),
        _pair(D, E, 0.8),
        _pair(E, F, 1.0),
        _pair(C, D, 0.62),
        _pair(H, K, 0.75),
    ]
    expected = group_pairs(pairs)
    assert [(g.contact_ids, g.score) for g in expected] == [
        ((H, K), 0.75),
        ((A, B, C, D, E, F), 0.62),
    ]
    rng = random.Random(7)
    for _ in range(20):
        shuffled = pairs[:]
        rng.shuffle(shuffled)
        assert group_pairs(shuffled) == expected


def test_a_long_chain_is_one_group() -> None:
    ids = sorted(uuid.uuid4() for _ in range(2000))
    pairs = [_pair(x, y, 0.9) for x, y in itertools.pairwise(ids)]
    random.Random(1).shuffle(pairs)
    groups = group_pairs(pairs)
    assert len(groups) == 1
    assert groups[0].contact_ids == tuple(ids)
