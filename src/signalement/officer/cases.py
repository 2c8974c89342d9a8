"""Reading one case: the object-level check, the audit entry, then decryption on demand.

Opening a case is recorded *before* anything is decrypted, in its own
committed transaction: if the audit entry cannot be written, nobody reads
the story. The entry says who opened which case and how (page, API,
export), never what it says.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from signalement import audit, deadlines
from signalement.ciphertext_fields import (
    STORY_MATCHES,
    TRIAGE_MATCHES,
    join_matches,
    join_story,
    message_field,
    note_field,
    referral_reference_field,
    story_fields,
)
from signalement.db.models import (
    AuditEntry,
    Case,
    CaseStatus,
    Evidence,
    Message,
    Note,
    Officer,
    Referral,
    utcnow,
)
from signalement.errors import NotFoundError
from signalement.intake import Answers
from signalement.officer.related import Related, related_cases
from signalement.officer.visibility import can_see
from signalement.officer.workflow import allowed_next
from signalement.runtime import Runtime
from signalement.staff.access import Principal
from signalement.triage.taxonomy import categories_from_mask
from signalement.vault.unseal import PrivateKeyring

TIMELINE_LIMIT = 200


class MessageView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    author: str
    officer: str | None
    channel: str
    created_at: dt.datetime
    text: str


class NoteView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    officer: str | None
    created_at: dt.datetime
    text: str
    referral_id: str | None = None  # kind "answer": the referral this partner's answer is to


class EvidenceInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    content_type: str
    size: int


class ReferralView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    partner: str
    referred_on: str
    reference: str
    officer: str | None
    answers: tuple[NoteView, ...] = ()  # the partner's answers, oldest first (also among the notes)


class TimelineEntry(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    at: dt.datetime
    actor: str
    action: str
    detail: dict[str, object]


class CaseSummary(msgspec.Struct, frozen=True, kw_only=True):
    """The clear metadata of a case: what the queue already shows."""

    id: str
    case_code: str
    status: str
    outcome: str | None
    urgency: str
    auto_urgency: str
    categories: tuple[str, ...]
    auto_categories: tuple[str, ...]
    channel: str
    language: str
    province: str | None
    region: str | None
    received_at: dt.datetime
    sla_due_at: dt.datetime
    # deadlines: what the deadline above is for, and what the case waits for (reporter, partner: clock stopped).
    clock: str  # first_response | resolution | interpreter | stopped | closed
    breached: bool
    first_response_due_at: dt.datetime | None
    first_response_at: dt.datetime | None
    waiting_for: str | None
    waiting_since: dt.datetime | None
    closed_at: dt.datetime | None
    assignee_id: int | None
    assignee: str | None
    legal_hold: bool
    police_flag: bool
    danger_now: bool
    contact_pref: str
    employer_index: str | None
    triage_reasons: list[dict[str, object]]
    referral_suggestions: list[dict[str, object]]
    next_statuses: tuple[str, ...]


class CaseDetail(msgspec.Struct, frozen=True, kw_only=True):
    summary: CaseSummary
    narrative: str
    answers: Answers
    triage_matches: dict[str, list[str]]
    messages: tuple[MessageView, ...]
    notes: tuple[NoteView, ...]
    evidence: tuple[EvidenceInfo, ...]
    referrals: tuple[ReferralView, ...]
    timeline: tuple[TimelineEntry, ...]


async def load_visible(
    session: AsyncSession, principal: Principal, case_id: str, *, for_update: bool = False
) -> Case:
    """The case if the principal may see it; ``NotFoundError`` otherwise, whether or not it exists."""
    stmt = select(Case).where(Case.id == case_id[:32])
    if for_update:
        stmt = stmt.with_for_update()
    case = await session.scalar(stmt)
    if case is None or not can_see(principal, case):
        raise NotFoundError
    return case


async def staff_names(session: AsyncSession) -> dict[int, str]:
    """Display names of every account (a small table: the directorate has a few dozen staff)."""
    return {i: n for i, n in (await session.execute(select(Officer.id, Officer.display_name))).all()}


async def actor_names(session: AsyncSession) -> dict[str, str]:
    """Username (the audit log's ``actor``) → display name, for every account."""
    return {u: n for u, n in (await session.execute(select(Officer.username, Officer.display_name))).all()}


def summarize(case: Case, names: dict[int, str]) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        case_code=case.case_code,
        status=case.status,
        outcome=case.outcome,
        urgency=case.urgency,
        auto_urgency=case.auto_urgency,
        categories=categories_from_mask(case.categories),
        auto_categories=categories_from_mask(case.auto_categories),
        channel=case.channel,
        language=case.language,
        province=case.province,
        region=case.region,
        received_at=case.received_at,
        sla_due_at=case.sla_due_at,
        clock=deadlines.clock_of(case),
        breached=deadlines.is_breached(is_open=case.is_open, due=case.sla_due_at, waiting_for=case.waiting_for,
                                       now=utcnow()),
        first_response_due_at=case.first_response_due_at,
        first_response_at=case.first_response_at,
        waiting_for=case.waiting_for,
        waiting_since=case.waiting_since,
        closed_at=case.closed_at,
        assignee_id=case.assignee_id,
        assignee=names.get(case.assignee_id) if case.assignee_id else None,
        legal_hold=case.legal_hold,
        police_flag=case.police_flag,
        danger_now=case.danger_now,
        contact_pref=case.contact_pref,
        employer_index=case.employer_index,
        triage_reasons=list(case.triage_reasons or []),
        referral_suggestions=list(case.referral_suggestions or []),
        next_statuses=tuple(s.value for s in allowed_next(CaseStatus(case.status))),
    )


async def record_access(
    runtime: Runtime, principal: Principal, case_id: str, action: str, detail: dict[str, object] | None = None
) -> Case:
    """Check access and commit the audit entry for a look at a case, before anything is opened."""
    async with runtime.db.writing() as session:
        case = await load_visible(session, principal, case_id)
        await audit.append(
            session,
            runtime.audit_keys,
            actor=principal.actor,
            action=action,
            object_type="case",
            object_id=case.id,
            detail=detail or {},
        )
        await session.commit()
    return case


class CaseView(msgspec.Struct, frozen=True, kw_only=True):
    """One look at a case: the decrypted detail and the cases related to it (both within the caller's scope)."""

    detail: CaseDetail
    related: Related | None


async def view_case(
    runtime: Runtime,
    principal: Principal,
    keyring: PrivateKeyring,
    case_id: str,
    *,
    via: str,
    action: str = "case.open",
    with_related: bool = True,
    audited_already: bool = False,
) -> CaseView:
    """Check access and commit the audit entry, then read and decrypt everything in one reading session.

    ``audited_already``: this sitting's ``case.open`` of this case is in the log (the page coming back after
    an action); access is still checked, against the case as it is now.
    """
    if audited_already:
        async with runtime.db.reading() as session:
            case = await load_visible(session, principal, case_id)
    else:
        case = await record_access(runtime, principal, case_id, action, {"via": via})
    async with runtime.db.reading() as session:
        names = await staff_names(session)
        fields = await story_fields(session, case.id)
        messages = (
            (await session.execute(select(Message).where(Message.case_id == case.id).order_by(Message.seq)))
            .scalars()
            .all()
        )
        notes = (
            (await session.execute(select(Note).where(Note.case_id == case.id).order_by(Note.created_at, Note.id)))
            .scalars()
            .all()
        )
        evidence = (
            (
                await session.execute(
                    select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.staged_at, Evidence.id)
                )
            )
            .scalars()
            .all()
        )
        referrals = (
            (await session.execute(select(Referral).where(Referral.case_id == case.id).order_by(Referral.created_at)))
            .scalars()
            .all()
        )
        timeline = await case_timeline(session, case.id)
        rel = await related_cases(session, principal, case) if with_related else None
    opened = {name: keyring.open(env, case_id=case.id, field=name) for name, env in fields.items()}
    note_views = tuple(
        NoteView(
            id=n.id,
            kind=n.kind,
            officer=names.get(n.officer_id) if n.officer_id else None,
            created_at=n.created_at,
            text=keyring.open(n.envelope, case_id=case.id, field=note_field(n.id)).decode(),
            referral_id=n.referral_id,
        )
        for n in notes
    )
    detail = CaseDetail(
        summary=summarize(case, names),
        narrative=join_story(opened),
        answers=msgspec.json.decode(opened["answers"], type=Answers) if "answers" in opened else Answers(),
        triage_matches=join_matches({
            name: msgspec.json.decode(plain, type=dict[str, list[str]])
            for name, plain in opened.items()
            if name == TRIAGE_MATCHES or name.startswith(STORY_MATCHES)
        }),
        messages=tuple(
            MessageView(
                id=m.id,
                author=m.author,
                officer=names.get(m.officer_id) if m.officer_id else None,
                channel=m.channel,
                created_at=m.created_at,
                text=keyring.open(m.envelope, case_id=case.id, field=message_field(m.id)).decode(),
            )
            for m in messages
        ),
        notes=note_views,
        evidence=tuple(
            EvidenceInfo(id=e.id, kind=e.kind, content_type=e.content_type, size=e.size) for e in evidence
        ),
        referrals=tuple(
            ReferralView(
                id=r.id,
                partner=r.partner,
                referred_on=r.referred_on,
                reference=(
                    keyring.open(r.reference_envelope, case_id=case.id, field=referral_reference_field(r.id)).decode()
                    if r.reference_envelope is not None
                    else r.reference
                ),
                officer=names.get(r.officer_id) if r.officer_id else None,
                answers=tuple(n for n in note_views if n.kind == "answer" and n.referral_id == r.id),
            )
            for r in referrals
        ),
        timeline=timeline,
    )
    return CaseView(detail=detail, related=rel)


async def case_timeline(session: AsyncSession, case_id: str) -> tuple[TimelineEntry, ...]:
    rows = (
        (
            await session.execute(
                select(AuditEntry)
                .where(AuditEntry.object_type == "case", AuditEntry.object_id == case_id)
                .order_by(AuditEntry.seq.desc())
                .limit(TIMELINE_LIMIT)
            )
        )
        .scalars()
        .all()
    )
    return tuple(
        TimelineEntry(seq=e.seq, at=e.at, actor=e.actor, action=e.action, detail=dict(e.detail or {}))
        for e in rows
    )


async def case_summary(runtime: Runtime, principal: Principal, case_id: str) -> CaseSummary:
    """Metadata only (nothing decrypted, so nothing audited): for redirects and API echoes."""
    async with runtime.db.reading() as session:
        case = await load_visible(session, principal, case_id)
        return summarize(case, await staff_names(session))


async def evidence_for(runtime: Runtime, principal: Principal, case_id: str, evidence_id: str) -> Evidence:
    """Check access to one attachment and commit the audit entry for the look; the caller streams it."""
    async with runtime.db.writing() as session:
        case = await load_visible(session, principal, case_id)
        evidence = await session.scalar(
            select(Evidence).where(Evidence.id == evidence_id[:32], Evidence.case_id == case.id)
        )
        if evidence is None:
            raise NotFoundError
        await audit.append(
            session,
            runtime.audit_keys,
            actor=principal.actor,
            action="evidence.view",
            object_type="case",
            object_id=case.id,
            detail={"evidence": evidence.id},
        )
        await session.commit()
    return evidence
