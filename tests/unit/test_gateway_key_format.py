"""API key generation and hashing."""

import hashlib

from crm_gateway.domain.api_keys import (
    KEY_PREFIX,
    display_prefix,
    generate_key,
    hash_key,
    is_well_formed,
)


def test_generated_keys_are_prefixed_random_and_well_formed() -> None:
    keys = {generate_key() for _ in range(50)}
    assert len(keys) == 50
    for key in keys:
        assert key.startswith(KEY_PREFIX)
        assert len(key) >= 40
        assert is_well_formed(key)


def test_hash_is_sha256_hex_and_never_the_key() -> None:
    key = generate_key()
    digest = hash_key(key)
    assert digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in digest
    assert hash_key(key) == digest


def test_different_keys_have_different_hashes() -> None:
    key, other = generate_key(), generate_key()
    assert hash_key(key) != hash_key(other)


def test_display_prefix_is_short_and_identifies_key() -> None:
    key = generate_key()
    prefix = display_prefix(key)
    assert key.startswith(prefix)
    assert len(prefix) == len(KEY_PREFIX) + 8


def test_malformed_keys_are_rejected() -> None:
    assert not is_well_formed("abc")
    assert not is_well_formed("crm_" + "x" * 500)
    assert not is_well_formed("crm_é")
