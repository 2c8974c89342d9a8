"""Language help in real Chromium, under the real CSP: a reply template chosen and sent in Punjabi, the story
machine-translated through a LibreTranslate-style server on 127.0.0.1, and axe-core finds nothing on either.

One server (machine translation on) and one Chromium for the whole module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from signalement.db.models import Role
from signalement.reply_templates import template_text
from signalement.runtime import Runtime
from support.browser import axe_violations, chromium, describe, require_chromium
from support.cases import submit
from support.live import LiveServer, start_server
from support.officers import create_officer, next_code
from support.stack import Template, clone
from support.translation_peer import FakeLibreTranslate, fake_translation

pytestmark = [pytest.mark.browser, pytest.mark.slow]
pytest.importorskip("playwright.async_api", reason="playwright is part of the test extra")

STORY = "ਉਸ ਨੇ ਸਾਡੇ ਪਾਸਪੋਰਟ ਵੀ ਰੱਖੇ ਹੋਏ ਹਨ"


@pytest.fixture(scope="module")
def peer() -> Iterator[FakeLibreTranslate]:
    with FakeLibreTranslate() as server:
        yield server


@pytest.fixture(scope="module")
def translating_server(
    templates: dict[str, Template], tmp_path_factory: pytest.TempPathFactory, peer: FakeLibreTranslate
) -> Iterator[tuple[Any, LiveServer, Any]]:
    require_chromium()
    template = templates["sqlite"]
    settings, _database = clone(template, tmp_path_factory.mktemp("language-help"))
    live = start_server(settings, tmp_path_factory.mktemp("language-help-log") / "server.log",
                        extra_env={"SIGNALEMENT_TRANSLATION_URL": peer.base_url})
    try:
        yield settings, live, template.admin
    finally:
        live.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    async with chromium() as launched:
        yield launched


async def _go(page: Any, selector: str) -> None:  # noqa: ANN401
    async with page.expect_navigation():
        await page.click(selector)


@pytest.mark.asyncio(loop_scope="module")
async def test_an_officer_sends_a_template_in_punjabi_and_reads_a_labelled_machine_translation(
    translating_server, browser, peer  # noqa: ANN001
) -> None:
    settings, live, admin = translating_server
    runtime = Runtime(settings)
    try:
        receipt = await submit(type("S", (), {"runtime": runtime})(), narrative=STORY, language="pa")
        login = await create_officer(runtime, admin, Role.OFFICER, region="quebec")
        # The work itself runs under the real CSP: any console error (a refused script or style) fails.
        context = await browser.new_context(viewport={"width": 1024, "height": 800})
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto(f"{live.base_url}/officer/sign-in")
        await page.fill("#username", login.username)
        await page.fill("#password", login.password)
        await page.fill("#code", await next_code(runtime, login))
        await _go(page, "button[type=submit] >> text=Sign in")
        case_url = f"{live.base_url}/officer/cases/{receipt.case_id}"
        await page.goto(case_url)

        await page.click("#reply-templates summary")
        await page.check("#tpl-received")
        await _go(page, "button >> text=Send reply")
        thread = await page.inner_text("ol.thread")
        assert template_text("received", "pa") in thread

        await _go(page, "button >> text=Machine-translate the story into English")
        assert "Machine translation: it can be wrong, and it is not kept." in await page.inner_text("main")
        assert fake_translation(STORY, "en") in await page.inner_text(".story.machine-translation")
        assert errors == []
        signed_in = await context.storage_state()
        await context.close()

        # axe on the case page with the templates open, and on the translation page (bypass_csp to inject it;
        # the same sitting's cookies, so no second sign-in).
        checked = await browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 800},
                                             storage_state=signed_in)
        page = await checked.new_page()
        await page.goto(case_url)
        await page.click("#reply-templates summary")
        found = {"case with templates open": await axe_violations(page)}
        await _go(page, "button >> text=Machine-translate the story into English")
        found["machine translation"] = await axe_violations(page)
        await checked.close()
        assert all(not v for v in found.values()), {k: describe(v) for k, v in found.items() if v}
    finally:
        await runtime.close()
