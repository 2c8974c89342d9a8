"""The research key a signed-in researcher's session carries, rebuilt for one request.

At sign-in (``staff.signin.start_session``) the research key from the
credential is encrypted under the same random key-cookie key as an officer's
master key, bound to the account and the session id: the session store
alone, or the cookie alone, opens nothing. The research tier imports this
module (and not ``staff.session_keys``): it can reach the research key,
which opens feedback comments, and no key that opens a case.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from litestar.connection import ASGIConnection
from litestar.utils.scope.state import ScopeState

from signalement.metrics.research_key import ResearchKey, decode_key
from signalement.staff import sessions
from signalement.staff.guard import runtime_of


def research_key(connection: ASGIConnection) -> ResearchKey | None:
    """This session's research key, or ``None`` (no key granted, or the cookie does not open it)."""
    state = sessions.read_state(connection)
    session_id = ScopeState.from_scope(connection.scope).session_id
    if state is None or state.sealed_research is None or not isinstance(session_id, str):
        return None
    names = sessions.CookieNames.for_settings(runtime_of(connection).settings)
    try:
        cookie_key = base64.urlsafe_b64decode(connection.cookies.get(names.key, "").encode())
    except (binascii.Error, ValueError):
        return None
    if len(cookie_key) != 32:
        return None
    blob = state.sealed_research
    binding = sessions.binding(state.officer_id, session_id) + "|research"
    try:
        plain = AESGCM(cookie_key).decrypt(blob[:12], blob[12:], binding.encode())
    except (InvalidTag, ValueError):
        return None
    return decode_key(plain)
