"""Finding 6e: the CSRF token was not tied to the session.

Litestar's CSRF check is a double-submit cookie: any token the server once issued passes, whoever's it was.
Someone who can plant a cookie in an officer's browser (a sibling subdomain, a proxy that drops ``__Host-``)
could post with a token of their own. A staff change now needs the token issued to *this* session.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from signalement.db.models import Note
from support.cases import submit
from support.insiders import http_client
from support.officers import CSRF_COOKIE, csrf_token, form, sign_in


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_token_issued_to_another_browser_does_not_pass(env_stack, web, staff) -> None:
    victim = await staff()
    mallory = await staff()
    receipt = await submit(env_stack)
    await sign_in(web, env_stack.runtime, victim)
    async with http_client(env_stack.app) as other:
        theirs = await sign_in(other, env_stack.runtime, mallory)
    # Mallory plants her (valid, server-issued) CSRF cookie in the victim's browser and posts her token.
    web.cookies.set(CSRF_COOKIE, theirs)
    r = await web.post(f"/officer/cases/{receipt.case_id}/notes", data=form(theirs, text="forged"),
                       follow_redirects=False)
    assert r.status_code == 403, r.status_code
    # An anonymous token (one from the sign-in page, before any session) does not pass either.
    async with http_client(env_stack.app) as anon:
        anonymous = await csrf_token(anon)
    web.cookies.set(CSRF_COOKIE, anonymous)
    r = await web.post(f"/officer/cases/{receipt.case_id}/notes", data=form(anonymous, text="planted"),
                       follow_redirects=False)
    assert r.status_code == 403, r.status_code
    async with env_stack.runtime.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Note).where(Note.case_id == receipt.case_id)) == 0
