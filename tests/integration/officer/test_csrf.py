"""Every change needs the CSRF token: in a form field for pages, in ``X-CSRFToken`` for the API."""

from __future__ import annotations

from sqlalchemy import func, select

from signalement.db.models import Note
from support.cases import submit
from support.officers import sign_in, sign_in_api


async def notes(stack) -> int:  # noqa: ANN001
    async with stack.runtime.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Note)) or 0)


async def test_a_page_form_without_the_token_or_with_a_forged_one_is_refused(stack, web, staff) -> None:
    receipt = await submit(stack, province="QC")
    token = await sign_in(web, stack.runtime, await staff())
    path = f"/officer/cases/{receipt.case_id}/notes"
    missing = await web.post(path, data={"text": "no token"})
    forged = await web.post(path, data={"text": "forged", "_csrf_token": "a" * 128})
    assert missing.status_code == forged.status_code == 403 and "<html" in missing.text
    assert await notes(stack) == 0
    assert (await web.post(path, data={"text": "real", "_csrf_token": token})).status_code == 303
    assert await notes(stack) == 1


async def test_an_api_change_without_the_header_is_refused_with_problem_details(stack, web, staff) -> None:
    receipt = await submit(stack, province="QC")
    token = await sign_in_api(web, stack.runtime, await staff())
    path = f"/api/v1/cases/{receipt.case_id}/notes"
    missing = await web.post(path, json={"text": "no header"})
    forged = await web.post(path, json={"text": "forged"}, headers={"x-csrftoken": token[:-4] + "0000"})
    for r in (missing, forged):
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("application/problem+json") and r.json()["status"] == 403
    assert await notes(stack) == 0
    assert (await web.post(path, json={"text": "real"}, headers={"x-csrftoken": token})).status_code == 201


async def test_a_token_from_another_browser_does_not_work(stack, web, staff, make_client) -> None:
    receipt = await submit(stack, province="QC")
    await sign_in(web, stack.runtime, await staff())
    async with make_client() as attacker:
        stolen = (await attacker.get("/api/v1/session")).json()["csrf_token"]
    r = await web.post(f"/officer/cases/{receipt.case_id}/notes", data={"text": "x", "_csrf_token": stolen})
    assert r.status_code == 403


async def test_sign_in_itself_needs_the_token(stack, web, staff) -> None:
    login = await staff()
    r = await web.post(
        "/officer/sign-in", data={"username": login.username, "password": login.password, "code": "1"}
    )
    assert r.status_code == 403
    r = await web.post(
        "/api/v1/session", json={"username": login.username, "password": login.password, "code": "1"}
    )
    assert r.status_code == 403
