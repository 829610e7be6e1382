"""Duplicate groups: likely duplicate pairs of contacts joined into groups (no I/O).

A scan finds pairs (crm_contacts.adapters.duplicate_scan); pairs sharing a contact chain
into one group. A group's score is its weakest necessary link: groups are built by
joining pairs best first (Kruskal's algorithm on a union-find), and the pair that
completes a group scores it. So a group's score is the lowest pair score of its
strongest chain: A and B sharing an email (1.0) plus B and C with similar names at one
company (0.8) make one group of three scoring 0.8.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

Reason = Literal[
    "same_email",
    "similar_name_same_company",
    "similar_name_same_phone",
    "similar_name_same_email_domain",
]
# The order reasons are listed in: the strongest evidence first.
REASONS: tuple[Reason, ...] = get_args(Reason)
# Trigram similarity (pg_trgm) of full names from which two names count as similar.
NAME_SIMILARITY = 0.6


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two live contacts that are likely one person: 1.0 for the same email, else how
    similar their names are, and every rule the pair meets."""

    lo: uuid.UUID
    hi: uuid.UUID
    score: float
    reasons: frozenset[Reason]


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Contacts that are likely one person: ids sorted, the weakest link's score, and
    the reasons of every pair inside the group."""

    contact_ids: tuple[uuid.UUID, ...]
    score: float
    reasons: tuple[Reason, ...]


class _Forest:
    """Union-find over contact ids, with path halving and union by size."""

    def __init__(self) -> None:
        self.parent: dict[uuid.UUID, uuid.UUID] = {}
        self.size: dict[uuid.UUID, int] = {}

    def root(self, node: uuid.UUID) -> uuid.UUID:
        """The root of `node`'s tree (a new node is a tree of its own)."""
        parent = self.parent
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def join(self, a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
        """Join the trees of `a` and `b` (distinct roots); returns (kept, absorbed)."""
        if self.size.get(a, 1) < self.size.get(b, 1):
            a, b = b, a
        self.parent[b] = a
        self.size[a] = self.size.get(a, 1) + self.size.pop(b, 1)
        return a, b


def group_pairs(pairs: Iterable[DuplicatePair]) -> list[DuplicateGroup]:
    """Join pairs sharing a contact into groups, best score first, then smallest ids."""
    forest = _Forest()
    scores: dict[uuid.UUID, float] = {}
    reasons: dict[uuid.UUID, set[Reason]] = {}
    for pair in sorted(pairs, key=lambda p: -p.score):
        a, b = forest.root(pair.lo), forest.root(pair.hi)
        if a != b:
            kept, absorbed = forest.join(a, b)
            # Pairs come best first, so the pair joining two trees is the weakest link yet.
            scores[kept] = pair.score
            scores.pop(absorbed, None)
            reasons[kept] = reasons.get(kept, set()) | reasons.pop(absorbed, set())
            a = kept
        reasons.setdefault(a, set()).update(pair.reasons)
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    for node in list(forest.parent):
        members.setdefault(forest.root(node), []).append(node)
    groups = [
        DuplicateGroup(
            contact_ids=tuple(sorted(ids)),
            score=scores[root],
            reasons=tuple(r for r in REASONS if r in reasons[root]),
        )
        for root, ids in members.items()
    ]
    groups.sort(key=lambda g: (-g.score, g.contact_ids))
    return groups
