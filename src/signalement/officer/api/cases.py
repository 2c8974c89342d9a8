"""``/api/v1/cases``: the queue, a case (decrypted and audited), evidence, and every change to a case."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.types import ControllerRouterHandler

from signalement.db.models import CaseStatus, utcnow
from signalement.deadlines import Waiting as WaitingFor
from signalement.officer import actions, cases
from signalement.officer.api.schemas import (
    AssigneeChange,
    CaseResponse,
    CaseUpdated,
    Created,
    LegalHold,
    NewReferral,
    NewReply,
    NewText,
    QueueResponse,
    StatusChange,
    StrictBody,
    TriageOverride,
    Waiting,
    problems,
)
from signalement.officer.evidence_files import evidence_response
from signalement.officer.filters import QUEUE_FILTER, CaseId, EvidenceId, ReferralId
from signalement.officer.queue import CountsCache, QueueFilter, list_queue
from signalement.officer.reply_choices import reply_text
from signalement.officer.workflow import Outcome, OverrideReason
from signalement.runtime import Runtime
from signalement.staff.access import Permission
from signalement.staff.guard import declare, require_principal
from signalement.staff.unlocked import keyring

READ = declare(Permission.CASES_READ)
WRITE = declare(Permission.CASES_WRITE)
CHANGE_ERRORS = problems(404, 409, 410)


def routes(runtime: Runtime) -> list[ControllerRouterHandler]:
    counts_cache = CountsCache(runtime.store("queue-counts"))

    async def updated(request: Request, case_id: str) -> CaseUpdated:
        return CaseUpdated(case=await cases.case_summary(runtime, require_principal(request), case_id))

    @get("/cases", opt=READ, dependencies=QUEUE_FILTER, responses=problems(), summary="The triage queue")
    async def queue(request: Request, queue_filter: NamedDependency[QueueFilter]) -> QueueResponse:
        """Most urgent first, then soonest due. Pass ``next_cursor`` as ``after`` for the next page.
        ``counts`` cover the caller's whole open queue, not the filter."""
        principal = require_principal(request)
        f = queue_filter
        now = utcnow()
        async with runtime.db.reading() as session:
            page = await list_queue(session, principal, f, now)
            counts = await counts_cache.get(session, principal)
        return QueueResponse(cases=page.rows, next_cursor=page.next_cursor, counts=counts)

    @get("/cases/{case_id:str}", opt=READ, responses=problems(404, 410), summary="Open a case")
    async def case(request: Request, case_id: CaseId) -> CaseResponse:
        """Decrypts the story, answers, triage matches, messages and notes. Every call is audited."""
        principal = require_principal(request)
        view = await cases.view_case(runtime, principal, keyring(request), case_id, via="api")
        assert view.related is not None
        return CaseResponse(case=view.detail, related=view.related)

    @get(
        "/cases/{case_id:str}/evidence/{evidence_id:str}",
        opt=READ,
        responses=problems(404, 410),
        summary="Download an attachment",
        media_type="application/octet-stream",
    )
    async def evidence(request: Request, case_id: CaseId, evidence_id: EvidenceId) -> Response[Any]:
        """Images inline (JPEG, PNG), PDFs as attachments. Every call is audited."""
        ring = keyring(request)
        row = await cases.evidence_for(runtime, require_principal(request), case_id, evidence_id)
        return evidence_response(runtime, ring, row)

    @post(
        "/cases/{case_id:str}/status",
        opt=WRITE,
        dto=StrictBody[StatusChange],
        return_dto=None,
        status_code=200,
        responses=CHANGE_ERRORS,
        summary="Move a case through the workflow",
    )
    async def change_status(request: Request, case_id: CaseId, data: JSONBody[StatusChange]) -> CaseUpdated:
        """Closing needs an ``outcome``; other steps take none. Closed is final."""
        await actions.change_status(
            runtime,
            require_principal(request),
            keyring(request),
            case_id,
            CaseStatus(data.to),
            Outcome(data.outcome) if data.outcome else None,
        )
        return await updated(request, case_id)

    @put(
        "/cases/{case_id:str}/assignee",
        opt=WRITE,
        dto=StrictBody[AssigneeChange],
        return_dto=None,
        responses=CHANGE_ERRORS,
        summary="Assign or release a case",
    )
    async def assign(request: Request, case_id: CaseId, data: JSONBody[AssigneeChange]) -> CaseUpdated:
        """Officers take (their own id) or release (null) a case; supervisors assign any case reader."""
        await actions.assign(runtime, require_principal(request), case_id, data.officer_id)
        return await updated(request, case_id)

    @post(
        "/cases/{case_id:str}/notes",
        opt=WRITE,
        dto=StrictBody[NewText],
        return_dto=None,
        responses=CHANGE_ERRORS,
        summary="Add an internal note",
    )
    async def note(request: Request, case_id: CaseId, data: JSONBody[NewText]) -> Created:
        """Sealed to the directorate; never shown to the reporter."""
        return Created(id=await actions.add_note(runtime, require_principal(request), case_id, data.text))

    @post(
        "/cases/{case_id:str}/replies",
        opt=WRITE,
        dto=StrictBody[NewReply],
        return_dto=None,
        responses=CHANGE_ERRORS,
        summary="Reply to the reporter",
    )
    async def reply(request: Request, case_id: CaseId, data: JSONBody[NewReply]) -> Created:
        """Sealed to the directorate and to the reporter's follow-up key; texted (a notice only) if asked.
        A ``template`` is sent in the reporter's language (docs/officer.md, "Help with the reporter's language")."""
        principal = require_principal(request)
        text = await reply_text(runtime, principal, case_id, data.template, data.text)
        return Created(id=await actions.reply(runtime, principal, keyring(request), case_id, text))

    @post(
        "/cases/{case_id:str}/referrals",
        opt=WRITE,
        dto=StrictBody[NewReferral],
        return_dto=None,
        responses=CHANGE_ERRORS,
        summary="Record a referral",
    )
    async def referral(request: Request, case_id: CaseId, data: JSONBody[NewReferral]) -> Created:
        return Created(
            id=await actions.add_referral(
                runtime, require_principal(request), case_id, data.partner, data.referred_on, data.reference
            )
        )

    @post(
        "/cases/{case_id:str}/referrals/{referral_id:str}/answer",
        opt=WRITE,
        dto=StrictBody[NewText],
        return_dto=None,
        responses=CHANGE_ERRORS,
        summary="Record a partner's answer to a referral",
    )
    async def referral_answer(
        request: Request, case_id: CaseId, referral_id: ReferralId, data: JSONBody[NewText]
    ) -> Created:
        """Sealed like a note (it can name the worker); the audit entry names the partner, not the answer."""
        return Created(
            id=await actions.record_referral_answer(
                runtime, require_principal(request), case_id, referral_id, data.text
            )
        )

    @put(
        "/cases/{case_id:str}/legal-hold",
        opt=declare(Permission.LEGAL_HOLD),
        dto=StrictBody[LegalHold],
        return_dto=None,
        responses=CHANGE_ERRORS,
        summary="Place or lift a legal hold (supervisors)",
    )
    async def legal_hold(request: Request, case_id: CaseId, data: JSONBody[LegalHold]) -> CaseUpdated:
        """Needs a reason (sealed as a note) and ``confirm: true``; the audit entry keeps the note's id only."""
        await actions.set_legal_hold(runtime, require_principal(request), keyring(request), case_id, data.on,
                                     reason=data.reason, confirmed=data.confirm)
        return await updated(request, case_id)

    @put(
        "/cases/{case_id:str}/triage",
        opt=WRITE,
        dto=StrictBody[TriageOverride],
        return_dto=None,
        responses=CHANGE_ERRORS,
        summary="Override the automatic triage",
    )
    async def override(request: Request, case_id: CaseId, data: JSONBody[TriageOverride]) -> CaseUpdated:
        """The automatic decision is kept; the reason code is audited, the explanation sealed."""
        await actions.override_triage(
            runtime,
            require_principal(request),
            case_id,
            categories=tuple(dict.fromkeys(data.categories)),
            urgency=data.urgency,
            reason=OverrideReason(data.reason),
            explanation=data.explanation,
        )
        return await updated(request, case_id)

    @put(
        "/cases/{case_id:str}/waiting",
        opt=WRITE,
        dto=StrictBody[Waiting],
        return_dto=None,
        responses=CHANGE_ERRORS,
        summary="Wait for the reporter, an interpreter or a partner, or restart the clock",
    )
    async def waiting(request: Request, case_id: CaseId, data: JSONBody[Waiting]) -> CaseUpdated:
        """Reporter and partner stop the clock (the case is not breached meanwhile); an interpreter request runs
        its own clock. ``null`` ends the wait, and the time spent waiting moves the case's deadline."""
        what = WaitingFor(data.waiting_for) if data.waiting_for else None
        await actions.set_waiting(runtime, require_principal(request), case_id, what)
        return await updated(request, case_id)

    return [queue, case, evidence, change_status, assign, note, reply, referral, referral_answer, legal_hold, override,
            waiting]
