"""What a worker sees at 320 px, in Debian's Chromium: Quick exit first on every page, phone numbers
on one line. One server and one browser for the module; a context per test."""

from __future__ import annotations

from typing import Any

import pytest

from integration.reporter.reporting import BrowserStack
from support.browser import axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

PHONE = {"width": 320, "height": 640}
ALL = ("en", "fr", "es", "tl", "hi", "pa", "vi", "zh")


async def go(page: Any, selector: str) -> None:
    async with page.expect_navigation():
        await page.click(selector)


async def first_in_reading_order(page: Any, name: str) -> None:
    """Quick exit is the first thing on the page after the skip link: in the DOM, for the keyboard,
    and on the screen (nothing of the header above it or, on its line, before it)."""
    box = await page.locator("#quick-exit").bounding_box()
    assert box is not None, f"{name}: no Quick exit"
    for other in await page.locator("header.top > :not(#quick-exit)").all():
        o = await other.bounding_box()
        if o is None:
            continue
        assert o["y"] >= box["y"] + box["height"] - 1 or (
            abs(o["y"] - box["y"]) < box["height"] and o["x"] >= box["x"] + box["width"]
        ), f"{name}: {await other.evaluate('e => e.outerHTML.slice(0, 60)')} comes before Quick exit"
    await page.keyboard.press("Tab")  # the skip link
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "quick-exit", f"{name}: not the first stop"


@pytest.mark.parametrize("lang", ["en", "tl", "pa", "zh"])
async def test_quick_exit_comes_first_on_every_page(
    lang: str, browser_stack: BrowserStack, module_chromium: Any
) -> None:
    base = browser_stack.server.base_url
    headers = {"accept-language": lang, **browser_stack.headers()}
    context = await module_chromium.new_context(viewport=PHONE, extra_http_headers=headers)
    page = await context.new_page()
    for path in ("/", f"/{lang}/", f"/{lang}/follow-up", f"/{lang}/report", f"/{lang}/nothing-here"):
        await page.goto(base + path)
        await first_in_reading_order(page, path)
    await page.goto(f"{base}/{lang}/report")
    await page.check('input[value="wages"]')
    await go(page, 'button[value="next"]')
    await first_in_reading_order(page, "step 2")
    await context.clear_cookies()  # as after Quick exit: the re-sent step gets the closed page
    await page.reload()
    assert await page.locator("form").count() == 0
    await first_in_reading_order(page, "closed page")
    await context.close()


@pytest.mark.parametrize("lang", ALL)
async def test_phone_numbers_stay_on_one_line_at_320_px(
    lang: str, browser_stack: BrowserStack, module_chromium: Any
) -> None:
    context = await module_chromium.new_context(viewport=PHONE, extra_http_headers=browser_stack.headers())
    page = await context.new_page()
    await page.goto(f"{browser_stack.server.base_url}/{lang}/report")
    await page.check('input[value="wages"]')
    await go(page, 'button[value="next"]')
    await page.check('input[name="danger"][value="yes"]')
    await go(page, 'button[value="next"]')  # the full crisis guidance, with three numbers
    links = await page.locator('a[href^="tel:"]').all()
    assert len(links) == 3
    for link in links:
        lines = await link.evaluate("e => e.getClientRects().length")
        assert lines == 1, f"{await link.inner_text()} wraps onto {lines} lines"
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await context.close()


@pytest.mark.parametrize("lang", ["en", "tl", "pa"])
async def test_the_closed_page_passes_axe(lang: str, browser_stack: BrowserStack, module_chromium: Any) -> None:
    context = await module_chromium.new_context(  # bypass_csp only so that axe can be injected
        viewport=PHONE, bypass_csp=True, extra_http_headers=browser_stack.headers()
    )
    page = await context.new_page()
    await page.goto(f"{browser_stack.server.base_url}/{lang}/report")
    await page.check('input[value="wages"]')
    await context.clear_cookies()
    await go(page, 'button[value="next"]')
    assert await page.locator("form").count() == 0 and await page.get_attribute("html", "lang") in (lang, "pa-Guru")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
    await context.close()
