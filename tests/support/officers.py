"""Staff accounts for tests, already set up (password known, TOTP enrolled), and signing a client in.

Accounts are made the way an admin would make them (``accounts.create_account``
with the master key from the bootstrap admin's credential), then given a
known password as their first-sign-in step would. TOTP codes are computed
from the account's secret; since codes are single-use, ``next_code`` picks
the next step the account has not used (and, only if both usable steps are
spent, rewinds the account's last step, which is what waiting 30 seconds
would do).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import msgspec
from sqlalchemy import select, update

from signalement.db.models import Officer, Role
from signalement.runtime import Runtime
from signalement.staff import totp
from signalement.staff.accounts import create_account, master_from_password, reseal_credential, with_research_key
from signalement.vault.wrapping import CredentialPayload

PASSWORD = "plum-harbour-violin-quietly-47"  # noqa: S105 - test accounts only
CSRF_COOKIE = "csrftoken"
_serial = itertools.count(1)


class OfficerLogin(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    password: str
    totp_secret: bytes
    role: str
    region: str | None


async def create_officer(
    runtime: Runtime,
    admin: Any,
    role: Role | str,
    *,
    region: str | None = "ontario",
    username: str | None = None,
    password: str = PASSWORD,
) -> OfficerLogin:
    """A ready account of ``role``: enrolled, first password already changed to ``password``."""
    role = Role(role)
    username = username or f"{role.value[:4]}{next(_serial)}-{time.monotonic_ns() % 100000}"
    async with runtime.db.writing() as session:
        master = await master_from_password(runtime, session, admin.username, admin.password)
        account = await create_account(
            runtime,
            session,
            username=username,
            display_name=f"Test {username}",
            role=role,
            region=region,
            master=master,
            actor="test",
            enrol_totp=True,
        )
        officer = await session.get(Officer, account.officer_id)
        assert officer is not None and account.totp_secret is not None
        payload = CredentialPayload(totp_secret=account.totp_secret).with_master(
            master if role is not Role.RESEARCHER else None
        )
        payload = with_research_key(runtime, payload, role, master)
        await reseal_credential(runtime, session, officer, password, payload)
        officer.must_change_password = False
        await session.commit()
    return OfficerLogin(
        id=account.officer_id,
        username=account.username,
        password=password,
        totp_secret=account.totp_secret,
        role=role.value,
        region=region,
    )


async def next_code(runtime: Runtime, login: OfficerLogin | Any, *, username: str | None = None) -> str:
    """A TOTP code the account has not used yet."""
    name = username or login.username
    async with runtime.db.reading() as session:
        last = await session.scalar(select(Officer.totp_last_step).where(Officer.username == name))
    now_step = int(time.time()) // totp.STEP
    step = max(now_step, (last or 0) + 1)
    if step > now_step + 1:
        async with runtime.db.writing() as session:
            await session.execute(update(Officer).where(Officer.username == name).values(totp_last_step=0))
            await session.commit()
        step = now_step
    return totp.current_code(login.totp_secret, at=step * totp.STEP)


async def csrf_token(client: Any) -> str:
    """The CSRF token a page would embed: the cookie Litestar sets on any safe request."""
    if CSRF_COOKIE not in client.cookies:
        await client.get("/officer/sign-in")
    return str(client.cookies[CSRF_COOKIE])


async def sign_in(client: Any, runtime: Runtime, login: OfficerLogin) -> str:
    """Sign ``client`` in through the HTML form; returns the CSRF token for later posts."""
    token = await csrf_token(client)
    r = await client.post(
        "/officer/sign-in",
        data={
            "username": login.username,
            "password": login.password,
            "code": await next_code(runtime, login),
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, (r.status_code, r.text[:500])
    # Signing in issues a token bound to the new session; the one from before no longer passes.
    return str(client.cookies[CSRF_COOKIE])


async def sign_in_api(client: Any, runtime: Runtime, login: OfficerLogin) -> str:
    """Sign ``client`` in through ``POST /api/v1/session``; returns the CSRF token for the header."""
    token = (await client.get("/api/v1/session")).json()["csrf_token"]
    r = await client.post(
        "/api/v1/session",
        headers={"x-csrftoken": token},
        json={
            "username": login.username,
            "password": login.password,
            "code": await next_code(runtime, login),
        },
    )
    assert r.status_code == 200, (r.status_code, r.text[:500])
    return str(r.json()["csrf_token"])


def form(token: str, **fields: Any) -> dict[str, Any]:
    return {"_csrf_token": token, **fields}


async def principal_of(runtime: Runtime, username: str) -> Any:
    """The ``Principal`` a signed-in account would be, for calling services directly."""
    from signalement.staff.access import Principal, Stage

    async with runtime.db.reading() as session:
        o = await session.scalar(select(Officer).where(Officer.username == username))
    assert o is not None
    return Principal(
        officer_id=o.id,
        username=o.username,
        display_name=o.display_name,
        role=Role(o.role),
        region=o.region,
        stage=Stage.READY,
    )
