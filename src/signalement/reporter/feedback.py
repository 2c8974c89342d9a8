""" "Was this easy to use?" on the receipt and follow-up pages.

The form posts the page name, yes or no, an optional comment and, on the
receipt, the encrypted draft. The draft is opened only to learn the names
the reporter typed (employer, recruiter, site, town, names in the story) so
that ``metrics.comments`` can scrub them from the comment; nothing from it is
kept. The yes/no answer is a count; the comment is scrubbed, sealed to the
research key and dated to the day. No case id, code or token is stored, so
nothing can tie an answer to a report.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from signalement import i18n, metrics
from signalement.i18n import N_
from signalement.metrics.comments import names_in, store_comment
from signalement.metrics.research_key import research_public
from signalement.reporter import funnel, locale, visit
from signalement.reporter.draft import Draft
from signalement.reporter.forms import FieldError, Fields, MalformedFormError, check_text
from signalement.reporter.page_state import ExpiredFormError, PageStates, TamperedFormError
from signalement.reporter.visit import ClosedVisitError
from signalement.runtime import Runtime

logger = logging.getLogger("signalement.reporter.feedback")
FEEDBACK_PAGES = ("receipt", "follow-up")
CHOOSE = N_("Choose yes or no.")


def feedback_page(
    lang: i18n.Language,
    *,
    page: str,
    easy: str = "",
    comment: str = "",
    draft_state: str = "",
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
            "draft_state": draft_state,
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


def visit_draft(runtime: Runtime, token: str, key: str) -> Draft | None:
    """The receipt's draft, if the form carried a valid one; ``None`` otherwise (never an error:
    an old page still gets its answer recorded, just without the names to scrub)."""
    if not token:
        return None
    states = PageStates(runtime.form_keys, runtime.settings.staged_evidence_hours)
    try:
        return states.drafts.decode(token, visit=key).value
    except (TamperedFormError, ExpiredFormError, ClosedVisitError):
        return None


def typed_names(draft: Draft | None) -> tuple[str, ...]:
    if draft is None:
        return ()
    return names_in((draft.employer, draft.recruiter, draft.site, draft.town), draft.narrative)


async def record_feedback(runtime: Runtime, lang: i18n.Language, *, page: str, easy: bool, comment: str,
                          draft: Draft | None) -> None:
    """Count the answer; scrub, seal and keep the comment if there is one and a research key exists."""
    metrics.record(runtime, "feedback", channel=funnel.CHANNEL, language=lang.code, step=page,
                   field="yes" if easy else "no",
                   variant=runtime.experiment.label(draft.variant) if runtime.experiment and draft and draft.variant
                   else "")
    if not comment.strip():
        return
    key = research_public(runtime.keystore)
    if key is None:  # no research key yet: keep nothing rather than keep it in clear
        logger.warning("feedback_comment_not_kept", extra={"reason": "no research key"})
        return
    await store_comment(runtime.db, key, page=page, channel=funnel.CHANNEL, language=lang.code, easy=easy,
                        text=comment, names=typed_names(draft))


class FeedbackController(Controller):
    path = "/{lang:str}/feedback"

    @post(status_code=200, opt={"on_expired": "feedback"})
    async def send_feedback(
        self, lang: FromPath[str], request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Template:
        language = locale.language(lang)
        key = visit.required(request)
        fields = Fields(await request.form())
        page, easy, comment, errors = read_feedback(fields)
        token = fields.one("draft")
        if errors:
            return feedback_page(language, page=page, easy=easy, comment=comment, draft_state=token,
                                 errors=errors, status=400)
        await record_feedback(runtime, language, page=page, easy=easy == "yes", comment=comment,
                              draft=visit_draft(runtime, token, key))
        return Template("reporter/feedback_thanks.html", context={"lang": language, "page_path": "/"})
