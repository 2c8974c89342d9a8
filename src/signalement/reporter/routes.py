"""Reporter pages that need no state: the language chooser, the start page, and Quick exit."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from signalement import i18n
from signalement.reporter import locale, visit


def routes(neutral_url: str, *, secure: bool) -> list[ControllerRouterHandler]:
    @get("/", sync_to_thread=False)
    def choose_language(request: Request[Any, Any, Any]) -> Template:
        """Pick a language from Accept-Language, and list every language in its own name."""
        lang = i18n.activate(i18n.negotiate(request.headers.get("accept-language")).code)
        page = Template("reporter/choose_language.html", context={"lang": lang, "page_path": "/"})
        return visit.with_cookie(page, visit.begin(request, secure=secure)[1])

    @get("/{lang:str}/", sync_to_thread=False)
    def start(lang: FromPath[str], request: Request[Any, Any, Any]) -> Template:
        # The visit begins here too, so that coming back to this page with Back is told apart from
        # coming back after Quick exit (exit.js leaves at once when the browser has no visit cookie).
        page = Template("reporter/start.html", context={"lang": locale.language(lang), "page_path": "/"})
        return visit.with_cookie(page, visit.begin(request, secure=secure)[1])

    @get("/exit", sync_to_thread=False, opt={"exclude_from_csrf": True})
    def quick_exit() -> Redirect:
        """Quick exit: the browser forgets our cookies (the visit ends, so forms in the history open
        nothing), our cached files and storage, then goes on to the neutral site."""
        return Redirect(neutral_url, status_code=303, headers={"Clear-Site-Data": visit.CLEAR_SITE_DATA})

    @get("/favicon.ico", status_code=204, sync_to_thread=False)
    def favicon() -> None:
        """Browsers ask for an icon on every visit; an empty answer costs nothing on 2G and shows no logo."""

    return [choose_language, start, quick_exit, favicon]
