"""Page feedback: recorded for research, with nothing that could tie it to a case."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from integration.reporter.reporting import Reporter, said
from signalement.db.engine import Database
from signalement.db.models import Feedback, FunnelEvent


def feedback_form(page_text: str) -> str:
    return re.search(r'<form class="feedback".*?</form>', page_text, re.S).group(0)


async def test_receipt_feedback_is_recorded_scrubbed_and_unlinked(reporter: Reporter, db: Database) -> None:
    await reporter.fill()
    receipt = await reporter.submit()
    code, secret = receipt.receipt()
    form = feedback_form(receipt.text)
    assert sorted(re.findall(r'name="([^"]+)"', form)) == ["_csrf_token", "comment", "easy", "easy", "page"]
    page = await reporter.post(
        "/es/feedback",
        {"page": "receipt", "easy": "yes", "comment": f"fácil, mi código {code} y tel 613-555-0123"},
        keep=("_csrf_token",),
    )
    assert page.status == 200 and page.h1 == said("es", "Thank you") != "Thank you" and '<html lang="es"' in page.text
    async with db.reading() as s:
        (row,) = (await s.execute(select(Feedback))).scalars().all()
        events = (await s.execute(select(FunnelEvent).where(FunnelEvent.event == "feedback"))).scalars().all()
    assert (row.page, row.channel, row.language, row.easy) == ("receipt", "web", "es", True)
    assert code not in row.comment and code.replace("-", "") not in row.comment and "613" not in row.comment
    assert row.comment.startswith("fácil")
    assert len(events) == 1 and events[0].step == "receipt"


async def test_feedback_without_an_answer_is_shown_again_with_a_field_error(
    reporter: Reporter, db: Database
) -> None:
    await reporter.fill()
    await reporter.submit()
    page = await reporter.post("/en/feedback", {"page": "follow-up", "comment": "hmm"}, keep=("_csrf_token",))
    assert page.status == 400 and page.errors() == ["Choose yes or no."] and page.value("f-comment") == "hmm"
    async with db.reading() as s:
        assert (await s.execute(select(Feedback))).scalars().all() == []


async def test_feedback_for_an_unknown_page_is_a_bad_request(reporter: Reporter, client: Any) -> None:
    await reporter.get("/en/follow-up")
    page = await reporter.post("/en/feedback", {"page": "case-123", "easy": "yes"}, keep=("_csrf_token",))
    assert page.status == 400 and "Something in the form was not right" in page.text
