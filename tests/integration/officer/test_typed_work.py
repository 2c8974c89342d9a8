"""No lost work (issue 17, item 3): a note typed before the idle limit and sent after it comes back after
sign-in, in its box, never sent by itself; sealed meanwhile, for that officer and that case only."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.stores.file import FileStore
from sqlalchemy import func, select

from signalement.db.models import Note, Role
from signalement.staff import typed_work
from support.cases import submit
from support.officers import csrf_token, next_code, sign_in
from support.sessions import Clock

SENTINEL = "zebra-quartz-lantern-4417"
COOKIE = "signalement-typed"


@pytest.fixture
def file_store(stack) -> Path:  # noqa: ANN001
    """The kept words in a file store, as with several workers, so the test can read what is at rest."""
    folder = stack.settings.data_path / "stores" / "typed-work"
    folder.mkdir(parents=True, exist_ok=True)
    stack.runtime._stores["typed-work"] = FileStore(folder)  # noqa: SLF001 - the store under test
    return folder


def files_holding(root: Path, needle: bytes = b"") -> list[Path]:
    """Every file under ``root`` that contains ``needle`` (any file, for an empty needle)."""
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


async def sign_in_to(client: Any, stack: Any, login: Any, next_path: str) -> Any:  # noqa: ANN401
    """Sign in through the form as the sign-in page would send it (with the page to go back to)."""
    token = await csrf_token(client)
    return await client.post("/officer/sign-in", data={
        "username": login.username, "password": login.password, "code": await next_code(stack.runtime, login),
        "next": next_path, "_csrf_token": token,
    }, follow_redirects=False)


async def expire_while_typing(stack, web, login, clock: Clock, kind: str = "notes") -> tuple[str, str]:  # noqa: ANN001
    """Open a case, let the idle limit pass, then send ``SENTINEL``; returns (case id, where it was sent back)."""
    cid = (await submit(stack)).case_id
    token = await sign_in(web, stack.runtime, login)
    assert (await web.get(f"/officer/cases/{cid}")).status_code == 200
    clock.now += stack.settings.session_idle_minutes * 60 + 5
    r = await web.post(f"/officer/cases/{cid}/{kind}", data={"text": f"Call the {SENTINEL} back", "_csrf_token": token},
                       follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return cid, r.headers["location"]


async def test_a_note_sent_after_the_idle_limit_comes_back_in_its_box_after_sign_in(
    stack, web, staff, clock: Clock, file_store: Path
) -> None:
    login = await staff(Role.OFFICER, region="quebec")
    cid, location = await expire_while_typing(stack, web, login, clock)
    query = parse_qs(urlsplit(location).query)
    assert urlsplit(location).path == "/officer/sign-in" and query["kept"] == ["1"]
    assert query["next"] == [f"/officer/cases/{cid}#notes-heading"]
    assert COOKIE in web.cookies
    sign_in_page = (await web.get(location)).text
    assert "kept" in sign_in_page and f"/officer/cases/{cid}#notes-heading" in sign_in_page

    # At rest: neither the database nor the store holds the words; the store holds something, sealed.
    assert files_holding(file_store), "nothing was kept"
    assert files_holding(stack.settings.data_path, SENTINEL.encode()) == []
    async with stack.runtime.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Note)) == 0  # kept, not sent

    r = await sign_in_to(web, stack, login, f"/officer/cases/{cid}#notes-heading")
    assert r.status_code == 303 and r.headers["location"] == f"/officer/cases/{cid}#notes-heading"
    page = await web.get(f"/officer/cases/{cid}")
    assert f'required>Call the {SENTINEL} back</textarea>' in page.text  # in the note box
    assert "this text was not sent" in page.text
    async with stack.runtime.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Note)) == 0  # not sent by itself
    # Once: the stored copy is gone and the browser's half is cleared.
    assert SENTINEL not in (await web.get(f"/officer/cases/{cid}")).text
    assert files_holding(file_store) == []


async def test_another_officer_with_the_cookie_cannot_open_the_kept_words(
    stack, web, staff, clock: Clock, make_client, file_store: Path
) -> None:
    owner = await staff(Role.OFFICER, region="quebec")
    colleague = await staff(Role.OFFICER, region="quebec")
    cid, _ = await expire_while_typing(stack, web, owner, clock, kind="replies")
    stolen = web.cookies[COOKIE]
    async with make_client() as other:
        await sign_in(other, stack.runtime, colleague)
        other.cookies.set(COOKIE, stolen)
        page = (await other.get(f"/officer/cases/{cid}")).text
        assert SENTINEL not in page and "this text was not sent" not in page
    # Still there for its owner, in the reply box.
    await sign_in_to(web, stack, owner, f"/officer/cases/{cid}")
    page = (await web.get(f"/officer/cases/{cid}")).text
    assert f"Call the {SENTINEL} back</textarea>" in page and 'id="reply"' in page


async def test_on_a_shared_computer_the_next_officer_gets_nothing_and_the_owner_still_does(
    stack, web, staff, clock: Clock, file_store: Path
) -> None:
    owner = await staff(Role.OFFICER, region="quebec")
    colleague = await staff(Role.OFFICER, region="quebec")
    cid, _ = await expire_while_typing(stack, web, owner, clock)
    await sign_in_to(web, stack, colleague, f"/officer/cases/{cid}")
    page = (await web.get(f"/officer/cases/{cid}")).text
    assert SENTINEL not in page and COOKIE in web.cookies
    await sign_in_to(web, stack, owner, f"/officer/cases/{cid}")
    assert f"Call the {SENTINEL} back</textarea>" in (await web.get(f"/officer/cases/{cid}")).text


async def test_the_kept_words_expire(stack, web, staff, clock: Clock, file_store: Path) -> None:
    login = await staff(Role.OFFICER, region="quebec")
    cid, _ = await expire_while_typing(stack, web, login, clock)
    clock.now += typed_work.KEEP_SECONDS + 1
    await sign_in_to(web, stack, login, f"/officer/cases/{cid}")
    page = (await web.get(f"/officer/cases/{cid}")).text
    assert SENTINEL not in page and "this text was not sent" not in page


async def test_nothing_is_kept_without_the_token_issued_to_the_session(stack, web, staff, clock: Clock) -> None:
    login = await staff(Role.OFFICER, region="quebec")
    cid = (await submit(stack)).case_id
    await sign_in(web, stack.runtime, login)
    clock.now += stack.settings.session_idle_minutes * 60 + 5
    # A token Litestar would accept (cookie and field agree) but not the one bound to this session.
    web.cookies.set("csrftoken", "forged-token")
    r = await web.post(f"/officer/cases/{cid}/notes", data={"text": SENTINEL, "_csrf_token": "forged-token"},
                       follow_redirects=False)
    assert r.status_code in (303, 403) and COOKIE not in web.cookies


async def test_every_page_says_when_the_session_ends_and_stay_signed_in_moves_it(
    stack, web, staff, clock: Clock
) -> None:
    login = await staff(Role.OFFICER, region="quebec")
    token = await sign_in(web, stack.runtime, login)
    idle = stack.settings.session_idle_minutes * 60
    page = (await web.get("/officer/queue")).text
    assert f'data-seconds-left="{idle}"' in page and "If you do nothing, your session ends at" in page
    assert 'action="/officer/session/keep"' in page and "/session.js" in page and "<script>" not in page
    clock.now += idle - 60
    r = await web.post("/officer/session/keep", data={"_csrf_token": token}, headers={"accept": "application/json"})
    assert r.status_code == 200 and r.json()["seconds_left"] == idle, r.text
    assert "If you do nothing, your session ends at" in r.json()["message"]
    clock.now += idle - 30  # past where the session would have ended without it
    assert (await web.get("/officer/queue")).status_code == 200
    # A request without the token issued to this session does not keep anyone signed in.
    r = await web.post("/officer/session/keep", data={}, follow_redirects=False)
    assert r.status_code == 403
