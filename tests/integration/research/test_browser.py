"""Real Chromium against a real server: a researcher signs in and reads the dashboard with the CSP enforced
(no console error, no script), and axe-core finds no WCAG violation on any research page, in English and French.

One server and one browser for the module's test. Only the axe runs use ``bypass_csp``, to inject axe itself.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from signalement.db.models import Role
from signalement.metrics.comments import store_comment
from signalement.metrics.events import Recorder
from signalement.metrics.research_key import research_public
from support.browser import axe_violations, describe, launch
from support.live import LiveServer, start_server
from support.officers import create_officer, next_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is part of the test extra")

EXPERIMENT = "danger-wording@danger:control=1,plain=1"


async def seed(stack: Any) -> None:  # noqa: ANN401
    """Enough counts for every chart, some small cells, and comments over the threshold."""
    recorder = Recorder()
    steps = ("what", "danger", "where", "who", "story", "evidence", "contact", "review")
    for n in range(400):
        arm = "danger-wording:" + ("plain" if n % 2 else "control")
        lang = ("en", "fr", "pa", "es")[n % 4] if n % 50 else "vi"
        reached = 1 + n % len(steps)
        for step in steps[:reached]:
            recorder.record("step_reached", channel="web", language=lang, step=step, variant=arm)
        if reached == len(steps) and n % 3:
            recorder.record("submitted", channel="web", language=lang, variant=arm, seconds=90 + 40 * (n % 17))
        if n % 7 == 0:
            recorder.record("validation_error", channel="web", language=lang, step="what", field="categories")
        recorder.record("feedback", channel="web", language=lang, step="receipt", field="yes" if n % 3 else "no")
    await recorder.flush(stack.runtime.db)
    key = research_public(stack.runtime.keystore)
    assert key is not None
    for n in range(12):
        await store_comment(stack.runtime.db, key, page="receipt", channel="web", language="fr", easy=n % 2 == 0,
                            text=f"La deuxième étape n'était pas claire pour moi, version {n}.")


@pytest.fixture
async def server(stack: Any, tmp_path: Path) -> AsyncIterator[LiveServer]:  # noqa: ANN401
    settings = msgspec.structs.replace(stack.settings, experiment=EXPERIMENT, experiment_min_sample=100)
    live = start_server(settings, tmp_path / "server.log")
    try:
        yield live
    finally:
        live.stop()


async def sign_in(page: Any, base: str, runtime: Any, login: Any) -> None:  # noqa: ANN401
    await page.goto(f"{base}/officer/sign-in")
    await page.fill("#username", login.username)
    await page.fill("#password", login.password)
    await page.fill("#code", await next_code(runtime, login))
    async with page.expect_navigation():
        await page.click("button[type=submit] >> text=Sign in")


async def test_a_researcher_reads_the_dashboard_and_axe_finds_nothing(stack: Any, server: LiveServer,  # noqa: ANN401
                                                                      tmp_path: Path) -> None:
    await seed(stack)
    researcher = await create_officer(stack.runtime, stack.admin, Role.RESEARCHER, region=None)
    base = server.base_url
    async with playwright_api.async_playwright() as p:
        browser = await launch(p)
        try:
            strict = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await strict.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await sign_in(page, base, stack.runtime, researcher)
            assert page.url.endswith("/research/"), page.url
            assert await page.locator("svg.chart").count() >= 4
            assert await page.locator("script").count() == 0
            assert await page.locator("text=La deuxième étape").count() == 12
            shots = Path(os.environ["UPDATE_SCREENSHOTS"]) if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
            await page.screenshot(path=str(shots / "research-dashboard.png"), full_page=True)
            assert errors == [], errors
            signed_in = await strict.storage_state()
            await strict.close()

            # The same sitting's cookies: no second sign-in.
            axe = await browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900},
                                            storage_state=signed_in)
            page = await axe.new_page()
            found: dict[str, list[dict[str, Any]]] = {}
            for path in ("/research/", "/research/?days=30&channel=web&language=fr", "/research/?days=365"):
                await page.goto(base + path)
                assert page.url == base + path, page.url  # still signed in: the page itself, not the sign-in
                found[path] = await axe_violations(page)
            async with page.expect_navigation():
                await page.click("button[name=language][value=fr]")
            assert await page.locator("html[lang=fr]").count() == 1
            found["/research/ in French"] = await axe_violations(page)
            await axe.close()
        finally:
            await browser.close()
    bad = {path: v for path, v in found.items() if v}
    assert not bad, "\n".join(f"{path}: {describe(v)}" for path, v in bad.items())
