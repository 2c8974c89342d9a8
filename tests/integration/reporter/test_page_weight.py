"""Every reporter page fits the 2G budget: at most 30 KB of HTML plus CSS, gzip-compressed as a
compressing proxy would send it (images excluded), and any script is under 10 KB."""

from __future__ import annotations

import gzip
import random
from pathlib import Path
from typing import Any

import pytest

from integration.reporter.reporting import FLOW, Reporter
from signalement import i18n

BUDGET = 30 * 1024
STATIC = Path(__file__).resolve().parents[3] / "src" / "signalement" / "static"
# A realistic story: about a thousand characters. The sealed draft carries it on every page,
# so the page grows by about 1.4 bytes per byte typed (ciphertext does not compress).
STORY = ("Nagtatrabaho ako sa greenhouse mula Marso. Hindi nila ako binabayaran ng overtime. " * 12)[:1000]


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


async def pages_in(reporter: Reporter, lang: str, officer_reply: Any, opener: Any) -> dict[str, bytes]:
    out: dict[str, bytes] = {}

    async def keep(name: str, coro: Any) -> None:
        page = await coro
        assert page.status < 500, (name, page.status)
        out[name] = page.text.encode()

    await keep("choose language", reporter.get("/"))
    await keep("start", reporter.get(f"/{lang}/"))
    await keep("1 what", reporter.get(f"/{lang}/report"))
    flow = [*FLOW[:4], {"narrative": STORY, "action": "next"}, *FLOW[5:]]
    names = ["2 danger", "3 where", "4 who", "5 story", "6 evidence", "7 contact", "8 review"]
    for name, data in zip(names, flow, strict=True):
        await keep(name, reporter.step(data, lang=lang))
    await keep("3 where, with an error", reporter.step({"action": "edit-where"}, lang=lang))
    await keep("3 where, with an error", reporter.step({"province": "", "action": "review"}, lang=lang))
    await keep("8 review", reporter.step({"province": "ON", "town": "x", "action": "review"}, lang=lang))
    await keep("receipt", reporter.step({"action": "submit"}, lang=lang))
    code, secret = reporter.page.receipt()  # type: ignore[union-attr]
    case = await opener.case_by_code(code)
    for n in range(3):
        await officer_reply(case.id, f"Message {n}: " + "Please tell us more about the housing. " * 8)
    await keep("follow-up sign-in", reporter.get(f"/{lang}/follow-up"))
    await keep(
        "follow-up, wrong numbers",
        reporter.post(f"/{lang}/follow-up", {"code": "1", "secret": "2"}, keep=("_csrf_token",)),
    )
    await keep(
        "follow-up portal",
        reporter.post(f"/{lang}/follow-up", {"code": code, "secret": secret}, keep=("_csrf_token",)),
    )
    await keep(
        "feedback, with an error",
        reporter.post(f"/{lang}/feedback", {"page": "follow-up"}, keep=("_csrf_token",)),
    )
    await keep(
        "feedback thanks",
        reporter.post(f"/{lang}/feedback", {"page": "follow-up", "easy": "yes"}, keep=("_csrf_token",)),
    )
    await keep("not found", reporter.get(f"/{lang}/nothing"))
    return out


@pytest.mark.parametrize("lang", [lang.code for lang in i18n.LANGUAGES])
async def test_every_reporter_page_is_at_most_30_kb_with_its_stylesheet(
    reporter: Reporter, lang: str, officer_reply: Any, opener: Any, stack: Any
) -> None:
    if stack.backend == "postgres" and lang != "en":
        pytest.skip("page weight does not depend on the database: measured on SQLite in every language")
    css = gz((STATIC / "site.css").read_bytes())
    pages = await pages_in(reporter, lang, officer_reply, opener)
    sizes = {name: gz(html) + css for name, html in pages.items()}
    print(f"\n[{lang}] gzip bytes, HTML + CSS ({css} of them CSS):")
    for name, size in sizes.items():
        print(f"  {name:28} {size:6}  (raw HTML {len(pages[name])})")
    over = {name: size for name, size in sizes.items() if size > BUDGET}
    assert over == {}


def test_scripts_are_small_and_optional() -> None:
    scripts = list(STATIC.glob("*.js"))
    assert scripts and all(len(s.read_bytes()) < 10 * 1024 for s in scripts)


@pytest.mark.parametrize(
    "words",
    [
        "the boss took my passport and did not pay us for three months we work fourteen hours".split(),
        "ਮੇਰਾ ਪਾਸਪੋਰਟ ਮਾਲਕ ਨੇ ਲੈ ਲਿਆ ਸਾਨੂੰ ਤਿੰਨ ਮਹੀਨੇ ਤਨਖਾਹ ਨਹੀਂ ਮਿਲੀ ਅਸੀਂ ਹਰ ਰੋਜ਼ ਚੌਦਾਂ ਘੰਟੇ ਕੰਮ ਕਰਦੇ ਹਾਂ".split(),
    ],
    ids=["english", "gurmukhi"],
)
async def test_even_the_longest_story_keeps_every_later_page_within_budget(
    sqlite_only: None, reporter: Reporter, words: list[str]
) -> None:
    pick = random.Random(7).choice  # noqa: S311 - word salad, about as compressible as real prose
    story = " ".join(pick(words) for _ in range(8000))[:20_000]
    css = gz((STATIC / "site.css").read_bytes())
    await reporter.start()
    sizes = {}
    for name, data in [
        ("where", FLOW[0]),
        ("where", FLOW[1]),
        ("who", FLOW[2]),
        ("story", FLOW[3]),
        ("evidence", {"narrative": story, "action": "next"}),
        ("contact", FLOW[5]),
        ("review", FLOW[6]),
        ("story again", {"action": "edit-story"}),
    ]:
        page = await reporter.step(data)
        sizes[name] = gz(page.text.encode()) + css
    assert reporter.page.value("f-narrative") == story
    print(f"\n20,000-character story: {sizes}")
    assert max(sizes.values()) <= BUDGET
