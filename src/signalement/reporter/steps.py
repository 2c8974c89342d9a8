"""The report: eight short steps at ``/{lang}/report``, then the receipt.

Every step posts the encrypted draft back to the same address, so nothing about
the report is ever in a URL and the server holds no draft between requests.
The receipt is rendered in the response to "Send", after intake has
committed the case; it is never behind a link.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from sqlalchemy import select

from signalement import i18n, triage
from signalement.db.engine import is_unavailable
from signalement.db.models import Case, coarse_hour
from signalement.evidence import MAX_FILE_BYTES, MAX_FILES_PER_CASE
from signalement.evidence_store import discard_staged
from signalement.i18n import N_
from signalement.intake import MAX_NARRATIVE, Answers, IntakeService, Submission
from signalement.receipts import format_code, format_secret
from signalement.reporter import csrf, funnel, locale, visit
from signalement.reporter.attach import store_files
from signalement.reporter.draft import (
    EDITABLE,
    STEPS,
    Action,
    Draft,
    IllegalMoveError,
    Step,
    advance,
    new_draft,
    step_number,
)
from signalement.reporter.forms import (
    PROVINCE_UNKNOWN,
    FieldError,
    Fields,
    first_incomplete,
    missing_answers,
    parse_move,
    read_step,
    show_phone,
)
from signalement.reporter.page_state import ExpiredFormError, PageStates
from signalement.reporter.receipt_page import ReceiptPage
from signalement.reporter.uploads import UPLOAD_MAX_BODY, UploadForm, read_upload
from signalement.request_bodies import STREAMS_MULTIPART
from signalement.runtime import Runtime
from signalement.vault.kdf import KdfBusyError

# An over-long story must come back to the story step with its text, not as a 413 that loses it:
# 100,000 characters in a 4-byte script are 1.2 MB form-encoded, plus the encrypted draft.
REPORT_MAX_BODY = 2 * 1024 * 1024
# How long after filing a re-posted "Send" (a lost response, a reload) still shows the code and secret.
# After that, whoever holds the phone gets "already sent": the page in the history must go dead.
RECEIPT_REPLAY = dt.timedelta(hours=1)

EXPIRED_RESTART = N_(
    "This report was open for a long time, so we cleared it to keep you safe. Nothing was "
    "sent. Please start again. We kept what you wrote on the page you were on."
)
BUSY = N_(
    "We are very busy right now. Your report is not sent yet. Please wait one minute and press Send the report again."
)
UPLOAD_EXPIRED = N_("This page was open for a long time, so your file was not added. Please choose it again.")
SIZE_KB = N_("%(size)s KB")
SIZE_MB = N_("%(size)s MB")
URGENCY_PROMISE = {
    "immediate": N_("An officer will read your report within 1 day."),
    "high": N_("An officer will read your report within 2 working days."),
    "standard": N_("An officer will read your report within 10 working days."),
}


class ReportPages:
    """Renders steps and receipts; holds the tier's sealers and the intake service."""

    def __init__(self, runtime: Runtime, states: PageStates) -> None:
        self.runtime = runtime
        self.states = states
        self.intake = IntakeService(runtime)

    def step(
        self,
        lang: i18n.Language,
        draft: Draft,
        *,
        visit: str,
        started: int | None,
        errors: tuple[FieldError, ...] = (),
        typed: dict[str, str] | None = None,
        notice: str | None = None,
        status: int = 200,
    ) -> Template:
        shown = locale.shown_errors(errors)
        context = {
            "lang": lang,
            "page_path": "/report",
            "draft": draft,
            "step": draft.step.value,
            "draft_state": self.states.drafts.encode(draft, visit=visit, started=started),
            "number": step_number(draft.step),
            "total": len(STEPS),
            "errors": shown,
            "error_of": {e.field: e.text for e in shown},
            "typed": typed or {},
            "notice": notice,
            "crisis": _crisis(draft),
            "categories": _categories(lang.code) if draft.step in (Step.WHAT, Step.REVIEW) else (),
            "provinces": _provinces(lang.code) if draft.step in (Step.WHERE, Step.REVIEW) else (),
            "phone": show_phone(draft.phone),
            "editable": EDITABLE,
            "file_size": file_size,
            "max_narrative": locale.number(MAX_NARRATIVE),
            "max_file_bytes": MAX_FILE_BYTES,
            "variant": draft.variant,
        }
        return Template(f"reporter/report/{draft.step.value}.html", context=context, status_code=status)

    def receipt(self, lang: i18n.Language, draft: Draft, *, visit: str, started: int | None) -> Template:
        return ReceiptPage(
            lang=lang,
            promise=URGENCY_PROMISE.get(draft.urgency, URGENCY_PROMISE["standard"]),
            danger=draft.danger_now == "yes",
            contact_pref=draft.contact_pref,
            values={
                "draft_state": self.states.drafts.encode(draft, visit=visit, started=started),
                "code": format_code(draft.case_code),
                "secret": format_secret(draft.secret),
            },
        )

    async def recently_received(self, case_id: str) -> bool:
        async with self.runtime.db.reading() as session:
            received = await session.scalar(select(Case.received_at).where(Case.id == case_id))
        return received is not None and received >= coarse_hour() - RECEIPT_REPLAY

    async def submit(self, lang: i18n.Language, draft: Draft, started: int, visit: str) -> Template:
        incomplete = first_incomplete(draft)
        if incomplete is not None:  # only a forged or very old page can get here
            return self.step(
                lang,
                msgspec.structs.replace(draft, step=incomplete),
                visit=visit,
                started=started,
                errors=missing_answers(draft, incomplete),
                status=400,
            )
        try:
            receipt = await self.intake.submit(_submission(lang, draft))
        except Exception as exc:
            # Argon2 pool full, or the database away: nothing was committed, so nothing is acknowledged;
            # the review page comes back with the report, to send again.
            if not (isinstance(exc, KdfBusyError) or is_unavailable(exc)):
                raise
            return self.step(lang, draft, visit=visit, started=started, notice=BUSY, status=503)
        if not receipt.created and not await self.recently_received(receipt.case_id):
            return Template("reporter/report/already_sent.html", context={"lang": lang, "page_path": "/"})
        if receipt.created:
            funnel.submitted(self.runtime, lang, draft, started)
        done = msgspec.structs.replace(
            draft, step=Step.DONE, case_code=receipt.case_code, urgency=receipt.urgency
        )
        return self.receipt(lang, done, visit=visit, started=started)

    async def unstage(self, draft: Draft, index: int) -> Draft:
        """Delete a staged upload now rather than leave it for the 24-hour purge."""
        await discard_staged(self.runtime.db, draft.case_id, draft.files[index].id)
        return msgspec.structs.replace(draft, files=draft.files[:index] + draft.files[index + 1 :])

    def restart(self, lang: i18n.Language, fields: Fields, visit: str) -> Template:
        """A draft past its lifetime cannot be opened. Start a new one, keeping what the last page posted."""
        draft = funnel.begin(self.runtime, lang, new_draft())
        for step in EDITABLE:
            draft = read_step(msgspec.structs.replace(draft, step=step), fields).draft
        draft = msgspec.structs.replace(draft, step=Step.WHAT)
        return self.step(lang, draft, visit=visit, started=None, notice=EXPIRED_RESTART)


def _crisis(draft: Draft) -> str:
    """After a "yes" to danger: full guidance on the next page, a one-line reminder after that."""
    if draft.danger_now != "yes" or draft.step in (Step.WHAT, Step.DANGER):
        return ""
    return "said" if draft.step is Step.WHERE else "short"


def file_size(size: int) -> str:
    """A file's size as a person reads it: "1.6 KB", "15 KB", "2.4 MB" (decimal units, like phones)."""
    if size < 1_000_000:
        kb = size / 1000
        shown = round(kb, 1) if kb < 10 else round(kb)
        return i18n.gettext(SIZE_KB, size=locale.number(max(shown, 0.1)))
    return i18n.gettext(SIZE_MB, size=locale.number(round(size / 1_000_000, 1)))


@functools.cache
def _categories(code: str) -> tuple[tuple[str, str], ...]:
    """The category choices in one language: the same on every page, so translated once per process."""
    with i18n.using(code):
        return tuple((c, triage.category_label(c)) for c in triage.CATEGORIES)


@functools.cache
def _provinces(code: str) -> tuple[tuple[str, str], ...]:
    """The provinces in one language, sorted by their name in it (translated and sorted once per process)."""
    with i18n.using(code):
        return tuple(sorted(((p, triage.province_name(p)) for p in triage.PROVINCES), key=lambda p: p[1]))


def _submission(lang: i18n.Language, draft: Draft) -> Submission:
    answers = Answers(
        categories=draft.categories,
        danger_now=draft.danger_now,
        province=None if draft.province in ("", PROVINCE_UNKNOWN) else draft.province,
        town=draft.town,
        employer=draft.employer,
        recruiter=draft.recruiter,
        site=draft.site,
    )
    return Submission(
        submission_key=f"web:{draft.client_id}",
        channel="web",
        language=lang.code,
        answers=answers,
        narrative=draft.narrative,
        contact_pref=draft.contact_pref,
        phone=draft.phone if draft.contact_pref == "sms" else None,
        case_id=draft.case_id,
        case_code=draft.case_code,
        secret=draft.secret,
        evidence_ids=tuple(f.id for f in draft.files),
    )


async def handle_step(report: ReportPages, lang: i18n.Language, fields: Fields, visit: str) -> Template:
    """One POST of the report: apply the answers, then move as the pressed button asks."""
    try:
        opened = report.states.drafts.decode(fields.one("draft"), visit=visit)
    except ExpiredFormError:
        return report.restart(lang, fields, visit)
    draft, started = opened.value, opened.started
    move = parse_move(fields)
    target = advance(draft, move)
    if draft.step is Step.DONE:  # a language switch on the receipt page
        if not await report.recently_received(draft.case_id):
            return Template("reporter/report/already_sent.html", context={"lang": lang, "page_path": "/"})
        return report.receipt(lang, draft, visit=visit, started=started)
    posted = read_step(draft, fields)
    errors = posted.errors
    if move.action in (Action.NEXT, Action.REVIEW):
        errors += missing_answers(posted.draft, draft.step)
    if errors:
        funnel.invalid(report.runtime, lang, draft, {e.field for e in errors})
        return report.step(
            lang, posted.draft, visit=visit, started=started, errors=errors, typed=posted.typed, status=400
        )
    draft = posted.draft
    if move.action is Action.REMOVE and move.index is not None:
        draft = await report.unstage(draft, move.index)
    if move.action is Action.SUBMIT:
        return await report.submit(lang, draft, started, visit)
    draft = funnel.moved(report.runtime, lang, draft, move.action, target)
    draft = msgspec.structs.replace(
        draft, step=target, reached_review=draft.reached_review or target is Step.REVIEW
    )
    return report.step(lang, draft, visit=visit, started=started)


def report_routes(report: ReportPages) -> list[ControllerRouterHandler]:
    @get("/{lang:str}/report")
    async def start_report(lang: FromPath[str], request: Request[Any, Any, Any]) -> Template:
        language = locale.language(lang)
        key, cookie = visit.begin(request, secure=report.runtime.settings.is_production)
        draft = funnel.begin(report.runtime, language, new_draft())
        return visit.with_cookie(report.step(language, draft, visit=key, started=None), cookie)

    @post(
        "/{lang:str}/report",
        request_max_body_size=REPORT_MAX_BODY,
        status_code=200,
        opt={"on_expired": "report"},
    )
    async def report_step(lang: FromPath[str], request: Request[Any, Any, Any]) -> Template:
        language = locale.language(lang)
        return await handle_step(report, language, Fields(await request.form()), visit.required(request))

    @post(
        "/{lang:str}/report/evidence",
        request_max_body_size=UPLOAD_MAX_BODY,
        status_code=200,
        opt={"exclude_from_csrf": True, STREAMS_MULTIPART: True},
    )
    async def report_evidence(lang: FromPath[str], request: Request[Any, Any, Any]) -> Template:
        language = locale.language(lang)
        key = visit.required(request)
        return await handle_upload(report, language, request, await read_upload(request), key)

    return [start_report, report_step, report_evidence]


async def handle_upload(
    report: ReportPages, lang: i18n.Language, request: Request[Any, Any, Any], upload: UploadForm, key: str
) -> Template:
    """Stage files for the draft's future case. Nothing is stored unless the CSRF token matched."""
    fields = Fields(upload)
    if not upload.csrf_ok:
        page = _upload_refused(report, lang, fields, key)
        for cookie in csrf.renew_token(request):
            page.set_cookie(cookie)
        return page
    try:
        opened = report.states.drafts.decode(fields.one("draft"), visit=key)
    except ExpiredFormError:
        return report.restart(lang, fields, key)
    draft = opened.value
    if draft.step is not Step.EVIDENCE:
        raise IllegalMoveError("upload outside the evidence step")
    stored = await store_files(
        report.runtime,
        upload,
        case_id=draft.case_id,
        attached=False,
        room=MAX_FILES_PER_CASE - len(draft.files),
    )
    draft = msgspec.structs.replace(draft, files=draft.files + stored.files)
    return report.step(
        lang,
        draft,
        visit=key,
        started=opened.started,
        errors=stored.errors,
        status=400 if stored.errors else 200,
    )


def _upload_refused(report: ReportPages, lang: i18n.Language, fields: Fields, key: str) -> Template:
    try:
        opened = report.states.drafts.decode(fields.one("draft"), visit=key)
    except ExpiredFormError:
        return report.restart(lang, fields, key)
    return report.step(
        lang, opened.value, visit=key, started=opened.started, notice=UPLOAD_EXPIRED, status=403
    )
