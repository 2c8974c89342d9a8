"""The queue, the case page, its printable export, evidence, and the forms that change a case."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from signalement import triage
from signalement.db.models import CaseStatus, utcnow
from signalement.deadlines import Waiting
from signalement.errors import NotFoundError, SignalementError
from signalement.i18n import N_, current_language
from signalement.officer import actions, administration, cases, glosses, machine_translation, timeline
from signalement.officer.evidence_files import evidence_response
from signalement.officer.filters import QUEUE_FILTER, CaseId, EvidenceId, ReferralId
from signalement.officer.pages.rendering import render
from signalement.officer.queue import SORTS, CountsCache, QueueFilter, count_matching, list_queue
from signalement.officer.reply_choices import reply_choices, reply_text
from signalement.officer.workflow import Outcome, OverrideReason
from signalement.runtime import Runtime
from signalement.staff import sessions, typed_work
from signalement.staff.access import Permission
from signalement.staff.guard import declare, require_principal
from signalement.staff.rendering import see_other
from signalement.staff.typed_work import KeepTyped
from signalement.staff.unlocked import keyring
from signalement.translation import translation_provider
from signalement.triage.definitions import PARTNERS

# How many cases one sitting remembers having opened (a day's work is far fewer; the list stays small).
OPENED_REMEMBERED = 200
READ = declare(Permission.CASES_READ)
WRITE = declare(Permission.CASES_WRITE)
# A note or a reply sent after the session expired is kept sealed and comes back after sign-in (typed_work).
WRITE_NOTE = declare(Permission.CASES_WRITE, **typed_work.opt(KeepTyped(kind="note", anchor="notes-heading")))
WRITE_REPLY = declare(Permission.CASES_WRITE, **typed_work.opt(KeepTyped(kind="reply", anchor="messages-heading")))
RESTORED = N_("Your session had ended, so this text was not sent. It is back in its box below: check it, "
              "then send it again.")
DONE = {
    "status": N_("The case moved to its new status."),
    "assign": N_("The assignment was saved."),
    "note": N_("Your note was added."),
    "reply": N_("Your reply was sent to the reporter."),
    "referral": N_("The referral was recorded."),
    "answer": N_("The partner's answer was recorded."),
    "hold": N_("The legal hold was changed."),
    "triage": N_("The triage was changed."),
    "clock": N_("The clock was changed."),
}

# Query parameters that are not part of the view (the page cursor, the notice after a bulk assignment).
NOT_VIEW = frozenset({"after", "assigned", "skipped"})
# Saved views: a caseworker's usual questions, one link each (label, query). Any filter can be bookmarked too.
SAVED_VIEWS = (
    (N_("Mine"), (("assignee", "me"),)),
    (N_("Unassigned immediate"), (("assignee", "none"), ("urgency", "immediate"))),
    (N_("Danger now"), (("danger", "true"),)),
    (N_("Past the deadline"), (("breached", "true"),)),
    (N_("Unassigned"), (("assignee", "none"),)),
    (N_("New, not triaged"), (("status", "new"),)),
    (N_("Mine, soonest deadline first"), (("assignee", "me"), ("sort", "deadline"))),
)


# Where each form sends the officer back to on the case page (the section's heading id).
RETURN_TO = {
    "status": "work-heading",
    "assign": "work-heading",
    "hold": "work-heading",
    "note": "notes-heading",
    "reply": "messages-heading",
    "referral": "referrals-heading",
    "answer": "referrals-heading",
    "triage": "triage-heading",
    "clock": "work-heading",
}


class StatusForm(msgspec.Struct, frozen=True, kw_only=True):
    to: str
    outcome: str = ""


class WaitingForm(msgspec.Struct, frozen=True, kw_only=True):
    waiting_for: str = ""  # "" restarts the clock


class AssignForm(msgspec.Struct, frozen=True, kw_only=True):
    assignee: str = ""


class TextForm(msgspec.Struct, frozen=True, kw_only=True):
    text: str = ""


class TranslationForm(msgspec.Struct, frozen=True, kw_only=True):
    part: str  # "narrative" or "message:<id>"


class ReplyForm(msgspec.Struct, frozen=True, kw_only=True):
    text: str = ""
    template: str = ""  # a key of reply_templates.TEMPLATES, sent in the reporter's language before ``text``


class ReferralForm(msgspec.Struct, frozen=True, kw_only=True):
    partner: str
    referred_on: str
    reference: str = ""


class HoldForm(msgspec.Struct, frozen=True, kw_only=True):
    on: str
    reason: str = ""
    confirm: str = ""


class OverrideForm(msgspec.Struct, frozen=True, kw_only=True):
    urgency: str
    reason: str
    categories: list[str] | str = []  # one ticked box arrives as a string
    explanation: str = ""

    @property
    def category_codes(self) -> tuple[str, ...]:
        return (self.categories,) if isinstance(self.categories, str) else tuple(self.categories)


def _queue_href(pairs: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str:
    return "/officer/queue" + (f"?{urlencode(list(pairs))}" if pairs else "")


def _referral_choice(last: str | None, detail: cases.CaseDetail) -> str:
    """The partner the referral form starts on: the one just recorded (so a second referral to it, or a
    correction, is one click), else the first suggestion not referred yet, else the first partner."""
    if last in PARTNERS:
        return last
    made = {r.partner for r in detail.referrals}
    suggested = [str(r.get("partner")) for r in detail.summary.referral_suggestions]
    return next((p for p in suggested if p in PARTNERS and p not in made), PARTNERS[0])


def _enum(kind: type, value: str) -> Any:  # noqa: ANN401 - one of our StrEnums
    try:
        return kind(value)
    except ValueError:
        raise SignalementError(f"unknown {kind.__name__}") from None


def routes(runtime: Runtime) -> list[ControllerRouterHandler]:
    counts_cache = CountsCache(runtime.store("queue-counts"))
    translator = translation_provider(runtime.settings)  # None: machine translation is off (the default)

    @get("/queue", opt=READ, dependencies=QUEUE_FILTER)
    async def queue(
        request: Request,
        queue_filter: NamedDependency[QueueFilter],
        assigned: Annotated[int | None, QueryParameter(ge=0, le=1000)] = None,
        skipped: Annotated[int | None, QueryParameter(ge=0, le=1000)] = None,
    ) -> Template:
        principal = require_principal(request)
        f = queue_filter
        now = utcnow()
        # The view as pairs (employer= repeats); notices after a bulk assignment are not part of it.
        query = [(k, v) for k, v in request.query_params.multi_items() if k not in NOT_VIEW and v]
        filtered = any(k != "sort" for k, _ in query)
        async with runtime.db.reading() as session:
            page = await list_queue(session, principal, f, now)
            counts = await counts_cache.get(session, principal)
            names = await cases.staff_names(session)
            matching = await count_matching(session, principal, f, now) if filtered else None
        return render(
            request,
            "queue.html",
            page=page,
            counts=counts,
            names=names,
            assignees=await administration.assignable(runtime),
            matching=matching,
            filters=f,
            query=query,
            filtered=filtered,
            views=[(label, _queue_href(pairs), sorted(pairs) == sorted(query)) for label, pairs in SAVED_VIEWS],
            sorts=SORTS,
            sort_links={key: _queue_href([*((k, v) for k, v in query if k != "sort"), ("sort", key)])
                        for key in SORTS},
            export_href="/officer/queue.csv" + (f"?{urlencode(query)}" if query else ""),
            next_href=_queue_href([*query, ("after", page.next_cursor)]) if page.next_cursor else None,
            can_assign_many=principal.may(Permission.CASES_ASSIGN_MANY),
            bulk=(assigned, skipped) if assigned is not None else None,
            regions=sorted({*triage.DEFAULT_REGIONAL_OFFICES.values()}),
        )

    @get("/cases/{case_id:str}", opt=READ)
    async def case_page(
        request: Request, case_id: CaseId, done: FromQuery[str | None] = None, partner: FromQuery[str | None] = None
    ) -> Template:
        principal = require_principal(request)
        state = sessions.read_state(request)
        seen = state is not None and case_id in state.opened_cases
        view = await cases.view_case(runtime, principal, keyring(request), case_id, via="page", audited_already=seen)
        if state is not None and not seen:  # only once the entry is committed
            sessions.write_state(request, msgspec.structs.replace(
                state, opened_cases=(*state.opened_cases[-(OPENED_REMEMBERED - 1):], case_id)))
        detail, rel = view.detail, view.related
        async with runtime.db.reading() as session:
            names, actors = await cases.staff_names(session), await cases.actor_names(session)
        # Words typed before the session expired, for this officer and this case only: back in their box.
        restored = await typed_work.take(request, runtime.settings, principal.officer_id, f"/officer/cases/{case_id}")
        page = render(
            request,
            "case.html",
            case=detail,
            s=detail.summary,
            related=rel,
            can_hold=principal.may(Permission.LEGAL_HOLD),
            assignable=await administration.assignable(runtime),
            notice=RESTORED if restored else DONE.get(done or ""),
            outcomes=list(Outcome),
            reasons=list(OverrideReason),
            partners=PARTNERS,
            categories=triage.CATEGORIES,
            urgencies=triage.URGENCIES,
            today=dt.date.today().isoformat(),
            tell=lambda ui, e: timeline.sentence(ui, e.action, e.actor, e.detail, names, actors),
            ref_partner=_referral_choice(partner, detail),
            gloss=glosses.gloss,
            can_translate=translator is not None,
            reply_choices=reply_choices(detail.summary.language),
            waiting_choices=list(Waiting),
            restored={restored.kind: restored.text} if restored else {},
            # A partner's answer shows in the timeline beside its entry (the entry itself holds no text).
            answers={n.id: n.text for n in detail.notes if n.kind == "answer"},
        )
        if restored is not None:  # back in its box: the browser's half is spent (another officer's stays)
            page.set_cookie(typed_work.forget(runtime.settings))
        return page

    @get("/cases/{case_id:str}/export", opt=READ)
    async def export(request: Request, case_id: CaseId) -> Template:
        principal = require_principal(request)
        detail = (
            await cases.view_case(
                runtime, principal, keyring(request), case_id, via="export", action="case.export", with_related=False
            )
        ).detail
        # UTC: the summary leaves the workspace for a file read in other places and time zones.
        return render(request, "export.html", case=detail, s=detail.summary, printed_at=utcnow(), nav=[], in_utc=True)

    @get("/cases/{case_id:str}/evidence/{evidence_id:str}", opt=READ)
    async def evidence(request: Request, case_id: CaseId, evidence_id: EvidenceId) -> Response[Any]:
        principal = require_principal(request)
        ring = keyring(request)
        row = await cases.evidence_for(runtime, principal, case_id, evidence_id)
        return evidence_response(runtime, ring, row)

    @post("/cases/{case_id:str}/translation", opt=READ, status_code=200)
    async def translation(
        request: Request, case_id: CaseId, data: URLEncodedBody[TranslationForm]
    ) -> Template:
        # POST, not GET: it sends case content to another server and audits it; a link prefetch must not.
        if translator is None:
            raise NotFoundError
        done = await machine_translation.translate_part(
            runtime, translator, require_principal(request), keyring(request), case_id, data.part,
            current_language().code,
        )
        return render(request, "translation.html", t=done)

    def back(case_id: str, done: str, **query: str) -> Response[Any]:
        # Back to the section the officer was working in, not the top of a long page.
        response = see_other(f"/officer/cases/{case_id}", done=done, **query)
        response.url = f"{response.url}#{RETURN_TO[done]}"
        return response

    @post("/cases/{case_id:str}/status", opt=WRITE, status_code=303)
    async def change_status(
        request: Request, case_id: CaseId, data: URLEncodedBody[StatusForm]
    ) -> Response[Any]:
        target = _enum(CaseStatus, data.to)
        outcome = _enum(Outcome, data.outcome) if data.outcome else None
        await actions.change_status(
            runtime, require_principal(request), keyring(request), case_id, target, outcome
        )
        return back(case_id, "status")

    @post("/cases/{case_id:str}/assign", opt=WRITE, status_code=303)
    async def assign(request: Request, case_id: CaseId, data: URLEncodedBody[AssignForm]) -> Response[Any]:
        principal = require_principal(request)
        value = data.assignee.strip()
        target = principal.officer_id if value == "me" else (int(value) if value.isdigit() else None)
        await actions.assign(runtime, principal, case_id, target)
        return back(case_id, "assign")

    @post("/cases/{case_id:str}/notes", opt=WRITE_NOTE, status_code=303)
    async def note(request: Request, case_id: CaseId, data: URLEncodedBody[TextForm]) -> Response[Any]:
        await actions.add_note(runtime, require_principal(request), case_id, data.text)
        return back(case_id, "note")

    @post("/cases/{case_id:str}/replies", opt=WRITE_REPLY, status_code=303)
    async def reply(request: Request, case_id: CaseId, data: URLEncodedBody[ReplyForm]) -> Response[Any]:
        principal = require_principal(request)
        text = await reply_text(runtime, principal, case_id, data.template, data.text)
        await actions.reply(runtime, principal, keyring(request), case_id, text)
        return back(case_id, "reply")

    @post("/cases/{case_id:str}/referrals", opt=WRITE, status_code=303)
    async def referral(
        request: Request, case_id: CaseId, data: URLEncodedBody[ReferralForm]
    ) -> Response[Any]:
        try:
            day = dt.date.fromisoformat(data.referred_on)
        except ValueError:
            raise SignalementError("referred_on must be a date") from None
        await actions.add_referral(
            runtime, require_principal(request), case_id, data.partner, day, data.reference
        )
        return back(case_id, "referral", partner=data.partner)

    @post("/cases/{case_id:str}/referrals/{referral_id:str}/answer", opt=WRITE, status_code=303)
    async def referral_answer(
        request: Request, case_id: CaseId, referral_id: ReferralId, data: URLEncodedBody[TextForm]
    ) -> Response[Any]:
        await actions.record_referral_answer(runtime, require_principal(request), case_id, referral_id, data.text)
        return back(case_id, "answer")

    @post("/cases/{case_id:str}/legal-hold", opt=declare(Permission.LEGAL_HOLD), status_code=303)
    async def legal_hold(request: Request, case_id: CaseId, data: URLEncodedBody[HoldForm]) -> Response[Any]:
        await actions.set_legal_hold(
            runtime, require_principal(request), keyring(request), case_id, data.on == "on",
            reason=data.reason, confirmed=data.confirm == "yes",
        )
        return back(case_id, "hold")

    @post("/cases/{case_id:str}/triage", opt=WRITE, status_code=303)
    async def override(
        request: Request, case_id: CaseId, data: URLEncodedBody[OverrideForm]
    ) -> Response[Any]:
        if data.urgency not in triage.URGENCY_RANK or any(
            c not in triage.CATEGORIES for c in data.category_codes
        ):
            raise SignalementError("unknown urgency or category")
        await actions.override_triage(
            runtime,
            require_principal(request),
            case_id,
            categories=data.category_codes,
            urgency=data.urgency,
            reason=_enum(OverrideReason, data.reason),
            explanation=data.explanation,
        )
        return back(case_id, "triage")

    @post("/cases/{case_id:str}/waiting", opt=WRITE, status_code=303)
    async def waiting(request: Request, case_id: CaseId, data: URLEncodedBody[WaitingForm]) -> Response[Any]:
        what = _enum(Waiting, data.waiting_for) if data.waiting_for else None
        await actions.set_waiting(runtime, require_principal(request), case_id, what)
        return back(case_id, "clock")

    return [
        queue,
        waiting,
        case_page,
        export,
        evidence,
        change_status,
        assign,
        note,
        reply,
        referral,
        referral_answer,
        legal_hold,
        override,
        translation,
    ]
