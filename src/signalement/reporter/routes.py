"""Reporter pages that need no state: the language chooser and the start page."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from signalement import i18n
from signalement.reporter import locale


def routes() -> list[ControllerRouterHandler]:
    @get("/", sync_to_thread=False)
    def choose_language(request: Request[Any, Any, Any]) -> Template:
        """Pick a language from Accept-Language, and list every language in its own name."""
        lang = i18n.activate(i18n.negotiate(request.headers.get("accept-language")).code)
        return Template("reporter/choose_language.html", context={"lang": lang, "page_path": "/"})

    @get("/{lang:str}/", sync_to_thread=False)
    def start(lang: FromPath[str]) -> Template:
        return Template("reporter/start.html", context={"lang": locale.language(lang), "page_path": "/"})

    @get("/favicon.ico", status_code=204, sync_to_thread=False)
    def favicon() -> None:
        """Browsers ask for an icon on every visit; an empty answer costs nothing on 2G and shows no logo."""

    return [choose_language, start, favicon]
