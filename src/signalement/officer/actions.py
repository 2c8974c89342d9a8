"""Changing a case: workflow steps, assignment, notes, replies, referrals, legal hold, triage overrides.

Each action runs in one transaction that locks the case row, checks the
caller may see it (``NotFoundError`` otherwise), checks the workflow, makes
the change, appends the audit entry and commits: the change and its record
exist together or not at all. Audit details hold codes and ids only; any
text an officer writes is sealed (notes, replies, an override's reason).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from signalement import audit, deadlines, retention, triage
from signalement.ciphertext_fields import (
    FollowupKeyTamperedError,
    authenticated_followup_recipient,
    message_field,
    next_message_seq,
    note_field,
    referral_reference_field,
)
from signalement.db.models import (
    Case,
    CaseField,
    CaseStatus,
    Message,
    Note,
    Officer,
    Referral,
    Role,
    new_id,
    utcnow,
)
from signalement.errors import ConflictError, ForbiddenError, NotFoundError, SignalementError
from signalement.i18n import gettext
from signalement.notify import SmsJob, queue_sms
from signalement.officer.cases import load_visible
from signalement.officer.workflow import Outcome, OverrideReason, check_transition
from signalement.runtime import Runtime
from signalement.staff.access import Principal
from signalement.triage.definitions import PARTNERS
from signalement.vault.seal import seal
from signalement.vault.unseal import PrivateKeyring

MAX_TEXT = 5_000
MAX_REFERENCE = 64
# "Has something in it": one character outside ECMAScript's whitespace, spelled out so that the API schema's
# pattern (read by JavaScript rules) and this check (Python rules) can never disagree.
VISIBLE_PATTERN = r"[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
VISIBLE = re.compile(VISIBLE_PATTERN)


class ClosedCaseError(ConflictError):
    """A closed case takes no new notes, replies, referrals or triage changes."""

    title = "The case is closed"

    def explain(self) -> str:
        return gettext("This case is closed, so it takes no new notes, replies, referrals, assignments or "
                       "triage changes. Closing is final.")


class InvalidAssigneeError(ConflictError):
    """The assignee is not an active officer or supervisor."""


class FollowupKeyRejectedError(ConflictError):
    """The reporter's key on this case failed its integrity check: nothing was sent, and it is in the audit log."""

    title = "The reporter's key on this case failed its integrity check"


class EmptyTextError(SignalementError):
    """A note or reply must have between 1 and 5,000 characters."""


@asynccontextmanager
async def _editing(
    runtime: Runtime, principal: Principal, case_id: str, *, open_only: bool = True
) -> AsyncIterator[tuple[AsyncSession, Case]]:
    async with runtime.db.writing() as session:
        case = await load_visible(session, principal, case_id, for_update=True)
        if open_only and not case.is_open:
            raise ClosedCaseError
        yield session, case


async def _record(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    case: Case,
    action: str,
    detail: dict[str, object],
) -> None:
    case.updated_at = now = utcnow()
    if deadlines.record_action(runtime.settings, case, action, now):
        detail = {**detail, "first_response": True}
    await audit.append(
        session,
        runtime.audit_keys,
        actor=principal.actor,
        action=action,
        object_type="case",
        object_id=case.id,
        detail=detail,
    )
    await session.commit()


def _text(text: str) -> bytes:
    if len(text) > MAX_TEXT or not VISIBLE.search(text):
        raise EmptyTextError
    return (text.strip() or text).encode()


async def change_status(
    runtime: Runtime,
    principal: Principal,
    keyring: PrivateKeyring,
    case_id: str,
    target: CaseStatus,
    outcome: Outcome | None,
) -> None:
    """One step of the workflow. Closing re-seals the case under its retention epoch."""
    async with _editing(runtime, principal, case_id, open_only=False) as (session, case):
        current = CaseStatus(case.status)
        check_transition(current, target, outcome)
        case.status = target.value
        _follow_status_with_clock(runtime, case, current, target)
        if target is CaseStatus.CLOSED:
            case.is_open, case.outcome, case.closed_at = False, outcome.value if outcome else None, utcnow()
            await retention.seal_for_closure(runtime, session, case, keyring)
        await _record(
            session,
            runtime,
            principal,
            case,
            "case.status",
            {"from": current.value, "to": target.value, "outcome": outcome.value if outcome else None},
        )


def _follow_status_with_clock(runtime: Runtime, case: Case, current: CaseStatus, target: CaseStatus) -> None:
    """"Referred" waits for the partner (the clock stops); leaving it, or closing, ends any wait."""
    now = utcnow()
    if target is CaseStatus.REFERRED:
        deadlines.start_waiting(runtime.settings, case, deadlines.Waiting.PARTNER, now)
    elif target is CaseStatus.CLOSED or (
        current is CaseStatus.REFERRED and case.waiting_for == deadlines.Waiting.PARTNER
    ):
        deadlines.stop_waiting(runtime.settings, case, now)


class WaitingUnchangedError(ConflictError):
    """The case already waits for that (or already waits for nothing)."""

    title = "The case already waits for that"

    def explain(self) -> str:
        return gettext("The case was already in that state; nothing changed. Reload the case to see it.")


async def set_waiting(
    runtime: Runtime, principal: Principal, case_id: str, what: deadlines.Waiting | None
) -> None:
    """Start waiting for the reporter, an interpreter or a partner (``what``), or stop waiting (``None``)."""
    async with _editing(runtime, principal, case_id) as (session, case):
        previous = case.waiting_for
        if previous == (what.value if what else None):
            raise WaitingUnchangedError(str(what))
        if what is None:
            deadlines.stop_waiting(runtime.settings, case, utcnow())
        else:
            deadlines.start_waiting(runtime.settings, case, what, utcnow())
        await _record(session, runtime, principal, case, "case.clock",
                      {"from": previous, "to": what.value if what else None})


async def assign(runtime: Runtime, principal: Principal, case_id: str, assignee_id: int | None) -> None:
    """Officers take or release a case themselves; supervisors assign to anyone who reads cases."""
    if principal.role is Role.OFFICER and assignee_id not in (None, principal.officer_id):
        raise ForbiddenError("officers assign cases only to themselves")
    async with _editing(runtime, principal, case_id) as (session, case):
        if assignee_id is not None:
            target = await session.get(Officer, assignee_id)
            if target is None or not target.active or target.role not in (Role.OFFICER, Role.SUPERVISOR):
                raise InvalidAssigneeError
        if (
            principal.role is Role.OFFICER
            and assignee_id is None
            and case.assignee_id != principal.officer_id
        ):
            raise ForbiddenError("officers release only their own cases")
        previous = case.assignee_id
        case.assignee_id = assignee_id
        await _record(session, runtime, principal, case, "case.assign", {"from": previous, "to": assignee_id})


async def add_note(
    runtime: Runtime, principal: Principal, case_id: str, text: str, *, kind: str = "note"
) -> str:
    plain = _text(text)
    async with _editing(runtime, principal, case_id) as (session, case):
        note_id = _add_note(session, runtime, principal, case, plain, kind)
        await _record(session, runtime, principal, case, "case.note", {"note": note_id, "kind": kind})
    return note_id


def _add_note(
    session: AsyncSession, runtime: Runtime, principal: Principal, case: Case, plain: bytes, kind: str,
    referral_id: str | None = None,
) -> str:
    recipient = runtime.public_keys.current
    note_id = new_id()
    session.add(
        Note(
            id=note_id,
            case_id=case.id,
            officer_id=principal.officer_id,
            kind=kind,
            referral_id=referral_id,
            created_at=utcnow(),
            key_id=recipient.key_id,
            envelope=seal(plain, recipient, case_id=case.id, field=note_field(note_id)),
        )
    )
    return note_id


async def reply(
    runtime: Runtime, principal: Principal, keyring: PrivateKeyring, case_id: str, text: str
) -> str:
    """A message to the reporter: sealed to the directorate and to the reporter's follow-up key.

    If the reporter asked for texts, a notice (no content) goes out through the outbox, in this
    same transaction: the reply and the notice exist together or not at all.
    """
    plain = _text(text)
    try:
        return await _reply(runtime, principal, keyring, case_id, plain)
    except FollowupKeyTamperedError:
        # A database insider may have put their own key there to read replies: refuse, and say so.
        async with runtime.db.writing() as session:
            await audit.append(session, runtime.audit_keys, actor=principal.actor,
                               action="case.followup_key_rejected", object_type="case", object_id=case_id)
            await session.commit()
        raise FollowupKeyRejectedError from None


async def _reply(runtime: Runtime, principal: Principal, keyring: PrivateKeyring, case_id: str, plain: bytes) -> str:
    async with _editing(runtime, principal, case_id) as (session, case):
        directorate = runtime.public_keys.current
        reporter = authenticated_followup_recipient(
            runtime.followup_mac_keys, case.id, str(case.receipt_kdf.get("suite", runtime.suite.value)),
            case.followup_public_key, case.followup_key_mac,
        )
        message_id = new_id()
        field = message_field(message_id)
        session.add(
            Message(
                id=message_id,
                case_id=case.id,
                author="officer",
                officer_id=principal.officer_id,
                channel="web",
                created_at=utcnow(),
                seq=await next_message_seq(session, case.id),
                key_id=directorate.key_id,
                envelope=seal(plain, directorate, case_id=case.id, field=field),
                reporter_envelope=seal(plain, reporter, case_id=case.id, field=field),
            )
        )
        await session.flush()
        texted = False
        if case.contact_pref == "sms":
            phone = await session.scalar(
                select(CaseField.envelope).where(CaseField.case_id == case.id, CaseField.name == "phone")
            )
            if phone is not None:
                to = keyring.open(phone, case_id=case.id, field="phone").decode()
                await queue_sms(
                    session, runtime.public_keys.worker, SmsJob(to=to, language=case.language), ref=message_id
                )
                texted = True
        await _record(session, runtime, principal, case, "case.reply", {"message": message_id, "sms": texted})
    return message_id


async def add_referral(
    runtime: Runtime, principal: Principal, case_id: str, partner: str, referred_on: dt.date, reference: str
) -> str:
    if partner not in PARTNERS or len(reference) > MAX_REFERENCE or "\x00" in reference:
        raise SignalementError("unknown partner or reference too long")
    async with _editing(runtime, principal, case_id) as (session, case):
        referral_id = new_id()
        recipient = runtime.public_keys.current
        session.add(
            Referral(
                id=referral_id,
                case_id=case.id,
                partner=partner,
                referred_on=referred_on.isoformat(),
                reference="",  # sealed below: a partner's file number can identify the worker there
                key_id=recipient.key_id,
                reference_envelope=seal(reference.strip().encode(), recipient, case_id=case.id,
                                        field=referral_reference_field(referral_id)),
                officer_id=principal.officer_id,
            )
        )
        await _record(
            session, runtime, principal, case, "case.referral", {"referral": referral_id, "partner": partner}
        )
    return referral_id


async def record_referral_answer(
    runtime: Runtime, principal: Principal, case_id: str, referral_id: str, text: str
) -> str:
    """A partner's answer to a referral: free text (it can name the worker), so a sealed note that names the
    referral. The audit entry says which partner answered, never what."""
    plain = _text(text)
    async with _editing(runtime, principal, case_id) as (session, case):
        referral = await session.scalar(
            select(Referral).where(Referral.id == referral_id[:32], Referral.case_id == case.id)
        )
        if referral is None:
            raise NotFoundError
        note_id = _add_note(session, runtime, principal, case, plain, "answer", referral_id=referral.id)
        await _record(session, runtime, principal, case, "case.referral_answer",
                      {"referral": referral.id, "partner": referral.partner, "note": note_id})
    return note_id


class HoldReasonMissingError(SignalementError):
    """Placing or lifting a legal hold needs a written reason."""

    title = "A legal hold needs a reason"

    def explain(self) -> str:
        return gettext("Write why the legal hold is placed or lifted (for example the file or the request it "
                       "answers). The reason is kept encrypted with the case.")


class HoldNotConfirmedError(SignalementError):
    """Placing or lifting a legal hold needs an explicit confirmation."""

    title = "A legal hold needs a confirmation"

    def explain(self) -> str:
        return gettext("Tick the box that confirms the legal hold change, then send the form again.")


class HoldUnchangedError(ConflictError):
    """The hold is already in the state asked for (a second click, or a colleague was faster)."""

    title = "The legal hold is already in that state"

    def explain(self) -> str:
        return gettext("The legal hold was already in that state; nothing changed. Reload the case to see it.")


async def set_legal_hold(
    runtime: Runtime,
    principal: Principal,
    keyring: PrivateKeyring,
    case_id: str,
    on: bool,
    *,
    reason: str,
    confirmed: bool,
) -> str:
    """Legal hold keeps a closed case out of purge (its values move to a hold epoch).

    It needs a reason and a confirmation: a hold overrides the retention promise made to the reporter,
    and lifting one lets a case be destroyed. The reason is sealed as a note (``kind="legal_hold"``);
    the audit entry holds the note's id, never the words (a court file number can identify people).
    """
    if not confirmed:
        raise HoldNotConfirmedError
    if len(reason) > MAX_TEXT or not VISIBLE.search(reason):
        raise HoldReasonMissingError
    async with _editing(runtime, principal, case_id, open_only=False) as (session, case):
        if case.legal_hold == on:
            raise HoldUnchangedError("legal hold already " + ("on" if on else "off"))
        # Sealed first and flushed, so a closed case's re-seal below moves the reason to the hold or
        # retention epoch with everything else: it is destroyed with the case, never outlives it.
        note_id = _add_note(session, runtime, principal, case, _text(reason), "legal_hold")
        await session.flush()
        await retention.set_legal_hold(runtime, session, case, on, keyring)
        await _record(session, runtime, principal, case, "case.legal_hold", {"on": on, "note": note_id})
    return note_id


async def override_triage(
    runtime: Runtime,
    principal: Principal,
    case_id: str,
    *,
    categories: tuple[str, ...],
    urgency: str,
    reason: OverrideReason,
    explanation: str = "",
) -> None:
    """Replace the triage decision. The automatic one (``auto_*``) stays as it was, for comparison."""
    if not categories or urgency not in triage.URGENCY_RANK:
        raise SignalementError("an override needs at least one category and a known urgency")
    categories = tuple(c for c in triage.CATEGORIES if c in set(categories))
    mask = triage.category_mask(categories)
    async with _editing(runtime, principal, case_id) as (session, case):
        before = (case.urgency, case.categories)
        if (urgency, mask) == before:
            raise ConflictError("the override changes nothing")
        changed_urgency = urgency != case.urgency
        case.urgency, case.urgency_rank, case.categories = urgency, triage.URGENCY_RANK[urgency], mask
        if changed_urgency:
            deadlines.urgency_changed(runtime.settings, case)
        note_id = (
            _add_note(session, runtime, principal, case, _text(explanation), "override")
            if explanation.strip()
            else None
        )
        await _record(
            session,
            runtime,
            principal,
            case,
            "case.override",
            {
                "reason": reason.value,
                "urgency_from": before[0],
                "urgency_to": urgency,
                "categories_from": list(triage.categories_from_mask(before[1])),
                "categories_to": list(categories),
                "note": note_id,
            },
        )
