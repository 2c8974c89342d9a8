"""Real Chromium against a real server: a new officer enrols TOTP, works a case from new to closed, replies,
and the reporter reads the reply on the follow-up page. And axe-core finds nothing on any workspace page.

The end-to-end run uses a normal browser context, so the strict CSP is enforced and any console error
(a CSP refusal included) fails the test. Only the axe run uses ``bypass_csp``, to inject axe itself.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from signalement.db.models import Role
from signalement.officer.administration import add_member
from signalement.staff import totp
from support.browser import axe_violations, describe, require_chromium
from support.cases import admin_master, submit
from support.fixtures import module_stack
from support.live import LiveServer, start_server
from support.officers import OfficerLogin, create_officer, next_code, principal_of
from support.stack import Template

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is part of the test extra")

DOC_SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
NEW_PASSWORD = "saffron-glacier-tuesday-oboe-5"  # noqa: S105 - a test account
REPLY = "Thank you. An officer will visit the farm this week. You can answer here."


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(templates: dict[str, Template], tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    """The module's own SQLite stack (what the browser shows does not depend on the database): one server and
    one Chromium serve every test, and each test opens its own browser contexts and its own accounts."""
    async with module_stack(templates["sqlite"], tmp_path_factory.mktemp("officer-browser")) as s:
        yield s


@pytest.fixture(scope="module")
def server(stack: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:  # noqa: ANN401
    require_chromium()
    live = start_server(stack.settings, tmp_path_factory.mktemp("officer-browser-log") / "server.log")
    try:
        yield live
    finally:
        live.stop()
        print(live.logs()[-4000:])  # shown by pytest only when a test failed


@pytest.fixture(scope="module")
def browser(module_chromium: Any) -> Any:  # noqa: ANN401
    return module_chromium


def watch_console(page: Any) -> list[str]:  # noqa: ANN401
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


async def submit_form(page: Any, selector: str) -> None:  # noqa: ANN401
    async with page.expect_navigation():
        await page.click(selector)


async def test_an_officer_enrols_works_a_case_to_closed_and_the_reporter_reads_the_reply(
    stack, server, browser
) -> None:
    receipt = await submit(
        stack,
        province="QC",
        narrative="The boss keeps our passports in the office.",
        categories=("documents",),
    )
    admin = await principal_of(stack.runtime, stack.admin.username)
    issued = await add_member(
        stack.runtime,
        admin,
        await admin_master(stack),
        username="amelie",
        display_name="Amélie Tremblay",
        role=Role.OFFICER,
        region="quebec",
        regions=frozenset({"quebec"}),
    )
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors = watch_console(page)
    base = server.base_url

    # First sign-in: the one-time password, no code yet.
    await page.goto(f"{base}/officer/sign-in")
    await page.fill("#username", "amelie")
    await page.fill("#password", issued.one_time_password)
    await submit_form(page, "button[type=submit] >> text=Sign in")
    assert page.url.endswith("/officer/setup")
    assert await page.locator("figure.qr svg").count() == 1
    secret_text = await page.inner_text("#totp-secret")
    raw = secret_text.replace(" ", "")
    secret = base64.b32decode(raw + "=" * (-len(raw) % 8))
    await page.fill("#code", totp.current_code(secret))
    await page.fill("#new_password", NEW_PASSWORD)
    await page.fill("#confirm", NEW_PASSWORD)
    await submit_form(page, "text=Finish setting up")
    assert page.url.endswith("/officer/queue"), page.url

    # Sign out, then in again with the new password and a fresh code.
    await submit_form(page, "text=Sign out")
    assert "You are signed out" in await page.content()
    login = OfficerLogin(
        id=0, username="amelie", password=NEW_PASSWORD, totp_secret=secret, role="officer", region="quebec"
    )
    await page.goto(f"{base}/officer/sign-in")
    await page.fill("#username", "amelie")
    await page.fill("#password", NEW_PASSWORD)
    await page.fill("#code", await next_code(stack.runtime, login))
    await submit_form(page, "button[type=submit] >> text=Sign in")
    assert page.url.endswith("/officer/queue")

    # The case is in the queue; open it.
    await submit_form(page, f"a:text('{receipt.case_code}')")
    assert "The boss keeps our passports" in await page.inner_text(".story")
    for step in ("triaged", "assessing", "inspection"):
        await page.select_option("#to", step)
        await submit_form(page, "text=Change status")
        assert "The case moved to its new status." in await page.inner_text(".notice")
    await page.select_option("#assignee", label="Amélie Tremblay")
    await submit_form(page, "text=Save assignment")
    await page.fill("#reply", REPLY)
    await submit_form(page, "text=Send reply")
    assert REPLY in await page.inner_text(".thread")
    await page.fill("#note", "Inspection booked with the regional team.")
    await submit_form(page, "text=Add note")
    await page.select_option("#ref-partner", "ircc_vulnerable_worker")
    await submit_form(page, "text=Record the referral")
    await page.select_option("#to", "closed")
    await page.select_option("#outcome", "substantiated")
    await submit_form(page, "text=Change status")
    flags = await page.inner_text(".flags")
    assert "Closed" in flags and "Substantiated" in flags
    timeline = await page.inner_text(".timeline")
    for action in ("case.status", "case.reply", "case.note", "case.referral", "case.assign", "case.open"):
        assert action in timeline
    assert not errors, errors

    # The reporter, on the public follow-up page, reads the reply.
    reporter = await browser.new_context(viewport={"width": 360, "height": 740})
    rpage = await reporter.new_page()
    reporter_errors = watch_console(rpage)
    await rpage.goto(f"{base}/en/follow-up")
    await rpage.fill("#f-code", receipt.case_code)
    await rpage.fill("#f-secret", receipt.secret)
    await submit_form(rpage, "text=Open my report")
    thread = await rpage.inner_text("main")
    assert REPLY in thread and "Officer" in thread
    assert "Inspection booked" not in thread  # internal notes stay internal
    assert not reporter_errors, reporter_errors
    await reporter.close()
    await context.close()


async def _signed_in_context(browser: Any, base: str, runtime: Any, login: OfficerLogin) -> tuple[Any, Any]:  # noqa: ANN401
    context = await browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{base}/officer/sign-in")
    await page.fill("#username", login.username)
    await page.fill("#password", login.password)
    await page.fill("#code", await next_code(runtime, login))
    await submit_form(page, "button[type=submit] >> text=Sign in")
    return context, page


async def test_axe_finds_no_wcag_violation_on_any_workspace_page(stack, server, browser) -> None:
    receipt = await submit(stack, province="QC", phone="+15145550111")
    base = server.base_url
    pages: dict[str, list[str]] = {
        "anonymous": ["/officer/sign-in", "/officer/cases/" + "0" * 32 + "/nothing"],
        "officer": [
            "/officer/queue",
            "/officer/queue?breached=true&category=confinement",
            f"/officer/cases/{receipt.case_id}",
            f"/officer/cases/{receipt.case_id}/export",
            "/officer/account",
            "/officer/cases/" + "0" * 32,
        ],
        "supervisor": ["/officer/clusters", "/officer/audit", f"/officer/cases/{receipt.case_id}",
                       "/officer/queue?sort=deadline"],  # with the bulk-assign checkboxes and form
        "admin": ["/officer/admin/staff", "/officer/admin/keys", "/officer/audit"],
    }
    found: dict[str, list[dict[str, Any]]] = {}
    anonymous = await browser.new_context(bypass_csp=True)
    page = await anonymous.new_page()
    # axe really runs: a page with an unlabelled image is caught.
    await page.set_content('<!doctype html><html lang="en"><title>t</title><main><img src="/x"></main>')
    assert "image-alt" in {v["id"] for v in await axe_violations(page)}
    # ... and on a later page of the context, where axe is loaded by the context's init script, not injected.
    unlabelled = f"{base}/officer/unlabelled-image"

    async def serve_unlabelled(route: Any) -> None:  # noqa: ANN401
        await route.fulfill(content_type="text/html", body='<!doctype html><html lang="en"><title>t</title>'
                                                           '<main><img src="/x"></main>')

    await page.route(unlabelled, serve_unlabelled)
    await page.goto(unlabelled)
    assert await page.evaluate("typeof window.axe") == "object"
    assert "image-alt" in {v["id"] for v in await axe_violations(page)}
    await page.unroute(unlabelled)
    for path in pages["anonymous"]:
        await page.goto(base + path)
        found[path] = await axe_violations(page)
    # A failed sign-in (the error summary) and the French workspace.
    await page.goto(f"{base}/officer/sign-in")
    await page.fill("#username", "nobody")
    await page.fill("#password", "wrong wrong wrong")
    await submit_form(page, "button[type=submit] >> text=Sign in")
    found["sign-in with an error"] = await axe_violations(page)
    await submit_form(page, "button[name=language]")
    found["sign-in in French"] = await axe_violations(page)
    await anonymous.close()
    for role in ("officer", "supervisor", "admin"):
        login = await create_officer(stack.runtime, stack.admin, role, region="quebec")
        context, page = await _signed_in_context(browser, base, stack.runtime, login)
        for path in pages[role]:
            await page.goto(base + path)
            found[f"{role} {path}"] = await axe_violations(page)
        if role == "admin":
            await page.goto(f"{base}/officer/admin/staff")
            await page.fill("#username", "newcomer")
            await page.fill("#display_name", "New Comer")
            await submit_form(page, "text=Add account")
            assert await page.locator("#one-time-password").count() == 1
            found["admin: one-time password"] = await axe_violations(page)
        await page.goto(f"{base}/officer/account")  # error pages carry no session controls
        await submit_form(page, "text=Sign out")
        found[f"{role}: signed out"] = await axe_violations(page)
        await context.close()
    # A first sign-in's set-up page.
    admin = await principal_of(stack.runtime, stack.admin.username)
    issued = await add_member(
        stack.runtime,
        admin,
        await admin_master(stack),
        username="setup-page",
        display_name="Set Up",
        role=Role.OFFICER,
        region=None,
        regions=frozenset(),
    )
    context = await browser.new_context(bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{base}/officer/sign-in")
    await page.fill("#username", "setup-page")
    await page.fill("#password", issued.one_time_password)
    await submit_form(page, "button[type=submit] >> text=Sign in")
    found["set-up"] = await axe_violations(page)
    await page.fill("#code", "000000")
    await page.fill("#new_password", "aaaaaaaaaaaa")  # long enough for the browser, too guessable for us
    await page.fill("#confirm", "aaaaaaaaaaab")
    await submit_form(page, "text=Finish setting up")
    assert await page.locator(".error-summary li").count() == 3
    found["set-up with errors"] = await axe_violations(page)
    await context.close()
    bad = {where: describe(v) for where, v in found.items() if v}
    assert not bad, bad
    assert len(found) >= 18
    assert all(re.match(r"^[\w /:?&=.-]+$", k) for k in found)


async def test_francais_turns_the_workspace_french_and_it_stays_french(stack, server, browser, tmp_path) -> None:
    # UPDATE_SCREENSHOTS=1 writes the queue and a case in French to docs/screenshots/ (else to tmp_path).
    shots = DOC_SHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    await submit(stack, province="QC", narrative="On nous enferme la nuit.", categories=("confinement",))
    await submit(stack, province="ON", narrative="No pay for overtime since May.", categories=("wages",))
    receipt = await submit(stack, province="QC", narrative="Le patron garde nos passeports.", categories=("documents",))
    login = await create_officer(stack.runtime, stack.admin, "officer", region="quebec")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors = watch_console(page)
    base = server.base_url
    await page.goto(f"{base}/officer/sign-in")
    await page.fill("#username", login.username)
    await page.fill("#password", login.password)
    await page.fill("#code", await next_code(stack.runtime, login))
    await submit_form(page, "button[type=submit] >> text=Sign in")
    assert await page.locator("html[lang=en]").count() == 1
    await submit_form(page, "button[name=language][value=fr]")
    assert page.url.endswith("/officer/queue"), page.url
    assert await page.locator("html[lang=fr]").count() == 1
    assert await page.locator("button[name=language][value=fr]").count() == 0
    assert await page.locator("button[name=language][value=en]").inner_text() == "English"
    assert "Fermer la session" in await page.inner_text("header")
    await page.screenshot(path=str(shots / "officer-fr-queue.png"), full_page=True)
    # The choice holds from page to page, and across a case action's redirect.
    await submit_form(page, f"a:text('{receipt.case_code}')")
    assert await page.locator("html[lang=fr]").count() == 1
    await page.screenshot(path=str(shots / "officer-fr-case.png"))
    await page.fill("#note", "Appel prévu demain.")
    await submit_form(page, "form[action$='/notes'] button[type=submit]")
    assert await page.locator("html[lang=fr]").count() == 1
    assert "Votre note a été ajoutée." in await page.inner_text(".notice")
    await submit_form(page, "button[name=language][value=en]")
    assert await page.locator("html[lang=en]").count() == 1
    assert not errors, errors
    await context.close()


async def test_the_api_description_shows_under_our_csp_and_axe_finds_nothing(stack, server, browser) -> None:
    login = await create_officer(stack.runtime, stack.admin, "officer", region="quebec")
    base = server.base_url
    strict = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await strict.new_page()
    errors = watch_console(page)
    await page.goto(f"{base}/schema")
    assert "/officer/sign-in" in page.url  # staff only: a browser is sent to sign in first
    await page.fill("#username", login.username)
    await page.fill("#password", login.password)
    await page.fill("#code", await next_code(stack.runtime, login))
    await submit_form(page, "button[type=submit] >> text=Sign in")
    assert page.url.endswith("/schema"), page.url
    assert await page.locator("h1").inner_text() == "API description"
    assert await page.locator("section.panel h3 code").count() >= 10
    assert await page.locator("text=X-CSRFToken").count() >= 1
    assert not errors, errors  # no CSP refusal: nothing is loaded from elsewhere
    signed_in = await strict.storage_state()
    await strict.close()
    # axe in a context that may inject it, in the same sitting (its cookies): no second account or sign-in.
    context = await browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900},
                                        storage_state=signed_in)
    page = await context.new_page()
    await page.goto(f"{base}/schema")
    assert page.url.endswith("/schema"), page.url
    found = await axe_violations(page)
    assert not found, describe(found)
    await context.close()


async def test_the_session_warning_appears_and_stay_signed_in_keeps_the_typing_on_the_page(
    stack, browser, tmp_path
) -> None:
    # Two minutes of idle time: the warning (two minutes before the end) is due as soon as the page loads.
    live = start_server(stack.settings, tmp_path / "short.log", extra_env={"SIGNALEMENT_SESSION_IDLE_MINUTES": "2"})
    try:
        receipt = await submit(stack, province="QC", narrative="They keep our passports.", categories=("documents",))
        login = await create_officer(stack.runtime, stack.admin, "officer", region="quebec")
        context = await browser.new_context(viewport={"width": 1024, "height": 800})
        page = await context.new_page()
        errors = watch_console(page)  # a CSP refusal of session.js would show here
        await page.goto(f"{live.base_url}/officer/sign-in")
        await page.fill("#username", login.username)
        await page.fill("#password", login.password)
        await page.fill("#code", await next_code(stack.runtime, login))
        await submit_form(page, "button[type=submit] >> text=Sign in")
        await page.goto(f"{live.base_url}/officer/cases/{receipt.case_id}")
        assert "your session ends at" in await page.inner_text("#session-ends")
        await page.fill("#note", "Half-typed note about the passports")
        await page.wait_for_selector("#keep-session:not([hidden])", timeout=5000)
        assert "two minutes" in await page.inner_text("#keep-session-text")
        async with page.expect_response(lambda r: r.url.endswith("/officer/session/keep")) as answer:
            await page.click("#keep-session button")
        assert (await answer.value).status == 200
        assert page.url.endswith(f"/officer/cases/{receipt.case_id}")  # no navigation
        assert await page.input_value("#note") == "Half-typed note about the passports"
        assert not errors, errors
        await context.close()
    finally:
        live.stop()
