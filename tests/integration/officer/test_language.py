"""The workspace's language switch: "Français" turns every staff page French, ``<html lang>`` included.

The switch only sets a cookie; each request must then translate with it. A hook that activates the
language in a worker thread (Litestar runs synchronous hooks there) sets a context variable the
handler never sees, so these tests read the pages a signed-in officer and researcher get back.
"""

from __future__ import annotations

import re

from signalement.db.models import Role
from support.officers import form, sign_in


def _html_lang(body: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', body)
    assert found, body[:200]
    return found.group(1)


async def _switch(web, token: str, code: str, back: str) -> None:  # noqa: ANN001
    r = await web.post("/officer/language", data=form(token, language=code, next=back), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == back


async def test_an_officer_who_picks_francais_gets_the_queue_and_a_case_in_french(stack, web, staff) -> None:  # noqa: ANN001
    login = await staff(Role.OFFICER)
    token = await sign_in(web, stack.runtime, login)
    english = await web.get("/officer/queue")
    assert _html_lang(english.text) == "en" and ">Français</button>" in english.text
    await _switch(web, token, "fr", "/officer/queue")
    french = await web.get("/officer/queue")
    assert _html_lang(french.text) == "fr"
    assert "Fermer la session" in french.text and "Sign out" not in french.text
    assert ">English</button>" in french.text and ">Français</button>" not in french.text
    account = await web.get("/officer/account")
    assert _html_lang(account.text) == "fr" and "Fermer la session" in account.text
    await _switch(web, token, "en", "/officer/queue")
    assert _html_lang((await web.get("/officer/queue")).text) == "en"


async def test_a_researcher_who_picks_francais_gets_the_dashboard_in_french(stack, web, staff) -> None:  # noqa: ANN001
    login = await staff(Role.RESEARCHER, region=None)
    token = await sign_in(web, stack.runtime, login)
    await _switch(web, token, "fr", "/research/")
    page = await web.get("/research/")
    assert page.status_code == 200
    assert _html_lang(page.text) == "fr" and "Fermer la session" in page.text


async def test_an_unknown_language_cookie_falls_back_to_english(stack, web, staff) -> None:  # noqa: ANN001
    login = await staff(Role.OFFICER)
    await sign_in(web, stack.runtime, login)
    web.cookies.set("officer-lang", "xx")
    page = await web.get("/officer/queue")
    assert _html_lang(page.text) == "en" and "Sign out" in page.text
