"""The master key a signed-in officer's session carries, rebuilt for one request.

Only routes that open or re-wrap keys import this module (the officer tier's
case pages and admin pages); the research tier never does, so no research
handler can obtain a key even by mistake.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection

from signalement.staff import session_keys, sessions
from signalement.staff.guard import SignInRequiredError, runtime_of
from signalement.vault.unseal import MasterKey, PrivateKeyring


class KeyUnavailableError(SignInRequiredError):
    """The session's key cookie is missing or does not open the sealed master key."""


def master_key(connection: ASGIConnection) -> MasterKey:
    """The master key for this request, rebuilt from the store's sealed copy and the key cookie."""
    state = sessions.read_state(connection)
    names = sessions.CookieNames.for_settings(runtime_of(connection).settings)
    master = session_keys.open_master(connection, names, state) if state else None
    if master is None:
        sessions.end(connection)
        raise KeyUnavailableError
    return master


def keyring(connection: ASGIConnection) -> PrivateKeyring:
    return PrivateKeyring(runtime_of(connection).keystore, master_key(connection))


