"""Debian's Chromium, headless, driven by Playwright; axe-core for accessibility.

Tests that need it skip with the reason printed when Chromium or axe-core is
missing, and fail instead under CI=true (``make test`` installs both).
"""

from __future__ import annotations

import functools
import json
import shutil
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from support.pg import CI

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-quic", "--disable-sync",
]
AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _missing(reason: str) -> None:
    if CI:
        pytest.fail(f"{reason}; CI=true requires it (make test installs it)", pytrace=False)
    pytest.skip(f"{reason}; run 'make test' as root to install it")


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        _missing("Debian chromium is not installed at /usr/bin/chromium")


def require_axe() -> None:
    if not AXE.exists():
        _missing("axe-core is not installed (tests/js: npm ci)")


def require_node() -> None:
    if shutil.which("node") is None:
        _missing("node is not installed")


async def launch(playwright: Any) -> Any:
    require_chromium()
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """One headless Chromium (for a module-scoped fixture: one browser per test module)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await launch(p)
        try:
            yield browser
        finally:
            await browser.close()


async def axe_violations(page: Any) -> list[dict[str, Any]]:  # noqa: ANN401
    """Run axe-core (WCAG 2.1 A and AA rules) on the page as it is now. The page's context must be
    created with ``bypass_csp=True``: our CSP rightly refuses an injected script.

    The first run in a context injects axe into the page and registers it as the context's init script, so
    every later page of that context starts with axe loaded: Chromium then compiles the 650 kB script from
    its cache instead of receiving and parsing it again (about 0.25 s of CPU a page; ``docs/performance.md``).

    Only the violations leave the page: axe's whole result (every rule that passed, with its nodes) is
    about 75 kB of JSON a page, serialized through the driver for nothing.
    """
    require_axe()
    if not await page.evaluate("typeof window.axe === 'object'"):
        if page.context not in _AXE_CONTEXTS:
            _AXE_CONTEXTS.add(page.context)
            await page.context.add_init_script(script=_axe_source())
        await page.add_script_tag(content=_axe_source())
    violations = await page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations", WCAG_TAGS
    )
    return list(violations)


# Contexts whose new pages already load axe (``axe_violations``); weak, so closed contexts are forgotten.
_AXE_CONTEXTS: weakref.WeakSet[Any] = weakref.WeakSet()


@functools.cache
def _axe_source() -> str:
    return AXE.read_text()


def describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps([{"id": v["id"], "targets": [n["target"] for n in v["nodes"]][:5]} for v in violations],
                      indent=1)
