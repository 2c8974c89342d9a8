"""Real Chromium (Debian's), driven by Playwright, against a real ``signalement serve``.

* a complete report in each of the eight languages at 320 px, with a photo whose GPS tag is gone
  when the officer side opens it, then a follow-up sign-in, reading an officer's reply and answering;
* the same pages with the CSP enforced: no CSP error, no script error, no request to anyone else,
  and nothing wider than the screen;
* axe-core (WCAG 2.1 A and AA) with zero violations on every page of the flow, in every language;
* a report completed with the keyboard alone (Quick exit and the history: ``test_history_after_quick_exit``).

Screenshots of each step in English and Tagalog are taken on every run, into the test's temporary directory so a
test run never changes the working tree; ``UPDATE_SCREENSHOTS=1`` writes them to docs/screenshots/ instead
(``UPDATE_SCREENSHOTS=1 make test PYTEST_ARGS="-k phone_width"``).
"""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from PIL import Image
from sqlalchemy import select

from integration.reporter.reporting import Opener, add_officer_reply, build_opener
from signalement import i18n
from signalement.db.engine import Database
from signalement.db.models import Message
from support.browser import axe_violations, describe, require_chromium
from support.fixtures import module_stack
from support.live import LiveServer, start_server
from support.stack import Template

# One server, one database and one Chromium for the whole module (each test opens its own browser
# context and its own report, and reads back only its own case): starting them per test cost
# about five seconds a test.
pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

LANGS = [lang.code for lang in i18n.LANGUAGES]
DOC_SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
SHOT_LANGS = ("en", "tl")
PHONE = {"width": 320, "height": 640}
REPLY = "Thank you. An officer will call you. Are you safe now?"
Check = Callable[[Any, str], Awaitable[None]]


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (42.0, 3.0, 17.5), 3: "W", 4: (82.0, 36.0, 9.1)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (120, 90), "teal").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(templates: dict[str, Template], tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    """The module's own SQLite stack (rendering does not depend on the database)."""
    async with module_stack(templates["sqlite"], tmp_path_factory.mktemp("browser")) as s:
        yield s


@pytest.fixture(scope="module")
def live(stack: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    # Every test of the module walks the whole form from one address: no per-minute limit here
    # (tests/security/test_rate_limit.py checks the limit).
    server = start_server(stack.settings, tmp_path_factory.mktemp("browser-log") / "server.log",
                          extra_env={"SIGNALEMENT_RATE_LIMIT_PER_MINUTE": "1000000"})
    try:
        yield server
    finally:
        server.stop()
        print(server.logs()[-4000:])  # shown by pytest only when the test failed


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def db(stack: Any) -> AsyncIterator[Database]:
    database = Database(stack.settings.db_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def opener(stack: Any, db: Database) -> Opener:
    return await build_opener(stack, db)


async def go(page: Any, selector: str) -> None:
    """Press a button or link and wait for the next page."""
    async with page.expect_navigation():
        await page.click(selector)


async def no_check(page: Any, name: str) -> None:
    return None


async def report(
    page: Any, base: str, lang: str, check: Check = no_check, *, danger: str = "yes"
) -> tuple[str, str]:
    """A complete report through the real pages; ``check`` runs on every page. Returns code and secret."""
    await page.goto(f"{base}/{lang}/")
    await check(page, "01-start")
    await go(page, f'a[href="/{lang}/report"]')
    await check(page, "02-what")
    await page.check('input[value="wages"]')
    await page.check('input[value="documents"]')
    await go(page, 'button[value="next"]')
    await check(page, "03-danger")
    await page.check(f'input[name="danger"][value="{danger}"]')
    await go(page, 'button[value="next"]')
    await go(page, 'button[value="next"]')  # no province chosen: the error state
    await check(page, "04-where-error")
    await page.select_option("#f-province", "ON")
    await page.fill("#f-town", "Leamington")
    await go(page, 'button[value="next"]')
    await check(page, "05-who")
    await page.fill("#f-employer", "Acme Greenhouses")
    await go(page, 'button[value="next"]')
    await check(page, "06-story")
    await page.fill("#f-narrative", "The boss took my passport in March.\nਉਹ ਸਾਨੂੰ ਬਾਹਰ ਨਹੀਂ ਜਾਣ ਦਿੰਦੇ।")
    await go(page, 'button[value="next"]')
    await page.set_input_files(
        "#f-files", files=[{"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}]
    )
    await go(page, 'button[formaction$="/report/evidence"]')
    assert await page.locator(".files li").count() == 1, await page.inner_text("main")
    await check(page, "07-evidence")
    await go(page, 'button[value="next"]')
    await page.check("#f-contact-sms")
    await page.fill("#f-phone", "613 555 0123")
    await check(page, "08-contact")
    await go(page, 'button[value="next"]')
    await check(page, "09-review")
    await go(page, 'button[value="submit"]')
    await check(page, "10-receipt")
    shown = [t.strip() for t in await page.locator(".receipt").all_inner_texts()]
    assert len(shown) == 2, f"no receipt; the page says: {await page.inner_text('main')}"
    return shown[0], shown[1]


async def follow_up(page: Any, base: str, lang: str, code: str, secret: str, check: Check = no_check) -> None:
    await page.goto(f"{base}/{lang}/follow-up")
    await check(page, "11-follow-up")
    await page.fill("#f-code", code)
    await page.fill("#f-secret", secret)
    await go(page, 'form[action$="/follow-up"] button[type="submit"]')
    await check(page, "12-portal")
    assert REPLY in await page.locator(".thread").inner_text()
    await page.fill("#f-message", "Yes, I am safe today. Please call after 6 pm.")
    await go(page, 'button[value="send"]')
    await check(page, "13-reply-sent")
    assert await page.locator('.notice[role="status"]').count() == 1
    await page.check("#f-easy")
    await go(page, 'form.feedback button[type="submit"]')
    await check(page, "14-feedback-thanks")


async def fits_the_screen(page: Any, name: str) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} is {width}px wide at 320px"


@pytest.mark.parametrize("lang", LANGS)
async def test_a_complete_report_and_follow_up_in_every_language_at_phone_width(
    lang: str, live: LiveServer, module_chromium: Any, stack: Any, db: Database, opener: Opener, tmp_path: Path
) -> None:
    update_docs = os.environ.get("UPDATE_SCREENSHOTS") == "1" and stack.backend == "sqlite"
    shots = DOC_SHOTS if update_docs else tmp_path / "screenshots"
    context = await module_chromium.new_context(viewport=PHONE)  # CSP enforced
    page = await context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"script error: {e}"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    async def check(p: Any, name: str) -> None:
        await fits_the_screen(p, name)
        assert await p.evaluate("document.title") == await p.evaluate(
            "document.querySelector('title').textContent"
        )  # the neutral title, nothing added
        if lang in SHOT_LANGS:
            shots.mkdir(parents=True, exist_ok=True)
            await p.screenshot(path=str(shots / f"{lang}-{name}.png"), full_page=True)
            assert (shots / f"{lang}-{name}.png").stat().st_size > 1000

    code, secret = await report(page, live.base_url, lang, check)
    case = await opener.case_by_code(code)
    assert case is not None and case.language == lang
    [(evidence, body)] = await opener.evidence(case.id)
    photo = Image.open(io.BytesIO(body))
    assert evidence.content_type == "image/jpeg" and photo.size == (120, 90)
    assert not photo.getexif().get_ifd(0x8825), "the GPS tag survived"
    assert len(photo.getexif()) == 0 and b"PhoneMaker" not in body

    await add_officer_reply(stack.runtime, db, case.id, REPLY)
    await follow_up(page, live.base_url, lang, code, secret, check)
    async with db.reading() as s:
        mine = (
            await s.execute(select(Message).where(Message.case_id == case.id, Message.author == "reporter"))
        ).scalars().all()
    assert len(mine) == 1
    assert opener.open(mine[0].envelope, case.id, f"message:{mine[0].id}").startswith(
        b"Yes, I am safe today."
    )

    csp = [
        m for m in console if "Content Security Policy" in m or "Refused to" in m or m.startswith("script")
    ]
    assert csp == []
    assert all(url.startswith(live.base_url) for url in requests), [
        u for u in requests if not u.startswith(live.base_url)
    ]
    await context.close()


@pytest.mark.parametrize("lang", LANGS)
async def test_every_page_passes_axe_in_every_language(
    lang: str, sqlite_only: None, live: LiveServer, module_chromium: Any, stack: Any, db: Database, opener: Opener
) -> None:
    context = await module_chromium.new_context(viewport=PHONE, bypass_csp=True)  # only so axe can be injected
    page = await context.new_page()
    seen: list[str] = []

    async def check(p: Any, name: str) -> None:
        violations = await axe_violations(p)
        assert violations == [], f"{lang} {name}: {describe(violations)}"
        seen.append(name)

    code, secret = await report(page, live.base_url, lang, check)
    await add_officer_reply(stack.runtime, db, (await opener.case_by_code(code)).id, REPLY)
    await page.goto(f"{live.base_url}/{lang}/follow-up")
    await page.fill("#f-code", code)
    await page.fill("#f-secret", "1234")
    await go(page, 'form[action$="/follow-up"] button[type="submit"]')
    await check(page, "11-follow-up-error")
    await follow_up(page, live.base_url, lang, code, secret, check)
    for path in ("/", f"/{lang}/nothing-here"):
        await page.goto(live.base_url + path)
        await check(page, path)
    assert len(seen) == 17 and len(set(seen)) == 17
    await context.close()


async def tab_to(page: Any, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has focus, as a keyboard user would."""
    for _ in range(limit):
        if await page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {selector} with the Tab key")


async def press(page: Any, key: str) -> None:
    async with page.expect_navigation():
        await page.keyboard.press(key)


async def test_a_report_can_be_completed_with_the_keyboard_alone(
    sqlite_only: None, live: LiveServer, module_chromium: Any
) -> None:
    context = await module_chromium.new_context(viewport=PHONE)
    page = await context.new_page()
    await page.goto(f"{live.base_url}/en/")
    await tab_to(page, 'a[href="/en/report"]')
    await press(page, "Enter")
    await tab_to(page, 'input[value="wages"]')
    await page.keyboard.press("Space")
    await tab_to(page, 'button[value="next"]')
    await press(page, "Enter")
    await tab_to(page, "#f-danger")  # "Yes"; the arrow key moves to and selects "No"
    await page.keyboard.press("ArrowDown")
    assert await page.is_checked("#f-danger-no")
    await tab_to(page, 'button[value="next"]')
    await press(page, "Enter")
    await tab_to(page, 'button[value="next"]')
    await press(page, "Enter")
    assert await page.evaluate("document.activeElement.classList.contains('error-summary')"), (
        "the error summary must have focus after a validation error"
    )
    await tab_to(page, "#f-province")
    await page.keyboard.type("Ontario")
    assert await page.input_value("#f-province") == "ON"
    await tab_to(page, "#f-town")
    await page.keyboard.type("Simcoe")
    await press(page, "Enter")  # Enter in a text field presses the form's first button: Next
    await tab_to(page, "#f-employer")
    await page.keyboard.type("Acme")
    await press(page, "Enter")
    await tab_to(page, "#f-narrative")
    await page.keyboard.type("No pay for two months.")
    await tab_to(page, 'button[value="next"]')
    await press(page, "Enter")
    await tab_to(page, 'button[value="next"]')  # no evidence
    await press(page, "Enter")
    await tab_to(page, 'button[value="next"]')  # contact: the case code only
    await press(page, "Enter")
    assert "Simcoe" in await page.inner_text(
        "dl.review"
    ) and "No pay for two months." in await page.inner_text("dl.review")
    await tab_to(page, 'button[value="submit"]')
    await press(page, "Enter")
    assert await page.locator(".receipt").count() == 2
    await context.close()


async def test_the_whole_flow_works_with_javascript_turned_off(
    sqlite_only: None, live: LiveServer, module_chromium: Any, stack: Any, db: Database, opener: Opener
) -> None:
    context = await module_chromium.new_context(viewport=PHONE, java_script_enabled=False)
    page = await context.new_page()
    code, secret = await report(page, live.base_url, "es", fits_the_screen)
    await add_officer_reply(stack.runtime, db, (await opener.case_by_code(code)).id, REPLY)
    await follow_up(page, live.base_url, "es", code, secret, fits_the_screen)
    await context.close()


async def test_a_file_too_big_is_caught_before_it_is_sent_when_scripts_run(
    sqlite_only: None, live: LiveServer, module_chromium: Any, tmp_path: Path
) -> None:
    context = await module_chromium.new_context(viewport=PHONE)
    page = await context.new_page()
    await page.goto(f"{live.base_url}/en/report")
    for _ in range(5):  # straight to the evidence step: nothing there is required but the first three
        if await page.locator("#f-files").count():
            break
        if await page.locator('input[value="wages"]').count():
            await page.check('input[value="wages"]')
        if await page.locator("#f-danger-no").count():
            await page.check("#f-danger-no")
        if await page.locator("#f-province").count():
            await page.select_option("#f-province", "unknown")
        await go(page, 'button[value="next"]')
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    # A file on disk: the browser reads it where it is (a 10 MB buffer would cross the driver as base64).
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024))
    await page.set_input_files("#f-files", files=[big])
    await page.click('button[formaction$="/report/evidence"]')
    await page.wait_for_selector("#f-files-too-big", state="visible")
    assert sent == [] and await page.evaluate("document.activeElement.id") == "f-files"
    await context.close()
