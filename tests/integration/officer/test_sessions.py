"""Sessions end when they should: idle, absolute, sign-out, account removed or reset.
The key in a session needs both halves: the store's sealed copy and the browser's cookie."""

from __future__ import annotations

import pytest

from signalement.db.models import Role
from signalement.officer.administration import remove_member, reset_member
from signalement.settings import load_settings
from signalement.staff import sessions
from signalement.staff.sessions import CookieNames, session_config
from support.cases import admin_master, submit
from support.officers import form, principal_of, sign_in
from support.sessions import Clock


async def test_a_session_idle_longer_than_the_limit_ends(stack, web, staff, clock: Clock) -> None:
    login = await staff()
    await sign_in(web, stack.runtime, login)
    session_id = web.cookies["signalement-session"]
    idle = stack.settings.session_idle_minutes * 60
    clock.now += idle - 90
    assert (await web.get("/officer/queue")).status_code == 200
    clock.now += idle + 1
    r = await web.get("/officer/queue")
    assert r.status_code == 303 and r.headers["location"].startswith("/officer/sign-in")
    assert "expired=1" in r.headers["location"]
    assert await stack.runtime.store("sessions").get(session_id) is None
    assert (await web.get("/api/v1/cases")).status_code == 401


async def test_an_active_session_still_ends_at_the_absolute_limit(stack, web, staff, clock: Clock) -> None:
    login = await staff()
    await sign_in(web, stack.runtime, login)
    absolute = stack.settings.session_absolute_hours * 3600
    step = (stack.settings.session_idle_minutes - 5) * 60
    elapsed = 0
    while elapsed + step < absolute:
        clock.now += step
        elapsed += step
        assert (await web.get("/officer/queue")).status_code == 200, elapsed
    clock.now += absolute - elapsed + 1
    assert (await web.get("/officer/queue")).status_code == 303


async def test_signing_out_deletes_the_session_and_tells_the_browser_to_forget_everything(
    stack, web, staff
) -> None:
    login = await staff()
    token = await sign_in(web, stack.runtime, login)
    session_id = web.cookies["signalement-session"]
    r = await web.post("/officer/sign-out", data=form(token))
    assert r.status_code == 200
    assert r.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    set_cookies = r.headers.get_list("set-cookie")
    assert any(c.startswith("signalement-session=") and "Max-Age=0" in c for c in set_cookies)
    assert any(c.startswith("signalement-key=") and "Max-Age=0" in c for c in set_cookies)
    assert await stack.runtime.store("sessions").get(session_id) is None
    # Replaying the old cookie gets nothing.
    web.cookies.clear()
    web.cookies.set("signalement-session", session_id, domain="127.0.0.1")
    assert (await web.get("/officer/queue")).status_code == 303


async def test_the_store_alone_cannot_open_a_case_without_the_browsers_key_cookie(
    stack, web, staff, make_client
) -> None:
    login = await staff()
    receipt = await submit(stack, province="QC")
    await sign_in(web, stack.runtime, login)
    assert (await web.get(f"/officer/cases/{receipt.case_id}")).status_code == 200
    session_id = web.cookies["signalement-session"]
    # Someone with the session id (from the store) but not the key cookie:
    async with make_client() as thief:
        thief.cookies.set("signalement-session", session_id, domain="127.0.0.1")
        r = await thief.get(f"/officer/cases/{receipt.case_id}")
        assert r.status_code == 303 and r.headers["location"].startswith("/officer/sign-in")
    # ... and the failed attempt ended the session for everyone, so the leak is contained.
    assert await stack.runtime.store("sessions").get(session_id) is None


async def test_a_key_cookie_from_another_session_opens_nothing(stack, make_client, staff) -> None:
    login = await staff()
    receipt = await submit(stack, province="QC")
    async with make_client() as a, make_client() as b:
        await sign_in(a, stack.runtime, login)
        await sign_in(b, stack.runtime, login)
        b.cookies.set("signalement-key", a.cookies["signalement-key"], domain="127.0.0.1")
        assert (await b.get(f"/officer/cases/{receipt.case_id}")).status_code == 303
        assert (await a.get(f"/officer/cases/{receipt.case_id}")).status_code == 200


@pytest.mark.parametrize("change", ["remove", "reset", "role"])
async def test_removing_resetting_or_changing_an_account_applies_to_its_open_session(
    stack, web, staff, change: str
) -> None:
    login = await staff()
    await sign_in(web, stack.runtime, login)
    admin = await principal_of(stack.runtime, stack.admin.username)
    if change == "remove":
        await remove_member(stack.runtime, admin, login.id)
    elif change == "reset":
        await reset_member(stack.runtime, admin, await admin_master(stack), login.id)
    else:
        from signalement.officer.administration import change_member

        await change_member(
            stack.runtime,
            admin,
            await admin_master(stack),
            login.id,
            role=Role.SUPERVISOR,
            region=None,
            regions=frozenset(),
        )
    r = await web.get("/officer/clusters")
    if change == "role":
        assert r.status_code == 200  # promoted: the new role applies at once, no new sign-in needed
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/officer/sign-in")


async def test_reporters_never_get_a_session_cookie(web) -> None:
    for path in ("/", "/en/", "/fr/", "/en/report", "/en/follow-up", "/healthz"):
        r = await web.get(path)
        assert not any(
            "signalement-session" in c or "signalement-key" in c for c in r.headers.get_list("set-cookie")
        )


def test_production_cookies_are_host_prefixed_and_secure(stack) -> None:
    settings = load_settings({}, env="production", data_dir=stack.settings.data_dir)
    names = CookieNames.for_settings(settings)
    config = session_config(settings)
    assert config.key == "__Host-signalement-session" and config.secure and config.httponly
    assert config.samesite == "strict" and config.session_id_bytes >= 16
    header = sessions.key_cookie(names, "value").to_header(header="")
    assert header.startswith("__Host-signalement-key=") and "Secure" in header and "Domain" not in header
    assert "Path=/" in header and "HttpOnly" in header
