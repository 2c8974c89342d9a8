"""The follow-up portal at ``/{lang}/follow-up``: status, officers' messages, a reply, more evidence.

After the code and secret check (intake: same answer and the same Argon2
cost for an unknown code and a wrong secret, throttled per client), the page
carries an encrypted ``FollowupToken`` for 20 idle minutes, bound to the visit
cookie. No server session: closing the page, leaving it, or Quick exit ends the
access.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from babel.dates import format_date
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from signalement import i18n
from signalement.db.models import CaseStatus
from signalement.evidence import MAX_FILE_BYTES, MAX_FILES_PER_CASE
from signalement.i18n import N_
from signalement.intake import MAX_MESSAGE, FollowupAccess, IntakeService
from signalement.receipts import (
    CODE_RANDOM_DIGITS,
    SECRET_RANDOM_DIGITS,
    digits_typed,
    parse_code,
    parse_secret,
)
from signalement.reporter import attach, csrf, funnel, locale, visit
from signalement.reporter.forms import FieldError, Fields, check_text
from signalement.reporter.page_state import ExpiredFormError, FollowupToken, PageStates
from signalement.reporter.uploads import UPLOAD_MAX_BODY, read_upload
from signalement.request_bodies import STREAMS_MULTIPART
from signalement.runtime import Runtime

# A 5,000-character message in a 4-byte script, form-encoded, plus the encrypted token.
FOLLOWUP_MAX_BODY = 128 * 1024
CODE_DIGITS, SECRET_DIGITS = CODE_RANDOM_DIGITS + 1, SECRET_RANDOM_DIGITS + 1  # with the check digit
NOT_OPENED = N_("We could not open a case with this case code and secret. Check both and try again.")
CODE_TYPO = N_("This case code does not look right. It has 9 digits. Check them and try again.")
SECRET_TYPO = N_("This secret does not look right. It has 16 digits. Check them and try again.")
# All the digits are there, but the last one (a check digit) says one of them is wrong.
CODE_MISTYPED = N_(
    "One number in this case code is wrong, or two numbers are swapped. "
    "Look at your paper and check each number again."
)
SECRET_MISTYPED = N_(
    "One number in this secret is wrong, or two numbers are swapped. "
    "Look at your paper and check each number again."
)
MESSAGE_EMPTY = N_("Write your message first.")
SENT = N_("Your message was sent.")
FILES_ADDED = N_("Thank you. We added your file.")
SIGNED_OUT = N_(
    "To keep your case safe, this page closes after 20 minutes. Please enter your case code and secret again."
)
EXPIRED_SIGN_IN = N_(
    "This page has expired. To keep your case safe, please enter your case code and secret again."
)
STATUS_TEXT = {
    CaseStatus.NEW: N_("We received your report. An officer will read it soon."),
    CaseStatus.TRIAGED: N_("An officer has read your report."),
    CaseStatus.ASSESSING: N_("An officer is looking into your report."),
    CaseStatus.REFERRED: N_(
        "We sent your report to another office that can help. We may still write to you here."
    ),
    CaseStatus.INSPECTION: N_("We are checking the workplace."),
    CaseStatus.CLOSED: N_("Your case is closed. You can still read the messages here."),
}


class FollowupPages:
    def __init__(self, runtime: Runtime, states: PageStates) -> None:
        self.runtime = runtime
        self.states = states
        self.intake = IntakeService(runtime)

    def login(
        self,
        lang: i18n.Language,
        *,
        code: str = "",
        secret: str = "",
        errors: tuple[FieldError, ...] = (),
        notice: str | None = None,
        pending: str = "",
        status: int = 200,
    ) -> Template:
        shown = locale.shown_errors(errors)
        return Template(
            "reporter/followup/login.html",
            status_code=status,
            context={
                "lang": lang,
                "page_path": "/follow-up",
                "code": code,
                "secret": secret,
                "errors": shown,
                "error_of": {e.field: e.text for e in shown},
                "notice": notice,
                "pending": pending,
            },
        )

    async def portal(
        self,
        lang: i18n.Language,
        access: FollowupAccess,
        started: int | None,
        *,
        visit: str,
        notice: str | None = None,
        errors: tuple[FieldError, ...] = (),
        message: str = "",
        status: int = 200,
    ) -> Template:
        case_status, thread = await self.intake.thread(access)
        token = FollowupToken(
            case_id=access.case_id,
            suite=access.suite,
            key=access.followup_private,
            reply_nonce=secrets.token_urlsafe(12),
        )
        shown = locale.shown_errors(errors)
        room = MAX_FILES_PER_CASE - await attach.files_on_case(self.runtime, access.case_id)
        messages = [
            {"mine": m.author == "reporter", "date": _date(m.created_at), "text": m.text} for m in thread
        ]
        officer_wrote = any(m.author != "reporter" for m in thread)
        return Template(
            "reporter/followup/portal.html",
            status_code=status,
            context={
                "lang": lang,
                "page_path": "/follow-up",
                "token": self.states.followups.encode(token, visit=visit, started=started),
                "status_text": _status_text(case_status, officer_wrote=officer_wrote),
                "messages": messages,
                "notice": notice,
                "errors": shown,
                "error_of": {e.field: e.text for e in shown},
                "message": message,
                "can_add_files": room > 0,
                "feedback_page": "follow-up",
                "max_file_bytes": MAX_FILE_BYTES,
            },
        )

    def open_token(self, fields: Fields, visit: str) -> tuple[FollowupAccess, int, str]:
        """The access a page carries, when its flow began, and the page's reply nonce."""
        opened = self.states.followups.decode(fields.one("token"), visit=visit)
        t = opened.value
        access = FollowupAccess(case_id=t.case_id, suite=t.suite, followup_private=t.key)
        return access, opened.started, t.reply_nonce


def _status_text(value: str, *, officer_wrote: bool) -> str:
    try:
        status = CaseStatus(value)
    except ValueError:
        status = CaseStatus.NEW
    if status is CaseStatus.NEW and officer_wrote:  # "will read it soon" above their reply would be false
        status = CaseStatus.TRIAGED
    return STATUS_TEXT.get(status, STATUS_TEXT[CaseStatus.NEW])


def _date(iso: str) -> str:
    try:
        return format_date(
            dt.date.fromisoformat(iso), format="long", locale=i18n.current_language().babel_locale
        )
    except ValueError:
        return iso


async def handle_login(
    fp: FollowupPages, lang: i18n.Language, request: Request[Any, Any, Any], fields: Fields
) -> Template:
    code_text, secret_text = fields.one("code")[:64], fields.one("secret")[:64]
    pending = fields.one("pending")
    errors: list[FieldError] = []
    if parse_code(code_text) is None:
        full = digits_typed(code_text) == CODE_DIGITS
        errors.append(FieldError("code", CODE_MISTYPED if full else CODE_TYPO))
    if parse_secret(secret_text) is None:
        full = digits_typed(secret_text) == SECRET_DIGITS
        errors.append(FieldError("secret", SECRET_MISTYPED if full else SECRET_TYPO))
    if errors:  # a typo caught by the check digit: not a guess, not counted, and no Argon2 spent
        return fp.login(
            lang, code=code_text, secret=secret_text, errors=tuple(errors), pending=pending, status=400
        )
    client = fp.runtime.client_hasher.for_connection(request, "followup")
    access = await fp.intake.open_followup(code_text, secret_text, client)
    if access is None:
        return fp.login(
            lang, code=code_text, errors=(FieldError("code", NOT_OPENED),), pending=pending, status=400
        )
    funnel.followup_used(fp.runtime, lang)
    return await fp.portal(lang, access, None, visit=visit.required(request), message=pending)


async def handle_reply(fp: FollowupPages, lang: i18n.Language, fields: Fields, key: str) -> Template:
    typed = fields.one("message")
    try:
        access, started, nonce = fp.open_token(fields, key)
    except ExpiredFormError:
        return fp.login(lang, notice=SIGNED_OUT, pending=typed)
    text, error = check_text(typed, "message", MAX_MESSAGE)
    if error is None and not text:
        error = FieldError("message", MESSAGE_EMPTY)
    if error is not None:
        return await fp.portal(lang, access, started, visit=key, errors=(error,), message=typed, status=400)
    await fp.intake.add_message(access, text, channel="web", submission_key=f"web-reply:{nonce}")
    return await fp.portal(lang, access, started, visit=key, notice=SENT)


def followup_routes(fp: FollowupPages) -> list[ControllerRouterHandler]:
    @get("/{lang:str}/follow-up")
    async def followup_login_page(lang: FromPath[str], request: Request[Any, Any, Any]) -> Template:
        language = locale.language(lang)
        _key, cookie = visit.begin(request, secure=fp.runtime.settings.is_production)
        return visit.with_cookie(fp.login(language), cookie)

    @post(
        "/{lang:str}/follow-up",
        status_code=200,
        request_max_body_size=FOLLOWUP_MAX_BODY,
        opt={"on_expired": "followup"},
    )
    async def followup_login(lang: FromPath[str], request: Request[Any, Any, Any]) -> Template:
        language = locale.language(lang)
        visit.required(request)  # a sign-in re-sent from the history after Quick exit opens nothing
        return await handle_login(fp, language, request, Fields(await request.form()))

    @post(
        "/{lang:str}/follow-up/view",
        status_code=200,
        request_max_body_size=FOLLOWUP_MAX_BODY,
        opt={"on_expired": "followup"},
    )
    async def followup_view(lang: FromPath[str], request: Request[Any, Any, Any]) -> Template:
        language = locale.language(lang)
        key = visit.required(request)
        fields = Fields(await request.form())
        try:
            access, started, _nonce = fp.open_token(fields, key)
        except ExpiredFormError:
            return fp.login(language, notice=SIGNED_OUT, pending=fields.one("message"))
        return await fp.portal(language, access, started, visit=key, message=fields.one("message"))

    @post(
        "/{lang:str}/follow-up/reply",
        status_code=200,
        request_max_body_size=FOLLOWUP_MAX_BODY,
        opt={"on_expired": "followup"},
    )
    async def followup_reply(lang: FromPath[str], request: Request[Any, Any, Any]) -> Template:
        language = locale.language(lang)
        key = visit.required(request)
        return await handle_reply(fp, language, Fields(await request.form()), key)

    @post(
        "/{lang:str}/follow-up/evidence",
        status_code=200,
        request_max_body_size=UPLOAD_MAX_BODY,
        opt={"exclude_from_csrf": True, STREAMS_MULTIPART: True},
    )
    async def followup_evidence(lang: FromPath[str], request: Request[Any, Any, Any]) -> Template:
        language = locale.language(lang)
        key = visit.required(request)
        upload = await read_upload(request)
        fields = Fields(upload)
        if not upload.csrf_ok:
            # Never act on an unverified upload, and never reopen the case from it: sign in again.
            page = fp.login(language, notice=EXPIRED_SIGN_IN, pending=fields.one("message"), status=403)
            for cookie in csrf.renew_token(request):
                page.set_cookie(cookie)
            return page
        try:
            access, started, _nonce = fp.open_token(fields, key)
        except ExpiredFormError:
            return fp.login(language, notice=SIGNED_OUT, pending=fields.one("message"))
        room = MAX_FILES_PER_CASE - await attach.files_on_case(fp.runtime, access.case_id)
        stored = await attach.store_files(
            fp.runtime, upload, case_id=access.case_id, attached=True, room=room
        )
        return await fp.portal(
            language,
            access,
            started,
            visit=key,
            errors=stored.errors,
            message=fields.one("message"),
            notice=FILES_ADDED if stored.files else None,
            status=400 if stored.errors else 200,
        )

    return [followup_login_page, followup_login, followup_view, followup_reply, followup_evidence]
