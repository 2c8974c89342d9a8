"""Where sealed values live in the database, what each is bound to, and moving them between keys.

Every envelope is bound (HPKE ``info``) to its case id and a field name. This
module is the single definition of those field names, so sealing, opening,
rotation and retention can never disagree about them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from signalement.db.models import CaseField, Evidence, Message, Note, Referral
from signalement.settings import KeyList
from signalement.vault.envelope import SealedValueError
from signalement.vault.keystore import PublicKey
from signalement.vault.seal import seal
from signalement.vault.suites import SuiteName

Opener = Callable[..., bytes]  # (envelope, *, case_id, field) -> plaintext


NARRATIVE = "narrative"
TRIAGE_MATCHES = "triage_matches"
STORY_PART = "narrative:"  # + the part's number: a story sealed one text at a time (SMS)
STORY_MATCHES = "triage_matches:"  # + the part's number: the words the triage rules matched in it


def story_part_field(number: int) -> str:
    return f"{STORY_PART}{number}"


def story_matches_field(number: int) -> str:
    return f"{STORY_MATCHES}{number}"


def _part_number(name: str, prefix: str) -> int | None:
    digits = name.removeprefix(prefix)
    return int(digits) if name.startswith(prefix) and digits.isdigit() else None


def join_story(opened: dict[str, bytes]) -> str:
    """A case's story from its opened fields: the one narrative a web report has, or the parts an SMS
    report was sealed in as they arrived, in order, joined as one text."""
    parts = sorted((n, plain) for name, plain in opened.items() if (n := _part_number(name, STORY_PART)) is not None)
    texts = ([opened[NARRATIVE]] if NARRATIVE in opened else []) + [plain for _, plain in parts]
    return "\n\n".join(t.decode() for t in texts)


def join_matches(opened: dict[str, dict[str, list[str]]]) -> dict[str, list[str]]:
    """The triage rules' matched words over the whole report and each part, merged per rule."""
    merged: dict[str, list[str]] = {}
    for name in sorted(opened, key=lambda k: _part_number(k, STORY_MATCHES) or 0):
        for rule, words in opened[name].items():
            kept = merged.setdefault(rule, [])
            kept.extend(w for w in words if w not in kept)
    return merged


def is_story_field(name: str) -> bool:
    """The story, whole or in parts (not the answers, matches or phone)."""
    return name == NARRATIVE or _part_number(name, STORY_PART) is not None


async def story_fields(session: AsyncSession, case_id: str) -> dict[str, bytes]:
    """The sealed story of a case (whole or in parts), its answers and its triage matches, by field name."""
    rows = await session.execute(
        select(CaseField.name, CaseField.envelope).where(
            CaseField.case_id == case_id,
            or_(CaseField.name.in_((NARRATIVE, "answers", TRIAGE_MATCHES)),
                CaseField.name.startswith(STORY_PART), CaseField.name.startswith(STORY_MATCHES)),
        )
    )
    return {name: env for name, env in rows.all()}


def message_field(message_id: str) -> str:
    return f"message:{message_id}"


def note_field(note_id: str) -> str:
    return f"note:{note_id}"


def evidence_key_field(evidence_id: str) -> str:
    return f"evidence-key:{evidence_id}"


def referral_reference_field(referral_id: str) -> str:
    return f"referral-reference:{referral_id}"


class FollowupKeyTamperedError(SealedValueError):
    """The follow-up public key on a case is not the one intake stored: nothing may be sealed to it."""


def followup_recipient(public: bytes, suite: str) -> PublicKey:
    """The reporter's follow-up key as a seal recipient (its key id is always "followup").

    Only for a key derived from the reporter's own secret; a key read from the database goes through
    ``authenticated_followup_recipient``.
    """
    return PublicKey(key_id="followup", suite=SuiteName(suite), purpose="followup", public=public)


def followup_key_mac(keys: KeyList, case_id: str, suite: str, public: bytes, key_id: str | None = None) -> str:
    """``keyid:hex``: HMAC under the follow-up MAC keys (outside the database) over where the key belongs."""
    kid, key = (key_id, keys.get(key_id)) if key_id else keys.current
    message = b"signalement/followup-key/v1|" + case_id.encode() + b"|" + suite.encode() + b"|" + public
    return f"{kid}:{hmac.new(key, message, hashlib.sha256).hexdigest()}"


def authenticated_followup_recipient(keys: KeyList, case_id: str, suite: str, public: bytes,
                                     mac: str | None) -> PublicKey:
    """The case's follow-up key as a recipient, if its MAC holds; ``FollowupKeyTamperedError`` otherwise.

    A database insider who writes their own public key on a case would otherwise read every reply.
    """
    kid = (mac or "").partition(":")[0]
    try:
        ok = bool(kid) and hmac.compare_digest(followup_key_mac(keys, case_id, suite, public, kid), mac or "")
    except KeyError:
        ok = False
    if not ok:
        raise FollowupKeyTamperedError("the follow-up key on this case was not written by intake")
    return followup_recipient(public, suite)


async def next_message_seq(session: AsyncSession, case_id: str) -> int:
    """Thread order. Reporter messages carry only an hour, so time alone cannot order them."""
    current = await session.scalar(select(func.max(Message.seq)).where(Message.case_id == case_id))
    return (current or 0) + 1


def evidence_binding(case_id: str, evidence_id: str) -> bytes:
    """Authenticated with every chunk of an attachment's body."""
    return f"signalement/evidence/v1|{case_id}|{evidence_id}".encode()


@dataclass(frozen=True)
class SealedColumn:
    model: Any
    envelope_attr: str
    case_of: Callable[[Any], str]
    field_of: Callable[[Any], str]


SEALED_COLUMNS: tuple[SealedColumn, ...] = (
    SealedColumn(CaseField, "envelope", lambda r: r.case_id, lambda r: r.name),
    SealedColumn(Message, "envelope", lambda r: r.case_id, lambda r: message_field(r.id)),
    SealedColumn(Note, "envelope", lambda r: r.case_id, lambda r: note_field(r.id)),
    SealedColumn(Evidence, "key_envelope", lambda r: r.case_id or r.draft_case_id,
                 lambda r: evidence_key_field(r.id)),
    SealedColumn(Referral, "reference_envelope", lambda r: r.case_id, lambda r: referral_reference_field(r.id)),
)


async def count_by_key(session: AsyncSession) -> dict[str, int]:
    """How many live sealed values each key id protects (``keys status``, purge safety checks)."""
    counts: dict[str, int] = {}
    for col in SEALED_COLUMNS:
        rows = await session.execute(select(col.model.key_id, func.count()).group_by(col.model.key_id))
        for kid, n in rows:
            if kid is not None:  # a referral from before 0008 whose reference ``init`` has not sealed yet
                counts[kid] = counts.get(kid, 0) + n
    return counts


def _reseal_row(row: Any, col: SealedColumn, opener: Opener, recipient: PublicKey) -> None:
    case_id, field = col.case_of(row), col.field_of(row)
    plain = opener(getattr(row, col.envelope_attr), case_id=case_id, field=field)
    setattr(row, col.envelope_attr, seal(plain, recipient, case_id=case_id, field=field))
    row.key_id = recipient.key_id


async def reseal_case(session: AsyncSession, case_id: str, opener: Opener, recipient: PublicKey) -> int:
    """Move every sealed value of one case to ``recipient`` (closure, legal hold). Caller commits."""
    moved = 0
    for col in SEALED_COLUMNS:
        case_column = col.model.case_id
        rows = (await session.execute(select(col.model).where(case_column == case_id))).scalars().all()
        for row in rows:
            if row.key_id is not None and row.key_id != recipient.key_id:
                _reseal_row(row, col, opener, recipient)
                moved += 1
    return moved


async def reseal_batch(session: AsyncSession, old_key_id: str, opener: Opener, recipient: PublicKey,
                       limit: int = 200) -> int:
    """Move up to ``limit`` values from ``old_key_id`` to ``recipient`` (rotation). Caller commits."""
    moved = 0
    for col in SEALED_COLUMNS:
        if moved >= limit:
            break
        rows = (await session.execute(
            select(col.model).where(col.model.key_id == old_key_id).limit(limit - moved)
        )).scalars().all()
        for row in rows:
            _reseal_row(row, col, opener, recipient)
            moved += 1
    return moved
