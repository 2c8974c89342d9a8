"""Page feedback: counted for research, the comment scrubbed and sealed, nothing that ties it to a case."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from integration.reporter.reporting import Reporter, said
from signalement.db.engine import Database
from signalement.db.models import FeedbackComment
from signalement.metrics.comments import open_comment
from signalement.metrics.research_key import decode_key
from signalement.staff.research_grant import research_key_for
from support.cases import admin_master
from support.metrics import flushed_counts, totals


def feedback_form(page_text: str) -> str:
    return re.search(r'<form class="feedback".*?</form>', page_text, re.S).group(0)


async def stored_comments(db: Database) -> list[FeedbackComment]:
    async with db.reading() as s:
        return list((await s.execute(select(FeedbackComment))).scalars().all())


async def test_a_comment_with_a_case_code_a_phone_number_an_email_and_typed_names_stores_none_of_them(
    reporter: Reporter, db: Database, stack: Any
) -> None:
    await reporter.fill()
    receipt = await reporter.submit()
    code, secret = receipt.receipt()
    form = feedback_form(receipt.text)
    assert sorted(re.findall(r'name="([^"]+)"', form)) == ["_csrf_token", "comment", "draft", "easy", "easy", "page"]
    comment = (f"fácil, mi código {code} ({code.replace('-', '')}), clave {secret}, tel 613-555-0123, "
               "correo ana.perez@example.org, https://example.org/x, Acme Greenhouses en Leamington")
    page = await reporter.post("/es/feedback", {"page": "receipt", "easy": "yes", "comment": comment},
                               keep=("_csrf_token", "draft"))
    assert page.status == 200 and page.h1 == said("es", "Thank you") != "Thank you" and '<html lang="es"' in page.text

    (row,) = await stored_comments(db)
    assert (row.page, row.channel, row.language, row.easy) == ("receipt", "web", "es", True)
    raw = row.envelope
    for secret_part in (code, code.replace("-", ""), secret.replace(" ", "")[:8], "613", "0123", "ana.perez",
                        "example.org", "Acme", "Greenhouses", "Leamington", "fácil".encode().decode()):
        assert secret_part.encode() not in raw  # sealed: not even the harmless words are in clear
    # Opened with the research key, the comment keeps its words and loses every identifier.
    key = decode_key(research_key_for(stack.runtime.keystore, await admin_master(stack)))
    assert key is not None
    text = open_comment(row, key)
    assert text is not None and text.startswith("fácil")
    for gone in (code, code.replace("-", ""), secret, "613", "555", "0123", "ana.perez", "example.org", "Acme",
                 "Greenhouses", "Leamington"):
        assert gone not in text, (gone, text)
    assert "[number]" in text and "[email]" in text and "[name]" in text and "[link]" in text
    # The day, never the hour: a comment's time cannot be matched to the case's received hour.
    assert not hasattr(row, "hour") and row.day.isoformat() == str(row.day)
    rows = await flushed_counts(stack, db)
    assert totals(rows, event="feedback", step="receipt", field="yes") == 1


async def test_feedback_without_an_answer_is_shown_again_with_a_field_error(
    reporter: Reporter, db: Database, stack: Any
) -> None:
    await reporter.fill()
    await reporter.submit()
    page = await reporter.post("/en/feedback", {"page": "follow-up", "comment": "hmm"}, keep=("_csrf_token",))
    assert page.status == 400 and page.errors() == ["Choose yes or no."] and page.value("f-comment") == "hmm"
    assert await stored_comments(db) == []
    assert totals(await flushed_counts(stack, db), event="feedback") == 0


async def test_an_answer_without_a_comment_is_only_a_count(reporter: Reporter, db: Database, stack: Any) -> None:
    await reporter.get("/en/follow-up")
    page = await reporter.post("/en/feedback", {"page": "follow-up", "easy": "no"}, keep=("_csrf_token",))
    assert page.status == 200
    assert await stored_comments(db) == []
    assert totals(await flushed_counts(stack, db), event="feedback", step="follow-up", field="no") == 1


async def test_feedback_for_an_unknown_page_is_a_bad_request(reporter: Reporter, client: Any) -> None:
    await reporter.get("/en/follow-up")
    page = await reporter.post("/en/feedback", {"page": "case-123", "easy": "yes"}, keep=("_csrf_token",))
    assert page.status == 400 and "Something in the form was not right" in page.text
