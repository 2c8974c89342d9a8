"""Officer sessions: server-side, rotated at sign-in, timed out, and holding the master key only sealed.

* The session id is 256 random bits in an HttpOnly, SameSite=Strict cookie
  (``__Host-`` and Secure outside development). The store (Redis when
  configured) is shared by every replica.
* Sign-in issues a *fresh* id and deletes the old one: an id planted in a
  browser before sign-in (session fixation) is worthless afterwards. An id
  the store does not know is never adopted either.
* Idle and absolute timeouts are checked on every request against times kept
  in the session, read from ``clock`` (tests move it instead of sleeping).
* The directorate master key is in the store only sealed under a random key
  that lives in a second cookie, bound to the officer and the session id:
  the store alone, or the cookie alone, opens nothing. That half lives in
  ``staff.session_keys``, so code that only reads sessions (the research
  tier) never imports anything that can open a key.
* Only changed sessions are written back, so a slow request that finishes
  after sign-out does not resurrect the session it started with.
* The store never sees the session id: a session lives under
  ``HMAC(staff key, id)``, encrypted and authenticated under a key derived
  from the staff keys and bound to the id (``staff.integrity``). A Redis
  insider can neither use an id read from the store nor write a session that
  loads; a rewritten one is rejected, deleted and audited. The state also
  names the sign-in audit entry it came from, which the guard checks.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.scope.state import ScopeState

from signalement import audit
from signalement.settings import Settings
from signalement.staff import integrity
from signalement.staff.access import Stage

# Tests replace this to move time; everything here reads the time through it.
clock: Callable[[], float] = time.time

SESSION_ID_BYTES = 32
SEEN_REFRESH_SECONDS = 60
# An expired session's entry stays this long past the idle limit (still refused by ``expired``), so that a form
# sent after the limit can say whose words to keep (``staff.typed_work``). It still opens nothing without the
# browser's key cookie, and the next request that presents it deletes it.
STORE_GRACE_SECONDS = 30 * 60
_SESSION_ID = re.compile(r"^[0-9a-f]{64}$")
_LOADED = "signalement.session.loaded"
_STATE_KEY = "state"


class SessionState(msgspec.Struct, frozen=True, kw_only=True):
    """What the store holds for one signed-in officer. Secrets in it are sealed to the key cookie."""

    officer_id: int
    stage: Stage
    created: float
    seen: float
    credential_at: str  # the credential's updated_at: a reset or removal elsewhere ends this session
    sealed_master: bytes | None = None  # SessionSealed, msgpack; None for researchers
    encrypted_setup: bytes | None = None  # the opened credential, while a first sign-in is being completed
    pending_totp: bytes | None = None  # a TOTP secret shown for enrolment, not yet confirmed
    sealed_research: bytes | None = None  # the research key, encrypted under the key cookie (staff.research_session)
    signin_seq: int = 0  # the ``auth.sign_in`` audit entry this session came from (the guard checks it)
    # Cases this sitting has opened on the case page (and audited as ``case.open``): coming back to the page
    # after an action is the same look, not a new one. Held here, where the store cannot change it unnoticed.
    opened_cases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CookieNames:
    session: str
    key: str
    secure: bool

    @classmethod
    def for_settings(cls, settings: Settings) -> CookieNames:
        if settings.is_production:
            return cls("__Host-signalement-session", "__Host-signalement-key", True)
        # Plain http://127.0.0.1 in development: browsers refuse __Host- cookies without TLS.
        return cls("signalement-session", "signalement-key", False)


@dataclass(frozen=True)
class _Loaded:
    session_id: str
    raw: bytes  # the plaintext as loaded, to write back only what changed


def session_id_of(connection: ASGIConnection) -> str | None:
    """The id of the session this request loaded (or began), if any."""
    known = ScopeState.from_scope(connection.scope).session_id
    if isinstance(known, str) and known:
        return known
    loaded: _Loaded | None = connection.scope.get(_LOADED)  # type: ignore[assignment]
    return loaded.session_id if loaded else None


def _staff_keys(connection: ASGIConnection):  # noqa: ANN202 - a KeyList; the runtime is typed at the app
    return connection.scope["app"].state.runtime.staff_keys


async def _reject(connection: ASGIConnection, store_key: str) -> None:
    """A stored session that is not ours: delete it and record it (only a store insider can cause this)."""
    runtime = connection.scope["app"].state.runtime
    await runtime.store("sessions").delete(store_key)
    async with runtime.db.writing() as session:
        await audit.append(session, runtime.audit_keys, actor="unknown", action="auth.session_rejected",
                           object_type="session", detail={"reason": "does not authenticate"})
        await session.commit()


def binding(officer_id: int, session_id: str) -> str:
    return f"signalement/officer-session/v1|{officer_id}|{session_id}"


def key_cookie(names: CookieNames, value: str, *, clear: bool = False) -> Cookie:
    # No Max-Age: a browser-session cookie, gone when the browser closes.
    return Cookie(
        key=names.key,
        value="" if clear else value,
        path="/",
        secure=names.secure,
        httponly=True,
        samesite="strict",
        max_age=0 if clear else None,
        expires=0 if clear else None,
    )


class OfficerSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side backend, with rotation, no adoption of unknown ids, and no blind rewrites."""

    config: OfficerSessionConfig

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        session_id = connection.cookies.get(self.config.key, "")
        if not _SESSION_ID.match(session_id):
            return {}
        store = self.config.get_store_from_app(connection.scope["app"])
        keys = _staff_keys(connection)
        store_key = integrity.session_store_key(keys, session_id)
        blob = await store.get(store_key)
        if blob is None:
            return {}
        raw = integrity.open_session(keys, session_id, blob)
        if raw is None:
            await _reject(connection, store_key)
            return {}
        connection.scope[_LOADED] = _Loaded(session_id, raw)  # type: ignore[literal-required]
        return self.deserialize_data(raw)

    def get_session_id(self, connection: ASGIConnection) -> str:
        loaded: _Loaded | None = connection.scope.get(_LOADED)  # type: ignore[assignment]
        return loaded.session_id if loaded else self.generate_session_id()

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        scope = connection.scope
        store = self.config.get_store_from_app(scope["app"])
        loaded: _Loaded | None = scope.get(_LOADED)  # type: ignore[assignment]
        known = ScopeState.from_scope(scope).session_id
        session_id = known if isinstance(known, str) and known else self.generate_session_id()
        headers = MutableScopeHeaders.from_message(message)
        keys = _staff_keys(connection)
        if scope_session is Empty or not scope_session:
            if loaded is not None:
                await store.delete(integrity.session_store_key(keys, loaded.session_id))
                headers.add("Set-Cookie", self._cookie("", clear=True))
            return
        raw = self.serialize_data(scope_session, scope)
        if loaded is not None and loaded.session_id != session_id:
            await store.delete(integrity.session_store_key(keys, loaded.session_id))  # rotated at sign-in
        elif loaded is not None and loaded.raw == raw:
            return
        await store.set(integrity.session_store_key(keys, session_id), integrity.seal_session(keys, session_id, raw),
                        expires_in=self.config.store_ttl)
        headers.add("Set-Cookie", self._cookie(session_id))

    def _cookie(self, value: str, *, clear: bool = False) -> str:
        c = self.config
        return Cookie(
            key=c.key,
            value=value or "null",
            path="/",
            secure=c.secure,
            httponly=True,
            samesite="strict",
            max_age=0 if clear else None,
            expires=0 if clear else None,
        ).to_header(header="")


@dataclass
class OfficerSessionConfig(ServerSideSessionConfig):
    _backend_class = OfficerSessionBackend

    store_ttl: int = 1800


def session_config(settings: Settings) -> OfficerSessionConfig:
    names = CookieNames.for_settings(settings)
    return OfficerSessionConfig(
        key=names.session,
        secure=names.secure,
        httponly=True,
        samesite="strict",
        store="sessions",
        session_id_bytes=SESSION_ID_BYTES,
        max_age=settings.session_absolute_hours * 3600,
        store_ttl=settings.session_idle_minutes * 60 + SEEN_REFRESH_SECONDS + STORE_GRACE_SECONDS,
    )


# ---- reading and writing the state ---------------------------------------------------------------


def read_state(connection: ASGIConnection) -> SessionState | None:
    data = connection.scope.get("session")
    if not isinstance(data, dict) or _STATE_KEY not in data:
        return None
    try:
        return msgspec.msgpack.decode(base64.b64decode(data[_STATE_KEY]), type=SessionState)
    except (binascii.Error, ValueError, TypeError, msgspec.DecodeError):
        return None


def write_state(connection: ASGIConnection, state: SessionState) -> None:
    connection.scope["session"] = {_STATE_KEY: base64.b64encode(msgspec.msgpack.encode(state)).decode()}


def end(connection: ASGIConnection) -> None:
    """Forget the session: the backend deletes it from the store and clears the cookie."""
    connection.scope["session"] = Empty


def expired(state: SessionState, settings: Settings, now: float | None = None) -> bool:
    now = clock() if now is None else now
    return (
        now - state.created > settings.session_absolute_hours * 3600
        or now - state.seen > settings.session_idle_minutes * 60
    )


def ends_at(state: SessionState, settings: Settings) -> float:
    """When this session ends if nothing more happens: the idle limit, or the absolute one if sooner."""
    return min(state.seen + settings.session_idle_minutes * 60, state.created + settings.session_absolute_hours * 3600)


def touch(connection: ASGIConnection, state: SessionState, now: float | None = None) -> SessionState:
    """Record activity, at most once a minute (each refresh is a store write)."""
    now = clock() if now is None else now
    if now - state.seen < SEEN_REFRESH_SECONDS:
        return state
    state = msgspec.structs.replace(state, seen=now)
    write_state(connection, state)
    return state
