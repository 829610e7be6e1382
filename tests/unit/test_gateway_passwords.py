"""argon2 password hashing."""

from crm_gateway.domain.passwords import hash_password, needs_rehash, verify_password


def test_hash_verifies_only_the_right_password() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "correct horse battery!")
    assert not needs_rehash(hashed)


def test_salted_hashes_differ() -> None:
    assert hash_password("same password 1") != hash_password("same password 1")


def test_missing_or_corrupt_hash_never_verifies() -> None:
    assert not verify_password(None, "not-a-real-password-only-for-timing")
    assert not verify_password("garbage", "anything at all")
