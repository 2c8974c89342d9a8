"""Smaller things a worker met (issue 11): words for a mistyped secret, an over-long story kept,
the portal's status after a reply, file sizes, Chinese punctuation."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image

from integration.reporter.reporting import FLOW, Reporter, said
from signalement import i18n
from signalement.receipts import format_code, format_secret, new_case_code, new_secret
from signalement.reporter.steps import file_size

MISTYPED_SECRET = (
    "One number in this secret is wrong, or two numbers are swapped. Look at your paper and check each number again."
)
MISTYPED_CODE = (
    "One number in this case code is wrong, or two numbers are swapped. "
    "Look at your paper and check each number again."
)
SHORT_SECRET = "This secret does not look right. It has 16 digits. Check them and try again."


def shows(page: Any, error: str) -> bool:
    """The field error is shown (after the localized "Error:" that screen readers hear)."""
    return any(e.endswith(error) for e in page.errors())


def one_digit_off(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@pytest.mark.parametrize("lang", ["en", "tl"])
async def test_a_secret_with_one_wrong_digit_is_called_mistyped_not_too_short(
    reporter: Reporter, lang: str
) -> None:
    await reporter.get(f"/{lang}/follow-up")
    typed = {"code": one_digit_off(format_code(new_case_code())), "secret": one_digit_off(format_secret(new_secret()))}
    page = await reporter.post(f"/{lang}/follow-up", typed, keep=("_csrf_token",))
    assert page.status == 400
    assert shows(page, said(lang, MISTYPED_SECRET)) and shows(page, said(lang, MISTYPED_CODE))
    assert said(lang, SHORT_SECRET) not in page.text
    page = await reporter.post(f"/{lang}/follow-up", {"code": typed["code"], "secret": "1234 5678"},
                               keep=("_csrf_token",))
    assert shows(page, said(lang, SHORT_SECRET))  # 8 digits: it is the length that is wrong


@pytest.mark.parametrize("char", ["a", "ਹ", "😀"])
async def test_an_over_long_story_comes_back_to_the_story_step_with_every_character(
    reporter: Reporter, char: str
) -> None:
    reporter.lang = "pa"
    await reporter.start()
    for data in FLOW[:4]:
        await reporter.step(data)
    story = char * 100_000
    page = await reporter.step({"narrative": story, "action": "next"})
    assert page.status == 400 and page.h1 == said("pa", "Tell us what happened, in your own words")
    assert page.value("f-narrative") == story
    limit = said("pa", "This is too long. Please make it shorter than %(max)s characters.", max="20,000")
    assert len(page.errors()) == 1 and shows(page, limit)


async def test_the_portal_does_not_say_an_officer_will_read_it_after_an_officer_replied(
    reporter: Reporter, officer_reply: Any, opener: Any
) -> None:
    await reporter.fill()
    code, secret = (await reporter.submit()).receipt()
    await reporter.get("/en/follow-up")
    before = await reporter.post("/en/follow-up", {"code": code, "secret": secret}, keep=("_csrf_token",))
    assert "An officer will read it soon" in before.text
    await officer_reply((await opener.case_by_code(code)).id, "We are looking into it.")
    after = await reporter.post("/en/follow-up/view", {}, keep=("_csrf_token", "token"))
    assert "We are looking into it." in after.text
    assert "An officer will read it soon" not in after.text and "An officer has read your report." in after.text


@pytest.mark.parametrize(
    ("lang", "size", "shown"),
    [("en", 1_600, "1.6 KB"), ("en", 14_800, "15 KB"), ("en", 40, "0.1 KB"), ("en", 2_400_000, "2.4 MB"),
     ("fr", 1_600, "1,6 Ko"), ("fr", 9_999_000, "10 Mo")],
)
def test_file_sizes_read_as_a_person_would_say_them(lang: str, size: int, shown: str) -> None:
    with i18n.using(lang):
        assert file_size(size).replace("\u202f", " ").replace("\xa0", " ") == shown


async def test_a_small_file_is_listed_in_kb(reporter: Reporter) -> None:
    await reporter.start()
    for data in FLOW[:5]:
        await reporter.step(data)
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "teal").save(out, "PNG")
    page = await reporter.upload([("p.png", out.getvalue(), "image/png")])
    assert re.search(r"Photo 1 \(\d+(\.\d)? KB\)", page.text), re.findall(r"Photo 1 \([^)]*\)", page.text)
    assert "0.1 MB" not in page.text


async def test_chinese_pages_use_chinese_punctuation(reporter: Reporter) -> None:
    reporter.lang = "zh"
    flow = [dict(step) for step in FLOW]
    flow[1] = {"danger": "yes", "action": "next"}
    await reporter.start()
    await reporter.step(flow[0])
    crisis = await reporter.step(flow[1])  # the full guidance: sentences after "911。" follow with no space
    assert "</strong> " not in crisis.text and "。</strong>" in crisis.text
    for data in flow[2:]:
        await reporter.step(data)
    assert reporter.page is not None
    where = re.search(r"<dd dir=\"auto\">([^<]*Leamington)</dd>", reporter.page.text)
    assert where and "，Leamington" in where.group(1) and ", " not in where.group(1)
    english = Reporter(reporter.client, "en")
    await english.start()
    assert english.page is not None
    danger = await english.step(FLOW[0])
    danger = await english.step({"danger": "yes", "action": "next"})
    assert "</strong> It is free." in danger.text  # other languages keep their space
