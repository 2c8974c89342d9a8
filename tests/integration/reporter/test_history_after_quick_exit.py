"""After Quick exit, nothing comes back from the browser's history (issue 11), in Debian's Chromium.

A worker finishes a report (or stops in the middle of the form, or reads an officer's reply
in the portal) and presses Quick exit. Then someone else takes the phone and presses Back,
Forward and reload, in every order, up to three steps. Nothing the reporter wrote or received
may show: no case code, no secret, no story, no employer, no reply.

* With JavaScript on, Back after Quick exit does not land on any page of ours.
* With JavaScript off, whatever Back lands on is the browser's own "resend?" page (which shows
  nothing of ours) or a neutral page of ours, in the reporter's language.

One server and one browser serve the whole module; each case gets a fresh browser context
(its own history and cookies). English, Tagalog and Punjabi take turns over the sequences, so
each language meets each starting point with JavaScript on and off.

Which sequences, and why they are enough. Every case is a whole walk through the form (about
three seconds of Chromium), so a sequence that can only meet a history another sequence already
meets is not run:

* A reload as the first step reloads the neutral site's page: nothing of ours (checked like any
  step), and the history stays as it was (asserted from the browser's own navigation list). What follows
  it therefore meets the history the Back-first sequences meet: one reload-first sequence
  (reload, Back, Forward) is kept; reload-Back-Back and the like repeat Back-Back.
* Without JavaScript, Quick exit is an ordinary navigation: the neutral page is the newest entry
  and Forward has nowhere to go (asserted in every case without JavaScript), so the Forward-first
  sequences run with JavaScript only, where our later pages follow the neutral site.
* Every order of Back and reload up to three steps after a first Back is run, and each
  sequence is checked after every step, so every prefix is checked too.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from integration.reporter.reporting import BrowserStack, Reporter, add_officer_reply, said
from signalement.db.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

PHONE = {"width": 320, "height": 640}
EMPLOYER = "Acme Greenhouses"
TOWN = "Leamington"
STORY = "The boss took my passport in March. ਉਹ ਸਾਨੂੰ ਬਾਹਰ ਨਹੀਂ ਜਾਣ ਦਿੰਦੇ।"
REPLY = "Thank you. An officer will call you. Are you safe now?"
MY_REPLY = "Yes, I am safe today. Please call after 6 pm."
LANGS = ("en", "tl", "pa")
BCP47 = {"en": "en", "tl": "tl", "pa": "pa-Guru"}
SEQUENCES = [
    # After a first Back, every order of up to three steps: prefixes are checked too.
    *(("back", *rest) for rest in itertools.product(("back", "reload"), repeat=2)),
    ("back", "forward", "reload"),
    ("back", "back", "forward"),
    ("reload", "back", "forward"),  # a first reload leaves the history as it was (asserted): see above
]
# With JavaScript, our later pages follow the neutral site in the history: Forward must leave them at once.
FORWARD_FIRST = [("forward", "forward", "back"), ("forward", "reload", "back")]
CASES = [
    pytest.param(origin, js, seq, LANGS[i % 3], id=f"{origin}-{'js' if js else 'nojs'}-{'-'.join(seq)}-{LANGS[i % 3]}")
    for origin in ("receipt", "middle", "portal")
    for js in (True, False)
    for i, seq in enumerate(SEQUENCES + FORWARD_FIRST if js else SEQUENCES)
]


async def case_for_the_portal(stack: BrowserStack, lang: str) -> tuple[str, str]:
    """A report made over HTTP, with an officer's reply: the portal's starting point, once per language."""
    if lang not in stack.portal_cases:
        async with httpx.AsyncClient(base_url=stack.server.base_url, timeout=30) as client:
            reporter = Reporter(client, lang)  # type: ignore[arg-type]
            await reporter.start()
            for data in (
                {"categories": ["wages"], "action": "next"},
                {"danger": "no", "action": "next"},
                {"province": "ON", "town": TOWN, "action": "next"},
                {"employer": EMPLOYER, "action": "next"},
                {"narrative": STORY, "action": "next"},
                {"action": "next"},
                {"action": "next"},
            ):
                assert (await reporter.step(data)).status == 200
            code, secret = (await reporter.submit()).receipt()
        async with stack.db.reading() as s:
            case_id = await s.scalar(select(Case.id).where(Case.case_code == code.replace("-", "")))
        await add_officer_reply(stack.runtime, stack.db, case_id, REPLY)
        stack.portal_cases[lang] = (code, secret)
    return stack.portal_cases[lang]


async def go(page: Any, selector: str) -> None:
    async with page.expect_navigation():
        await page.click(selector)


async def fill_until_story(page: Any, base: str, lang: str) -> None:
    await page.goto(f"{base}/{lang}/")
    await go(page, f'a[href="/{lang}/report"]')
    await page.check('input[value="wages"]')
    await go(page, 'button[value="next"]')
    await page.check('input[name="danger"][value="no"]')
    await go(page, 'button[value="next"]')
    await page.select_option("#f-province", "ON")
    await page.fill("#f-town", TOWN)
    await go(page, 'button[value="next"]')
    await page.fill("#f-employer", EMPLOYER)
    await go(page, 'button[value="next"]')
    await page.fill("#f-narrative", STORY)


async def start_from(origin: str, page: Any, stack: BrowserStack, lang: str) -> list[str]:
    """Bring the page to the starting point; returns what must never come back."""
    base = stack.server.base_url
    secrets = [EMPLOYER, TOWN, STORY[:20], "ਉਹ ਸਾਨੂੰ ਬਾਹਰ ਨਹੀਂ"]
    if origin == "portal":
        code, secret = await case_for_the_portal(stack, lang)
        await page.goto(f"{base}/{lang}/")
        await go(page, f'a[href="/{lang}/follow-up"]')
        await page.fill("#f-code", code)
        await page.fill("#f-secret", secret)
        await go(page, 'form[action$="/follow-up"] button[type="submit"]')
        assert REPLY in await page.inner_text(".thread")
        await page.fill("#f-message", MY_REPLY)
        await go(page, 'button[value="send"]')
        assert MY_REPLY in await page.inner_text(".thread")
        return [*secrets, REPLY, MY_REPLY, code, code.replace("-", ""), secret, secret.replace(" ", "")]
    await fill_until_story(page, base, lang)
    if origin == "middle":
        return secrets
    await go(page, 'button[value="next"]')  # evidence
    await go(page, 'button[value="next"]')  # contact
    await go(page, 'button[value="next"]')  # review
    assert EMPLOYER in await page.inner_text("dl.review")
    await go(page, 'button[value="submit"]')
    code, secret = [t.strip() for t in await page.locator(".receipt").all_inner_texts()]
    return [*secrets, code, code.replace("-", ""), secret, secret.replace(" ", "")]


async def settled(page: Any) -> None:
    """Wait for the page in front to finish loading (a page of ours may still be leaving)."""
    try:
        await page.wait_for_load_state("load", timeout=10_000)
    except Exception:  # noqa: BLE001 - a navigation replaced the page while we waited: wait again
        await page.wait_for_load_state("load", timeout=10_000)


async def act(page: Any, action: str) -> None:
    """Back, Forward or reload, as the person holding the phone presses them. The browser may answer
    with its own error page (a POST it will not resend silently); that is not a failure."""
    try:
        if action == "back":
            await page.go_back(timeout=10_000)
        elif action == "forward":
            await page.go_forward(timeout=10_000)
        else:
            await page.reload(timeout=10_000)
    except Exception as exc:  # noqa: BLE001 - net::ERR_CACHE_MISS and the like
        if "Timeout" in type(exc).__name__:
            raise
    await settled(page)


async def shown(page: Any) -> str:
    """The page's HTML and what its fields hold (a browser may put typed text back into a form)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            values = await page.locator("input, textarea").evaluate_all("els => els.map(e => e.value)")
            return str(await page.content()) + "\n".join(values)
        except Exception:  # noqa: BLE001 - the page is navigating (a page of ours leaving): read it again
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def navigation_list(page: Any) -> tuple[int, list[str]]:  # noqa: ANN401
    """The tab's history as the browser keeps it (which entry is current, and every entry's address)."""
    cdp = await page.context.new_cdp_session(page)
    try:
        listed = await cdp.send("Page.getNavigationHistory")
    finally:
        await cdp.detach()
    return listed["currentIndex"], [entry["url"] for entry in listed["entries"]]


async def not_ours(page: Any, base: str) -> str:
    """Poll (with a deadline) until the page in front is not one of ours; return its URL."""
    with contextlib.suppress(Exception):  # still ours after the deadline: the caller's assertion says so
        await page.wait_for_url(lambda url: not url.startswith(base), timeout=10_000)
    return str(page.url)


@pytest.mark.parametrize(("origin", "js", "sequence", "lang"), CASES)
async def test_nothing_comes_back_after_quick_exit(
    origin: str, js: bool, sequence: tuple[str, ...], lang: str, browser_stack: BrowserStack, module_chromium: Any
) -> None:
    stack = browser_stack
    base = stack.server.base_url
    context = await module_chromium.new_context(
        viewport=PHONE, java_script_enabled=js, extra_http_headers=stack.headers()
    )
    try:
        page = await context.new_page()
        await page.goto(stack.before)
        never = await start_from(origin, page, stack, lang)
        before_exit = await shown(page)
        assert any(n in before_exit for n in never), "the starting page shows nothing: the test is blind"

        async with page.expect_navigation(url=stack.neutral):
            await page.click("#quick-exit")
        assert await context.cookies(base) == [], "Quick exit left cookies of ours"
        after_exit = await navigation_list(page)
        if not js:  # why the Forward-first sequences run with JavaScript only (module docstring)
            assert after_exit[0] == len(after_exit[1]) - 1, f"Forward could leave the neutral page: {after_exit}"

        for step, action in enumerate(sequence, 1):
            await act(page, action)
            if step == 1 and action == "reload":  # why one reload-first sequence is enough (module docstring)
                assert await navigation_list(page) == after_exit, "reloading the neutral page changed the history"
            url = await not_ours(page, base) if js and action != "reload" else page.url
            text = await shown(page)
            where = f"after {'-'.join(sequence[:step])}, at {url}"
            leaked = [n for n in never if n in text]
            assert leaked == [], f"{where}: {leaked} came back"
            if js and action == "back":  # not ours, and not the browser's "resend?" page for one of ours
                assert not url.startswith((base, "chrome-error:")), f"{where}: Back landed on a page of ours"
            if js and action == "forward":  # one of our later pages may show for a moment, then leaves
                assert not url.startswith(base), f"{where}: Forward stayed on a page of ours"
            if url.startswith(base) and "<main" in text:  # a page of ours, not the browser's own
                assert f'lang="{BCP47[lang]}"' in text, f"{where}: not in the reporter's language"
                assert 'name="token"' not in text and 'class="receipt"' not in text, f"{where}: an open page"
                if action == "reload":  # a form sent again: only ever the closed page, or a fresh start
                    assert said(lang, "This page is closed") in text or "<form" not in text or (
                        'name="draft"' in text and not [n for n in never if n in text]
                    ), f"{where}: {text[:300]}"
    finally:
        await context.close()
