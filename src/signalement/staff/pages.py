"""Sign-in, first-time set-up, sign-out, the account page and the language switch, for every staff role.

Mounted by the officer tier under ``/officer/`` (where staff sign in, whatever
their role). Thin handlers: the work is in ``signin`` and ``enrolment``.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from signalement import i18n
from signalement.db.models import utcnow
from signalement.i18n import N_
from signalement.runtime import Runtime
from signalement.staff import enrolment, session_keys, sessions, signin, totp
from signalement.staff.access import Permission, Principal, Stage
from signalement.staff.guard import declare, require_principal
from signalement.staff.rendering import HOME, LANG_COOKIE, home_for, principal_of, render, safe_next, see_other
from signalement.staff.wording import StaffWording
from signalement.vault.wrapping import CredentialPayload

FAILED = N_("Your username, password or code is not right. Check them and try again.")
SESSION_ENDS = N_("If you do nothing, your session ends at %(time)s.")
THROTTLED = N_("Too many attempts. Wait 15 minutes and try again.")


class SignInForm(msgspec.Struct, frozen=True, kw_only=True):
    username: str = ""
    password: str = ""
    code: str = ""
    next: str = ""


class SetupForm(msgspec.Struct, frozen=True, kw_only=True):
    code: str = ""
    new_password: str = ""
    confirm: str = ""
    current_password: str = ""


class PasswordForm(msgspec.Struct, frozen=True, kw_only=True):
    current_password: str = ""
    new_password: str = ""
    confirm: str = ""


class LanguageForm(msgspec.Struct, frozen=True, kw_only=True):
    language: str = "en"
    next: str = ""


class SessionLeft(msgspec.Struct, frozen=True, kw_only=True):
    seconds_left: int
    ends_at: dt.datetime
    message: str


class StaffPages(Controller):
    """``/officer/sign-in``, ``/officer/setup``, ``/officer/account`` and friends."""

    path = "/"
    include_in_schema = False

    @get("/sign-in", opt=declare(Permission.PUBLIC), name="officer-sign-in")
    async def sign_in_page(
        self, request: Request, next: FromQuery[str | None] = None, expired: FromQuery[str | None] = None,
        kept: FromQuery[str | None] = None,
    ) -> Response[Any]:
        principal = principal_of(request)
        if principal is not None:
            return see_other(home_for(principal))
        notice = N_("Your session ended. Sign in again.") if expired else None
        if kept:
            notice = N_("Your session ended before your text was sent. It was not saved, but it is kept "
                        "encrypted for you: sign in again and you will find it back in its box.")
        return render(
            request, "sign_in.html", next=safe_next(next) or "", username="", error=None, notice=notice
        )

    @post("/sign-in", opt=declare(Permission.PUBLIC), status_code=303)
    async def sign_in(
        self, request: Request, runtime: NamedDependency[Runtime], data: URLEncodedBody[SignInForm]
    ) -> Response[Any]:
        client = runtime.client_hasher.for_connection(request, "signin")
        result = await signin.sign_in(
            runtime,
            signin.throttle_for(runtime),
            username=data.username,
            password=data.password,
            code=data.code,
            client=client,
        )
        if result.outcome in (signin.Outcome.FAILED, signin.Outcome.THROTTLED):
            throttled = result.outcome is signin.Outcome.THROTTLED
            return render(
                request,
                "sign_in.html",
                status_code=429 if throttled else 400,
                next=safe_next(data.next) or "",
                username=data.username[:64],
                error=THROTTLED if throttled else FAILED,
            )
        target = "/officer/setup" if result.outcome is signin.Outcome.SETUP else (safe_next(data.next) or HOME)
        response = see_other(target)
        signin.start_session(request, runtime, result, response)
        return response

    @post("/sign-out", opt=declare(Permission.SESSION), status_code=200)
    async def sign_out(self, request: Request, runtime: NamedDependency[Runtime]) -> Template:
        response = render(request, "signed_out.html", principal=None, nav=[])
        await signin.sign_out(runtime, request, response)
        return response

    @post("/session/keep", opt=declare(Permission.ACCOUNT), status_code=200)
    async def keep_session(self, request: Request, runtime: NamedDependency[Runtime]) -> SessionLeft:
        """ "Stay signed in" (session.js, without leaving the page): the guard let this request through, so the
        session was alive; record the activity now and say when it ends."""
        state = sessions.read_state(request)
        assert state is not None
        state = msgspec.structs.replace(state, seen=sessions.clock())
        sessions.write_state(request, state)
        ends = sessions.ends_at(state, runtime.settings)
        ui = StaffWording(i18n.current_language(), utcnow(),
                          runtime.settings.time_zone_for(require_principal(request).region))
        at = dt.datetime.fromtimestamp(ends, dt.UTC)
        return SessionLeft(seconds_left=max(0, int(ends - sessions.clock())), ends_at=at,
                           message=i18n.gettext(SESSION_ENDS, time=ui.when(at)))

    @get("/setup", opt=declare(Permission.SESSION))
    async def setup_page(self, request: Request, runtime: NamedDependency[Runtime]) -> Response[Any]:
        principal = require_principal(request)
        if principal.stage is Stage.READY:
            return see_other(home_for(principal))
        return await _setup_page(request, runtime, principal)

    @post("/setup", opt=declare(Permission.SESSION), status_code=303)
    async def setup(
        self, request: Request, runtime: NamedDependency[Runtime], data: URLEncodedBody[SetupForm]
    ) -> Response[Any]:
        principal = require_principal(request)
        if principal.stage is Stage.READY:
            return see_other(home_for(principal))
        names = sessions.CookieNames.for_settings(runtime.settings)
        state = sessions.read_state(request)
        assert state is not None
        opened = session_keys.decrypt_extra(request, names, state, "setup", state.encrypted_setup)
        if opened is None:
            sessions.end(request)
            return see_other("/officer/sign-in", expired="1")
        pending = session_keys.decrypt_extra(request, names, state, "totp", state.pending_totp)
        try:
            done = await enrolment.complete(
                runtime,
                principal.officer_id,
                msgspec.msgpack.decode(opened, type=CredentialPayload),
                pending_totp=pending,
                code=data.code,
                new_password=data.new_password,
                confirm=data.confirm,
                current_password=data.current_password,
            )
        except enrolment.FormRejectedError as exc:
            return await _setup_page(request, runtime, principal, problems=exc.problems, status_code=400)
        response = see_other(home_for(msgspec.structs.replace(principal, stage=Stage.READY)))
        signin.start_session(
            request,
            runtime,
            signin.SignInResult(
                outcome=signin.Outcome.SIGNED_IN,
                officer_id=principal.officer_id,
                payload=done.payload,
                credential_at=done.credential_at,
            ),
            response,
        )
        return response

    @get("/", opt=declare(Permission.ACCOUNT))
    async def home(self, request: Request) -> Redirect:
        return see_other(home_for(require_principal(request)))

    @get("/account", opt=declare(Permission.ACCOUNT))
    async def account(self, request: Request, done: FromQuery[str | None] = None) -> Template:
        return render(
            request,
            "account.html",
            problems={},
            notice=N_("Your password was changed.") if done == "password" else None,
        )

    @post("/account/password", opt=declare(Permission.ACCOUNT), status_code=303)
    async def change_password(
        self, request: Request, runtime: NamedDependency[Runtime], data: URLEncodedBody[PasswordForm]
    ) -> Response[Any]:
        principal = require_principal(request)
        try:
            stamp = await enrolment.change_password(
                runtime,
                principal.officer_id,
                current=data.current_password,
                new=data.new_password,
                confirm=data.confirm,
            )
        except enrolment.FormRejectedError as exc:
            return render(request, "account.html", status_code=400, problems=exc.problems)
        except enrolment.PasswordChangeThrottledError:
            return render(request, "account.html", status_code=429,
                          problems={"current_password": enrolment.TOO_MANY})
        state = sessions.read_state(request)
        assert state is not None
        sessions.write_state(request, msgspec.structs.replace(state, credential_at=stamp))
        return see_other("/officer/account", done="password")

    @post("/language", opt=declare(Permission.PUBLIC), status_code=303)
    async def language(self, runtime: NamedDependency[Runtime], data: URLEncodedBody[LanguageForm]) -> Redirect:
        code = data.language if data.language in {lang.code for lang in i18n.OFFICER_LANGUAGES} else "en"
        response = see_other(safe_next(data.next) or HOME)
        response.set_cookie(
            Cookie(
                key=LANG_COOKIE,
                value=code,
                path="/",
                httponly=True,
                samesite="strict",
                secure=runtime.settings.is_production,
                max_age=365 * 86400,
            )
        )
        return response


async def _setup_page(
    request: Request,
    runtime: Runtime,
    principal: Principal,
    *,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    want = await enrolment.needs(runtime, principal.officer_id)
    secret_text = qr = None
    if want.enrol_totp:
        names = sessions.CookieNames.for_settings(runtime.settings)
        state = sessions.read_state(request)
        assert state is not None
        secret = session_keys.decrypt_extra(request, names, state, "totp", state.pending_totp)
        if secret is None:
            secret = os.urandom(20)
            pending = session_keys.encrypt_extra(request, names, state, "totp", secret)
            sessions.write_state(request, msgspec.structs.replace(state, pending_totp=pending))
        secret_text = totp.secret_text(secret)
        qr = totp.qr_svg(totp.provisioning_uri(secret, want.username))
    return render(
        request,
        "setup.html",
        status_code=status_code,
        needs=want,
        secret_text=secret_text,
        qr=qr,
        problems=problems or {},
    )
