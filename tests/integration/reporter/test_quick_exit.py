"""Quick exit from the attacker's side, over HTTP: the forms a browser re-sends from its history.

After Quick exit the browser has no cookie of ours (``Clear-Site-Data``), so every re-sent
form here is posted with none, or with the new cookies a page seen on the way back set. None
of them may show the code, the secret, the story, the employer or an officer's reply. (What
the real browser does with Back, Forward and reload is in ``test_history_after_quick_exit``.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from integration.reporter.reporting import FLOW, STORY, Reporter, said
from signalement.db.engine import Database
from signalement.db.models import Case, Message

REPLY = "The officer will visit the farm on Tuesday."
SECRETS_OF_THE_REPORT = ("Acme Greenhouses", "Leamington", "12 Road 3", "passeport", REPLY)


def assert_shows_nothing(text: str, *more: str) -> None:
    for value in (*SECRETS_OF_THE_REPORT, *more):
        assert value not in text, f"{value!r} came back after Quick exit"
    assert 'class="receipt"' not in text and 'name="draft"' not in text and 'name="token"' not in text


def quick_exit(client: Any) -> None:
    """What the browser does on Quick exit's Clear-Site-Data: forget every cookie of ours."""
    client.cookies.clear()


async def test_quick_exit_clears_the_site_data_and_leaves_for_the_neutral_site(client: Any) -> None:
    r = await client.get("/exit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "https://weather.gc.ca/"
    assert r.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    assert r.headers["cache-control"] == "no-store"


async def test_the_visit_cookie_is_a_strict_http_only_session_cookie(client: Any) -> None:
    r = await client.get("/en/report")
    [cookie] = [c for c in r.headers.get_list("set-cookie") if c.startswith("visit=")]
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "path"} <= attributes and "samesite=strict" in cookie.lower()
    assert "path=/;" in cookie.lower() + ";" and not attributes & {"max-age", "expires"}
    r = await client.get("/en/report")
    assert "visit=" not in r.headers.get("set-cookie", "")  # one key for the whole visit


async def test_send_re_sent_after_quick_exit_files_nothing_and_shows_nothing(
    reporter: Reporter, client: Any, db: Database
) -> None:
    review = await reporter.fill()
    quick_exit(client)
    page = await reporter.submit()
    assert page.h1 == "This page is closed"
    assert_shows_nothing(page.text)
    assert "set-cookie" not in page.headers  # the ended visit gets no new token either
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Case)) == 0
    assert "Acme Greenhouses" in review.text  # the page the history holds did have it


async def test_the_receipt_re_sent_after_quick_exit_shows_no_code_or_secret(
    reporter: Reporter, client: Any
) -> None:
    review = await reporter.fill()
    code, secret = (await reporter.submit()).receipt()
    receipt_page = reporter.page
    quick_exit(client)
    reporter.page = review  # Back to the review page, then reload: the browser re-sends "Send"
    page = await reporter.submit()
    assert_shows_nothing(page.text, code, secret)
    reporter.page = receipt_page  # the receipt's own form (the language buttons)
    page = await reporter.step({"action": "stay"}, lang="tl")
    assert_shows_nothing(page.text, code, secret)
    assert page.h1 == said("tl", "This page is closed") != "This page is closed"


async def test_a_page_seen_on_the_way_back_starts_a_new_visit_that_opens_nothing_old(
    reporter: Reporter, client: Any
) -> None:
    review = await reporter.fill()
    quick_exit(client)
    await client.get("/en/report")  # Back landed on a GET page of ours: new cookies, a new visit
    reporter.page = review
    page = await reporter.submit()
    assert_shows_nothing(page.text)
    assert page.h1 == "This page is closed"


async def test_a_step_re_sent_from_the_middle_of_the_form_shows_nothing(reporter: Reporter, client: Any) -> None:
    await reporter.start()
    for data in FLOW[:4]:
        await reporter.step(data)
    quick_exit(client)
    page = await reporter.step({"narrative": STORY, "action": "next"})
    assert_shows_nothing(page.text, "DROP TABLE")


async def test_a_lost_response_to_send_retried_before_quick_exit_shows_the_same_receipt(
    reporter: Reporter, db: Database
) -> None:
    review = await reporter.fill()
    first = (await reporter.submit()).receipt()
    reporter.page = review  # the response was lost: the reporter presses Send again on the same page
    assert (await reporter.submit()).receipt() == first
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Case)) == 1


async def test_the_portal_re_sent_after_quick_exit_shows_no_reply(
    reporter: Reporter, client: Any, db: Database, officer_reply: Any, opener: Any
) -> None:
    await reporter.fill()
    code, secret = (await reporter.submit()).receipt()
    await officer_reply((await opener.case_by_code(code)).id, REPLY)
    login = await reporter.get("/en/follow-up")
    portal = await reporter.post("/en/follow-up", {"code": code, "secret": secret}, keep=("_csrf_token",))
    assert REPLY in portal.text
    sent = await reporter.post(
        "/en/follow-up/reply", {"message": "I am safe, call after 6"}, keep=("_csrf_token", "token")
    )
    assert sent.status == 200
    quick_exit(client)
    reporter.page = login  # Back to the sign-in, reload: code and secret are re-sent
    page = await reporter.post("/en/follow-up", {"code": code, "secret": secret}, keep=("_csrf_token",))
    assert_shows_nothing(page.text, code, secret, "I am safe")
    reporter.page = portal  # the reply re-sent
    page = await reporter.post(
        "/en/follow-up/reply", {"message": "I am safe, call after 6"}, keep=("_csrf_token", "token")
    )
    assert_shows_nothing(page.text, code, "I am safe")
    await client.get("/en/follow-up")  # a new visit's cookies do not open the old one's pages
    for path in ("/en/follow-up", "/en/follow-up/view", "/en/follow-up/reply"):
        reporter.page = portal
        page = await reporter.post(path, {"code": code, "secret": secret, "message": "I am safe, call after 6"},
                                   keep=("_csrf_token", "token"))
        assert_shows_nothing(page.text, code, secret, "I am safe")
    async with db.reading() as s:
        mine = await s.scalar(select(func.count()).select_from(Message).where(Message.author == "reporter"))
    assert mine == 1
