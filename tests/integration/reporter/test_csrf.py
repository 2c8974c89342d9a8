"""A refused CSRF token never acts and never loses what was typed."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from sqlalchemy import func, select

from integration.reporter.reporting import FLOW, Reporter, said
from signalement.db.engine import Database
from signalement.db.models import Case, Evidence, FeedbackComment, Message

STORY = "Nagtrabaho ako nang 14 na oras araw-araw. ਮੈਨੂੰ ਤਨਖਾਹ ਨਹੀਂ ਮਿਲੀ।"


async def at_story(reporter: Reporter) -> None:
    await reporter.start()
    for data in FLOW[:4]:
        await reporter.step(data)


async def test_a_lost_csrf_cookie_shows_the_step_again_with_the_story_kept(
    reporter: Reporter, client: Any
) -> None:
    await at_story(reporter)
    client.cookies.delete("csrftoken")  # the CSRF cookie is gone (a stale tab); the visit is not over
    page = await reporter.step({"narrative": STORY, "action": "next"})
    assert page.status == 403 and page.h1.startswith("Tell us what happened")
    assert page.value("f-narrative") == STORY
    assert "Please check your answers, then continue." in page.text
    assert "csrftoken=" in page.headers.get("set-cookie", "")
    page = await reporter.step({"narrative": page.value("f-narrative"), "action": "next"})
    assert page.status == 200 and page.h1 == "Do you have photos or documents?"
    page = await reporter.step({"action": "back"})
    assert page.value("f-narrative") == STORY


async def test_a_forged_send_files_nothing(reporter: Reporter, client: Any, db: Database) -> None:
    review = await reporter.fill()
    client.cookies.delete("csrftoken")
    page = await reporter.post("/en/report", {"_csrf_token": "forged", "action": "submit"}, keep=("draft",))
    assert page.status == 403 and page.h1 == "Check your report"
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Case)) == 0
    assert review.hidden("draft") != page.hidden("draft")  # re-sealed, same contents, nothing sent


async def test_an_upload_with_a_bad_token_stores_nothing(
    reporter: Reporter, client: Any, db: Database
) -> None:
    await reporter.start()
    for data in FLOW[:5]:
        await reporter.step(data)
    client.cookies.delete("csrftoken")
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG")
    page = await reporter.upload([("p.jpg", out.getvalue(), "image/jpeg")])
    assert page.status == 403 and page.h1 == "Do you have photos or documents?"
    assert "your file was not added" in page.text and "csrftoken=" in page.headers.get("set-cookie", "")
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Evidence)) == 0
    page = await reporter.upload([("p.jpg", out.getvalue(), "image/jpeg")])
    assert page.status == 200 and "Photo 1" in page.text


async def test_a_refused_reply_asks_to_sign_in_again_and_keeps_the_message_unsent(
    reporter: Reporter, client: Any, db: Database
) -> None:
    await reporter.fill()
    code, secret = (await reporter.submit()).receipt()
    await reporter.get("/en/follow-up")
    await reporter.post("/en/follow-up", {"code": code, "secret": secret}, keep=("_csrf_token",))
    client.cookies.delete("csrftoken")
    page = await reporter.post(
        "/en/follow-up/reply", {"message": "please call me after 6"}, keep=("_csrf_token", "token")
    )
    assert page.status == 403 and page.h1 == "See your report" and 'name="token"' not in page.text
    assert page.value("f-pending") == "please call me after 6"
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Message)) == 0
    page = await reporter.post(
        "/en/follow-up",
        {"code": code, "secret": secret, "pending": page.value("f-pending")},
        keep=("_csrf_token",),
    )
    assert page.status == 200 and page.value("f-message") == "please call me after 6"


async def test_refused_feedback_is_shown_again_and_not_recorded(
    reporter: Reporter, client: Any, db: Database
) -> None:
    await reporter.fill()
    await reporter.submit()
    client.cookies.delete("csrftoken")
    page = await reporter.post(
        "/en/feedback",
        {"page": "receipt", "easy": "no", "comment": "too many steps"},
        keep=("_csrf_token", "draft"),
    )
    assert (
        page.status == 403
        and page.value("f-comment") == "too many steps"
        and 'value="no" id="f-easy-no" checked' in page.text
    )
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(FeedbackComment)) == 0


async def test_a_post_with_nothing_to_show_again_gets_the_calm_expired_page(client: Any) -> None:
    await client.get("/fr/report")  # the visit has begun; only the token is missing
    r = await client.post("/fr/report", data={"action": "next"})
    assert r.status_code == 403 and '<html lang="fr"' in r.text
    assert said("fr", "This page has expired") in r.text and "This page has expired" not in r.text
