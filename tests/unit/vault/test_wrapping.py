"""Officer credentials: the password opens them; nothing else does, and they cannot be moved."""

from __future__ import annotations

import pytest

from signalement.vault.kdf import OFFICER_PARAMS, Argon2Params
from signalement.vault.wrapping import (
    CredentialPayload,
    WrongPasswordError,
    open_credential,
    open_from_session,
    seal_credential,
    seal_for_session,
)

FAST = Argon2Params(memory_kib=8192, iterations=1)


def test_the_password_opens_the_credential_and_gives_back_the_master_key(keys) -> None:
    payload = CredentialPayload(totp_secret=b"t" * 20).with_master(keys.master)
    kdf, blob = seal_credential("a long enough passphrase", 7, payload, FAST)
    opened = open_credential("a long enough passphrase", 7, kdf, blob)
    assert opened.master() == keys.master
    assert opened.totp_secret == b"t" * 20


def test_a_wrong_password_is_refused(keys) -> None:
    kdf, blob = seal_credential("right password here", 7, CredentialPayload(totp_secret=b"x" * 20), FAST)
    with pytest.raises(WrongPasswordError):
        open_credential("wrong password here", 7, kdf, blob)


def test_a_credential_copied_onto_another_account_does_not_open(keys) -> None:
    kdf, blob = seal_credential("attacker's password", 7, CredentialPayload().with_master(keys.master), FAST)
    with pytest.raises(WrongPasswordError):
        open_credential("attacker's password", 8, kdf, blob)


def test_the_kdf_parameters_are_recorded_so_they_can_be_raised_later() -> None:
    kdf, _ = seal_credential("p" * 16, 1, CredentialPayload())
    assert kdf["alg"] == "argon2id"
    params = OFFICER_PARAMS
    assert (kdf["m"], kdf["t"], kdf["p"]) == (params.memory_kib, params.iterations, params.lanes)
    assert OFFICER_PARAMS.memory_kib >= 19456 and OFFICER_PARAMS.iterations >= 2  # at least OWASP/ASVS


def test_a_credential_without_the_master_key_yields_none(keys) -> None:
    kdf, blob = seal_credential("researcher password", 3, CredentialPayload(totp_secret=b"r" * 20), FAST)
    assert open_credential("researcher password", 3, kdf, blob).master() is None


def test_the_session_copy_needs_both_the_cookie_key_and_the_store(keys) -> None:
    cookie_key, sealed = seal_for_session(keys.master, "session-binding-1")
    assert open_from_session(cookie_key, sealed, "session-binding-1") == keys.master
    with pytest.raises(WrongPasswordError):
        open_from_session(b"\0" * 32, sealed, "session-binding-1")
    with pytest.raises(WrongPasswordError):
        open_from_session(cookie_key, sealed, "another-session")
    assert keys.master.private not in sealed.ciphertext
