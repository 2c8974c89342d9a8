""" "Was this easy to use?" on the receipt and follow-up pages.

The form posts only the page name, yes or no, and an optional comment: no
case id, code, token or draft, so nothing can tie an answer to a report.
The metrics tier scrubs numbers and contact details from the comment.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from signalement import i18n, metrics
from signalement.i18n import N_
from signalement.reporter import locale
from signalement.reporter.forms import FieldError, Fields, MalformedFormError, check_text
from signalement.runtime import Runtime

FEEDBACK_PAGES = ("receipt", "follow-up")
CHOOSE = N_("Choose yes or no.")


def feedback_page(
    lang: i18n.Language,
    *,
    page: str,
    easy: str = "",
    comment: str = "",
    errors: tuple[FieldError, ...] = (),
    notice: str | None = None,
    status: int = 200,
) -> Template:
    shown = locale.shown_errors(errors)
    return Template(
        "reporter/feedback.html",
        status_code=status,
        context={
            "lang": lang,
            "page_path": "/",
            "feedback_page": page,
            "easy": easy,
            "comment": comment,
            "errors": shown,
            "error_of": {e.field: e.text for e in shown},
            "notice": notice,
        },
    )


def read_feedback(fields: Fields) -> tuple[str, str, str, tuple[FieldError, ...]]:
    page = fields.one("page")
    if page not in FEEDBACK_PAGES:
        raise MalformedFormError("unknown page")
    easy = fields.one("easy")
    if easy not in ("", "yes", "no"):
        raise MalformedFormError("unknown answer")
    comment, error = check_text(fields.one("comment"), "comment", metrics.MAX_COMMENT)
    errors = (FieldError("easy", CHOOSE),) if not easy else ()
    return page, easy, comment, errors + ((error,) if error else ())


def feedback_routes(runtime: Runtime) -> list[ControllerRouterHandler]:
    @post("/{lang:str}/feedback", status_code=200, opt={"on_expired": "feedback"})
    async def send_feedback(lang: FromPath[str], request: Request[Any, Any, Any]) -> Template:
        language = locale.language(lang)
        page, easy, comment, errors = read_feedback(Fields(await request.form()))
        if errors:
            return feedback_page(language, page=page, easy=easy, comment=comment, errors=errors, status=400)
        await metrics.record_feedback(
            runtime.db, page=page, channel="web", language=language.code, easy=easy == "yes", comment=comment
        )
        return Template("reporter/feedback_thanks.html", context={"lang": language, "page_path": "/"})

    return [send_feedback]
