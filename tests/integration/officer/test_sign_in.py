"""Signing in: one answer for every wrong part, single-use codes, throttles that expire, first-time set-up."""

# ruff: noqa: S105, S106 - test accounts' passwords

from __future__ import annotations

import base64
import re
import time

import pytest
from sqlalchemy import select

from signalement.db.models import AuditEntry, Officer, OfficerCredential, Role
from signalement.officer.administration import add_member
from signalement.staff import signin, totp
from signalement.staff.integrity import session_store_key
from signalement.vault.kdf import OFFICER_PARAMS, STANDARD_COSTS, derive
from support.cases import admin_master
from support.officers import PASSWORD, csrf_token, form, next_code, principal_of, sign_in

FAILED_TEXT = "Your username, password or code is not right."


async def attempt(web, stack, *, username: str, password: str, code: str) -> tuple[int, str, float]:  # noqa: ANN001
    token = await csrf_token(web)
    t0 = time.perf_counter()
    r = await web.post("/officer/sign-in", data=form(token, username=username, password=password, code=code))
    return r.status_code, r.text, time.perf_counter() - t0


async def audit_entries(stack, action: str) -> list[AuditEntry]:  # noqa: ANN001
    async with stack.runtime.db.reading() as session:
        return list(
            (
                await session.execute(
                    select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
                )
            ).scalars()
        )


async def test_a_wrong_user_password_or_code_all_get_the_same_answer_after_the_same_work(
    stack, web, staff
) -> None:
    stack.runtime.kdf_costs = STANDARD_COSTS  # this test times the real derivation
    login = await staff()
    t0 = time.perf_counter()
    derive(OFFICER_PARAMS, b"x", b"\0" * 16)
    one_derivation = time.perf_counter() - t0
    wrong_code = totp.current_code(login.totp_secret, at=time.time() - 3600)
    answers = [
        await attempt(
            web, stack, username="nobody-here", password=PASSWORD, code=await next_code(stack.runtime, login)
        ),
        await attempt(web, stack, username=login.username, password="not-the-password-at-all", code="123456"),
        await attempt(web, stack, username=login.username, password=PASSWORD, code=wrong_code),
    ]
    assert {status for status, _, _ in answers} == {400}
    bodies = {
        re.sub(r'value="[0-9a-f]{64,}"', "", text)
        .replace(login.username, "USER")
        .replace("nobody-here", "USER")
        for _, text, _ in answers
    }
    assert len(bodies) == 1 and FAILED_TEXT in bodies.pop()
    # Each path pays one Argon2id derivation, the unknown user included.
    assert all(elapsed >= 0.5 * one_derivation for _, _, elapsed in answers), (one_derivation, answers)
    failures = await audit_entries(stack, "auth.sign_in_failed")
    assert [(e.actor, e.detail["reason"]) for e in failures] == [
        ("unknown", "password"),
        (login.username, "password"),
        (login.username, "code"),
    ]
    assert all(PASSWORD not in str(e.detail) and "not-the-password" not in e.actor for e in failures)


async def test_signing_in_rotates_the_session_id_and_sets_strict_http_only_cookies(stack, web, staff) -> None:
    login = await staff()
    planted = "ab" * 32
    web.cookies.set("signalement-session", planted, domain="127.0.0.1")
    # Where the store would hold that id (it only sees an HMAC of it), holding something we did not seal.
    planted_key = session_store_key(stack.runtime.staff_keys, planted)
    await stack.runtime.store("sessions").set(planted_key, b'{"state": "planted"}', expires_in=600)
    token = await csrf_token(web)
    r = await web.post(
        "/officer/sign-in",
        data=form(
            token, username=login.username, password=PASSWORD, code=await next_code(stack.runtime, login)
        ),
    )
    assert r.status_code == 303 and r.headers["location"] == "/officer/"
    cookies = {c.split("=", 1)[0]: c for c in r.headers.get_list("set-cookie")}
    session_cookie, key_cookie = cookies["signalement-session"], cookies["signalement-key"]
    for cookie in (session_cookie, key_cookie):
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/" in cookie
        assert "Max-Age" not in cookie  # gone when the browser closes
    new_id = web.cookies["signalement-session"]
    assert re.fullmatch(r"[0-9a-f]{64}", new_id) and new_id != planted
    assert await stack.runtime.store("sessions").get(planted_key) is None  # the planted session is gone
    assert (await web.get("/officer/queue")).status_code == 200
    [entry] = await audit_entries(stack, "auth.sign_in")
    assert entry.actor == login.username


async def test_an_unknown_session_id_is_never_adopted(stack, web, staff) -> None:
    web.cookies.set("signalement-session", "cd" * 32)
    r = await web.get("/officer/sign-in")
    assert "signalement-session" not in r.headers.get("set-cookie", "")
    assert await stack.runtime.store("sessions").get("cd" * 32) is None


async def test_a_code_works_once(stack, web, make_client, staff) -> None:
    login = await staff()
    code = await next_code(stack.runtime, login)
    status, _, _ = await attempt(web, stack, username=login.username, password=PASSWORD, code=code)
    assert status == 303
    async with make_client() as other:
        status, text, _ = await attempt(other, stack, username=login.username, password=PASSWORD, code=code)
    assert status == 400 and FAILED_TEXT in text


async def test_repeated_failures_lock_the_account_for_a_while_even_with_the_right_password(
    stack, web, staff, make_client
) -> None:
    login = await staff()
    for _ in range(signin.ACCOUNT_FAILURE_LIMIT):
        status, _, _ = await attempt(
            web, stack, username=login.username, password="wrong-wrong-wrong", code="000000"
        )
        assert status == 400
    async with make_client("127.0.0.9") as elsewhere:  # another address: the account lock still holds
        status, text, _ = await attempt(
            elsewhere,
            stack,
            username=login.username,
            password=PASSWORD,
            code=await next_code(stack.runtime, login),
        )
    assert status == 429 and "Too many attempts" in text
    throttle = signin.SignInThrottle(stack.runtime, stack.runtime.store("signin"))
    remaining = await stack.runtime.store("signin").expires_in(throttle.account_key(login.username))
    assert remaining is not None and 0 < remaining <= signin.WINDOW_SECONDS  # the lock expires by itself
    assert [e.detail["reason"] for e in await audit_entries(stack, "auth.sign_in_failed")][-1] == "throttled"


async def test_one_address_guessing_many_accounts_is_locked_out(stack, web, staff) -> None:
    for i in range(signin.CLIENT_FAILURE_LIMIT):
        status, _, _ = await attempt(web, stack, username=f"guess{i}", password="wrong-wrong-wrong", code="0")
        assert status == 400
    login = await staff()
    status, _, _ = await attempt(
        web, stack, username=login.username, password=PASSWORD, code=await next_code(stack.runtime, login)
    )
    assert status == 429


async def test_a_new_account_enrols_totp_and_replaces_its_one_time_password_before_anything_else(
    stack, web
) -> None:
    master = await admin_master(stack)
    admin = await principal_of(stack.runtime, stack.admin.username)
    issued = await add_member(
        stack.runtime,
        admin,
        master,
        username="newbie",
        display_name="New Officer",
        role=Role.OFFICER,
        region="quebec",
        regions=frozenset({"quebec"}),
    )
    status, _, _ = await attempt(web, stack, username="newbie", password=issued.one_time_password, code="")
    assert status == 303
    assert (await web.get("/officer/queue")).headers["location"] == "/officer/setup"
    assert (await web.get("/api/v1/cases")).status_code == 403
    page = (await web.get("/officer/setup")).text
    assert "<svg" in page and 'class="qr"' in page
    secret_text = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)  # type: ignore[union-attr]
    raw = secret_text.replace(" ", "")
    secret = base64.b32decode(raw + "=" * (-len(raw) % 8))
    token = await csrf_token(web)
    r = await web.post(
        "/officer/setup", data=form(token, code="000000", new_password="short", confirm="short")
    )
    assert r.status_code == 400 and "This code is not right" in r.text and "at least 12 characters" in r.text
    new_password = "lantern-copper-meadow-sing-81"
    code = totp.current_code(secret)
    r = await web.post(
        "/officer/setup", data=form(token, code=code, new_password=new_password, confirm=new_password)
    )
    assert r.status_code == 303 and r.headers["location"] == "/officer/queue"
    assert (await web.get("/officer/queue")).status_code == 200
    async with stack.runtime.db.reading() as session:
        officer = await session.scalar(select(Officer).where(Officer.username == "newbie"))
        cred = await session.get(OfficerCredential, officer.id)
    assert officer.totp_enrolled and not officer.must_change_password and cred.holds_master_key
    # The one-time password no longer opens anything, and the enrolment code cannot sign in.
    web.cookies.clear()
    status, _, _ = await attempt(
        web, stack, username="newbie", password=issued.one_time_password, code=totp.current_code(secret)
    )
    assert status == 400
    status, _, _ = await attempt(web, stack, username="newbie", password=new_password, code=code)
    assert status == 400
    actions = [e.action for e in await audit_entries(stack, "auth.totp_enrol")]
    assert actions == ["auth.totp_enrol"]


async def test_an_account_can_change_its_password_and_the_old_one_stops_working(stack, web, staff) -> None:
    login = await staff()
    token = await sign_in(web, stack.runtime, login)
    new = "orchard-tidal-pencil-unfold-62"
    r = await web.post(
        "/officer/account/password",
        data=form(token, current_password=PASSWORD, new_password=new, confirm=new),
    )
    assert r.status_code == 303
    assert (await web.get("/officer/queue")).status_code == 200  # this session lives on
    web.cookies.clear()
    status, _, _ = await attempt(
        web, stack, username=login.username, password=PASSWORD, code=await next_code(stack.runtime, login)
    )
    assert status == 400
    status, _, _ = await attempt(
        web, stack, username=login.username, password=new, code=await next_code(stack.runtime, login)
    )
    assert status == 303


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/x", "/en/report", "/officer\\..\\x"]
)
async def test_sign_in_never_redirects_outside_the_workspace(stack, web, staff, next_path: str) -> None:
    login = await staff()
    token = await csrf_token(web)
    r = await web.post(
        "/officer/sign-in",
        data=form(
            token,
            username=login.username,
            password=PASSWORD,
            code=await next_code(stack.runtime, login),
            next=next_path,
        ),
    )
    assert r.status_code == 303 and r.headers["location"] == "/officer/"
