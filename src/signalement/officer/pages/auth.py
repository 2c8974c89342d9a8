"""Sign-in, first-time set-up, sign-out, the account page and the language switch."""

from __future__ import annotations

import os
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from signalement import audit, i18n
from signalement.i18n import N_
from signalement.officer import enrolment, sessions, signin, totp
from signalement.officer.access import Permission, Principal, Stage
from signalement.officer.guard import declare, require_principal
from signalement.officer.pages.rendering import (
    HOME,
    LANG_COOKIE,
    home_for,
    principal_of,
    render,
    safe_next,
    see_other,
)
from signalement.runtime import Runtime
from signalement.vault.wrapping import CredentialPayload

FAILED = N_("Your username, password or code is not right. Check them and try again.")
THROTTLED = N_("Too many attempts. Wait 15 minutes and try again.")
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


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


def start_session(
    request: Request, runtime: Runtime, result: signin.SignInResult, response: Response[Any]
) -> None:
    """Rotate to a new session id and hand the browser the key cookie."""
    assert result.officer_id is not None and result.payload is not None
    names = sessions.CookieNames.for_settings(runtime.settings)
    setup = result.outcome is signin.Outcome.SETUP
    cookie = sessions.begin(
        request,
        officer_id=result.officer_id,
        stage=Stage.SETUP if setup else Stage.READY,
        credential_at=result.credential_at,
        master=None if setup else result.payload.master(),
        setup_payload=msgspec.msgpack.encode(result.payload) if setup else None,
    )
    response.set_cookie(sessions.key_cookie(names, cookie))


def routes(runtime: Runtime) -> list[ControllerRouterHandler]:
    throttle = signin.SignInThrottle(runtime, runtime.store("signin"))
    names = sessions.CookieNames.for_settings(runtime.settings)

    @get("/sign-in", opt=declare(Permission.PUBLIC), name="officer-sign-in")
    async def sign_in_page(
        request: Request, next: FromQuery[str | None] = None, expired: FromQuery[str | None] = None
    ) -> Response[Any]:
        principal = principal_of(request)
        if principal is not None:
            return see_other(home_for(principal))
        notice = N_("Your session ended. Sign in again.") if expired else None
        return render(
            request, "sign_in.html", next=safe_next(next) or "", username="", error=None, notice=notice
        )

    @post("/sign-in", opt=declare(Permission.PUBLIC), status_code=303)
    async def sign_in(request: Request, data: URLEncodedBody[SignInForm]) -> Response[Any]:
        client = runtime.client_hasher.for_connection(request, "signin")
        result = await signin.sign_in(
            runtime, throttle, username=data.username, password=data.password, code=data.code, client=client
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
        target = (
            "/officer/setup" if result.outcome is signin.Outcome.SETUP else (safe_next(data.next) or HOME)
        )
        response = see_other(target)
        start_session(request, runtime, result, response)
        return response

    @post("/sign-out", opt=declare(Permission.SESSION), status_code=200)
    async def sign_out(request: Request) -> Template:
        principal = require_principal(request)
        async with runtime.db.writing() as session:
            await audit.append(
                session,
                runtime.audit_keys,
                actor=principal.actor,
                action="auth.sign_out",
                object_type="officer",
                object_id=str(principal.officer_id),
            )
            await session.commit()
        sessions.end(request)
        request.scope["user"] = None
        # Clear-Site-Data also drops the key cookie and anything the browser cached or stored.
        response = render(
            request, "signed_out.html", headers={"Clear-Site-Data": CLEAR_SITE_DATA}, principal=None, nav=[]
        )
        response.cookies.append(sessions.key_cookie(names, "", clear=True))
        return response

    @get("/setup", opt=declare(Permission.SESSION))
    async def setup_page(request: Request) -> Response[Any]:
        principal = require_principal(request)
        if principal.stage is Stage.READY:
            return see_other(home_for(principal))
        return await _setup_page(request, runtime, names, principal)

    @post("/setup", opt=declare(Permission.SESSION), status_code=303)
    async def setup(request: Request, data: URLEncodedBody[SetupForm]) -> Response[Any]:
        principal = require_principal(request)
        if principal.stage is Stage.READY:
            return see_other(home_for(principal))
        state = sessions.read_state(request)
        assert state is not None
        opened = sessions.open_extra(request, names, state, "setup", state.sealed_setup)
        if opened is None:
            sessions.end(request)
            return see_other("/officer/sign-in", expired="1")
        pending = sessions.open_extra(request, names, state, "totp", state.pending_totp)
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
            return await _setup_page(
                request, runtime, names, principal, problems=exc.problems, status_code=400
            )
        response = see_other(home_for(msgspec.structs.replace(principal, stage=Stage.READY)))
        start_session(
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
    async def home(request: Request) -> Redirect:
        return see_other(home_for(require_principal(request)))

    @get("/account", opt=declare(Permission.ACCOUNT))
    async def account(request: Request, done: FromQuery[str | None] = None) -> Template:
        return render(
            request,
            "account.html",
            problems={},
            notice=N_("Your password was changed.") if done == "password" else None,
        )

    @post("/account/password", opt=declare(Permission.ACCOUNT), status_code=303)
    async def change_password(request: Request, data: URLEncodedBody[PasswordForm]) -> Response[Any]:
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
        state = sessions.read_state(request)
        assert state is not None
        sessions.write_state(request, msgspec.structs.replace(state, credential_at=stamp))
        return see_other("/officer/account", done="password")

    @post("/language", opt=declare(Permission.PUBLIC), status_code=303)
    async def language(data: URLEncodedBody[LanguageForm]) -> Redirect:
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

    return [sign_in_page, sign_in, sign_out, setup_page, setup, home, account, change_password, language]


async def _setup_page(
    request: Request,
    runtime: Runtime,
    names: sessions.CookieNames,
    principal: Principal,
    *,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    want = await enrolment.needs(runtime, principal.officer_id)
    secret_text = qr = None
    if want.enrol_totp:
        state = sessions.read_state(request)
        assert state is not None
        secret = sessions.open_extra(request, names, state, "totp", state.pending_totp)
        if secret is None:
            secret = os.urandom(20)
            sealed = sessions.seal_extra(request, names, state, "totp", secret)
            sessions.write_state(request, msgspec.structs.replace(state, pending_totp=sealed))
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
