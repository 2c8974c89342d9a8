"""What every reporter page shares: the language from the URL, the seals, translated errors, funnel counts."""

from __future__ import annotations

import msgspec
from babel.numbers import format_decimal

from signalement import i18n, metrics
from signalement.errors import NotFoundError
from signalement.reporter.draft import Draft
from signalement.reporter.forms import FieldError
from signalement.reporter.sealing import FormSealer
from signalement.runtime import Runtime

DRAFT_IDLE_SECONDS = 4 * 3600
FOLLOWUP_IDLE_SECONDS = 20 * 60
FOLLOWUP_ABSOLUTE_SECONDS = 2 * 3600


class FollowupToken(msgspec.Struct, frozen=True, kw_only=True):
    """Proof, carried in the follow-up page, that this browser typed the right code and secret.

    It holds the reporter's own follow-up key (which opens officer replies and
    nothing else), sealed under the form key. No cookie, no server session:
    when the page is closed or the token goes stale, the access is gone.
    """

    case_id: str
    suite: str
    key: bytes
    reply_nonce: str  # a fresh id per page, so a double-tapped "Send" adds one message


class Seals:
    """The sealers the reporter tier uses, built once per app from ``form_keys``."""

    def __init__(self, runtime: Runtime) -> None:
        keys = runtime.form_keys
        # Staged uploads are purged after ``staged_evidence_hours`` (counted from an hour-truncated
        # time), so a draft must go dead before its files can: two hours of margin.
        absolute = max(3600, (runtime.settings.staged_evidence_hours - 2) * 3600)
        self.drafts: FormSealer[Draft] = FormSealer(
            keys,
            "report-draft",
            Draft,
            idle_seconds=min(DRAFT_IDLE_SECONDS, absolute),
            absolute_seconds=absolute,
        )
        self.followups: FormSealer[FollowupToken] = FormSealer(
            keys,
            "followup-access",
            FollowupToken,
            idle_seconds=FOLLOWUP_IDLE_SECONDS,
            absolute_seconds=FOLLOWUP_ABSOLUTE_SECONDS,
        )


class ShownError(msgspec.Struct, frozen=True):
    field: str
    text: str


def language(code: str) -> i18n.Language:
    """The reporter language named in the URL, made active for this request; 404 for anything else."""
    if code not in i18n.BY_CODE:
        raise NotFoundError
    return i18n.activate(code, i18n.REPORTER)


def number(value: float) -> str:
    return format_decimal(value, locale=i18n.current_language().babel_locale)


def shown_errors(errors: tuple[FieldError, ...] | list[FieldError]) -> list[ShownError]:
    """Field errors in the active language, one per field, in page order."""
    out: list[ShownError] = []
    seen: set[str] = set()
    for err in errors:
        if err.field in seen:
            continue
        seen.add(err.field)
        text = i18n.gettext(err.message, max=number(err.limit)) if err.limit else i18n.gettext(err.message)
        out.append(ShownError(err.field, text))
    return out


async def count(
    runtime: Runtime, event: str, lang: i18n.Language, *, step: str = "", field: str = ""
) -> None:
    """A funnel count: the event, the step or field name, channel and language. Nothing else, ever."""
    await metrics.record_event(runtime.db, event, channel="web", language=lang.code, step=step, field=field)
