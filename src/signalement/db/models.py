"""Tables. Anything a reporter wrote is a sealed envelope here, never a column of text.

Clear columns are triage metadata only (category, urgency, province, channel,
language) and coarse times: a reporter's times are truncated to the hour,
because an exact timestamp can be matched against a phone's call log or a
building's door log.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on both SQLite (which has no time zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if getattr(dialect, "name", "") == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def coarse_hour(moment: dt.datetime | None = None) -> dt.datetime:
    """Truncate to the hour: enough for a 24-hour SLA, too coarse to match a call log."""
    moment = moment or utcnow()
    return moment.replace(minute=0, second=0, microsecond=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(enum.StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    RESEARCHER = "researcher"


class CaseStatus(enum.StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    ASSESSING = "assessing"
    REFERRED = "referred"
    INSPECTION = "inspection"
    CLOSED = "closed"


class Officer(Base):
    """A staff account. Its credential row holds the wrapped keys; this row holds who they are."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    credential: Mapped[OfficerCredential | None] = relationship(
        back_populates="officer", cascade="all, delete-orphan", uselist=False, lazy="raise"
    )


class OfficerCredential(Base):
    """The officer's secrets, sealed under a key derived from their password (Argon2id).

    Opening the blob *is* the password check. It holds the TOTP secret and, for
    roles that read cases, the directorate master private key. Deleting the row
    removes the officer's copy of the key.
    """

    __tablename__ = "officer_credentials"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), primary_key=True)
    kdf: Mapped[dict[str, object]] = mapped_column(JSON)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    holds_master_key: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # 0008: HMAC under the staff keys (outside the database) over the officer's id, name, role, region and this
    # row: a row written by a database insider, or a role raised by an UPDATE, does not sign in.
    mac: Mapped[str | None] = mapped_column(String(80))

    officer: Mapped[Officer] = relationship(back_populates="credential")


class KeyEpoch(Base):
    """Bookkeeping for a key epoch. The keys themselves live in the key store, not here:
    a database backup must never carry what opens it."""

    __tablename__ = "key_epochs"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))  # directorate | retention
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    destroy_after: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_code: Mapped[str] = mapped_column(String(16), unique=True)
    # Idempotency: "web:<client id>", "sms:<MessageSid>", "voice:<CallSid>".
    submission_key: Mapped[str] = mapped_column(String(96), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    province: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.NEW)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    outcome: Mapped[str | None] = mapped_column(String(32))

    urgency: Mapped[str] = mapped_column(String(16))
    urgency_rank: Mapped[int] = mapped_column(Integer)
    categories: Mapped[int] = mapped_column(BigInteger, default=0)  # bit mask, see triage.taxonomy
    danger_now: Mapped[bool] = mapped_column(Boolean, default=False)
    police_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_urgency: Mapped[str] = mapped_column(String(16))
    auto_categories: Mapped[int] = mapped_column(BigInteger, default=0)
    rules_fingerprint: Mapped[str | None] = mapped_column(String(16))  # rules behind auto_*
    triage_reasons: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    referral_suggestions: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    employer_index: Mapped[str | None] = mapped_column(String(80))
    # 0019: a keyed MinHash of the employer's name (vault.blind): tells a spelling variant from another
    # employer when two possible duplicates name employers whose indexes differ. Never an index.
    employer_sketch: Mapped[str | None] = mapped_column(String(300))

    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # hour-truncated
    # The deadline the case works against now (``deadlines``): first response, then resolution; frozen while
    # waiting for the reporter or a partner; the interpreter's own deadline while one is requested (0017).
    sla_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    first_response_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    waiting_for: Mapped[str | None] = mapped_column(String(16))  # reporter | interpreter | partner
    waiting_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    purge_after: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Receipt: the secret is checked with Argon2id(secret, pepper); the follow-up
    # public key lets officers seal replies only the reporter can open.
    contact_pref: Mapped[str] = mapped_column(String(8), default="code")
    receipt_kdf: Mapped[dict[str, object]] = mapped_column(JSON)
    receipt_verifier: Mapped[bytes] = mapped_column(LargeBinary)
    followup_public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # 0008: HMAC under the follow-up MAC keys (outside the database) over the case id, suite and the key
    # above: nothing is sealed to a follow-up key that a database insider swapped in.
    followup_key_mac: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (
        Index("ix_cases_queue", "is_open", "urgency_rank", "sla_due_at", "id"),
        Index("ix_cases_status_queue", "status", "urgency_rank", "sla_due_at", "id"),
        Index("ix_cases_province_queue", "is_open", "province", "urgency_rank", "sla_due_at", "id"),
        Index("ix_cases_region_queue", "is_open", "region", "urgency_rank", "sla_due_at", "id"),
        Index("ix_cases_channel_queue", "is_open", "channel", "urgency_rank", "sla_due_at", "id"),
        Index("ix_cases_language_queue", "is_open", "language", "urgency_rank", "sla_due_at", "id"),
        Index("ix_cases_assignee_queue", "assignee_id", "is_open", "urgency_rank", "sla_due_at", "id"),
        Index("ix_cases_employer_queue", "employer_index", "urgency_rank", "sla_due_at", "id"),
        Index("ix_cases_purge", "purge_after"),
        # 0005: one partial index per triage category, so a category filter walks only that category's
        # cases in queue order. Bit i is triage.CATEGORIES[i] (the schema must not import the
        # application; tests/unit/officer/test_queue_shape.py keeps the two lists equal).
        *(Index(f"ix_cases_cat_{code}", "is_open", "urgency_rank", "sla_due_at", "id",
                postgresql_where=text(f"(categories & {1 << bit}) <> 0"),
                sqlite_where=text(f"(categories & {1 << bit}) <> 0"))
          for bit, code in enumerate((
              "wages", "hours_rest", "job_mismatch", "health_safety", "housing", "documents", "confinement",
              "physical_abuse", "sexual_abuse", "psychological_abuse", "status_threats", "reprisal",
              "recruitment_fees", "financial_abuse", "other"))),
        # 0005: possible duplicates are looked for among cases received near the same time in a province.
        Index("ix_cases_province_received", "province", "received_at"),
        # 0012: danger-now cases lead each urgency in the queue; only they are in this index, in queue order.
        Index("ix_cases_danger_queue", "is_open", "urgency_rank", "sla_due_at", "id",
              postgresql_where=text("danger_now"), sqlite_where=text("danger_now")),
        # metrics.casework reads a period's cases from this index alone (0013).
        Index("ix_cases_research", "received_at", "urgency", "channel", "language", "sla_due_at", "id"),
    )


class CaseField(Base):
    """One sealed value of a case: narrative, structured answers, employer, phone..."""

    __tablename__ = "case_fields"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), index=True)
    envelope: Mapped[bytes] = mapped_column(LargeBinary)


class Message(Base):
    """A message in the case thread, sealed to the directorate and, for the reporter's eyes, to
    the reporter's follow-up key."""

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(8))  # reporter | officer
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # hour-truncated for reporter messages
    submission_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    key_id: Mapped[str] = mapped_column(String(32), index=True)
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    reporter_envelope: Mapped[bytes | None] = mapped_column(LargeBinary)
    seq: Mapped[int] = mapped_column(Integer, default=0)

    # metrics.casework: the first officer reply and whether the reporter followed up, from this index alone (0013).
    __table_args__ = (Index("ix_messages_research", "case_id", "author", "created_at"),)


class Note(Base):
    """An officer's internal note; sealed, never shown to the reporter."""

    __tablename__ = "notes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16), default="note")  # note | override | legal_hold | answer
    # 0019: a partner's answer (kind "answer") names the referral it answers; sealed like any note.
    referral_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    key_id: Mapped[str] = mapped_column(String(32), index=True)
    envelope: Mapped[bytes] = mapped_column(LargeBinary)


class Evidence(Base):
    """An encrypted file. The body is chunked AES-256-GCM under a data key; the data key is sealed.

    ``case_id`` is empty while the reporter is still filling the form; ``draft_case_id``
    is the id the case will have, to which the seal is already bound.
    """

    __tablename__ = "evidence"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    draft_case_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # image | pdf
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(BigInteger)
    staged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # hour-truncated
    key_id: Mapped[str] = mapped_column(String(32), index=True)
    key_envelope: Mapped[bytes] = mapped_column(LargeBinary)
    stream_header: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceChunk(Base):
    __tablename__ = "evidence_chunks"

    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Referral(Base):
    __tablename__ = "referrals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    partner: Mapped[str] = mapped_column(String(32))
    referred_on: Mapped[str] = mapped_column(String(10))  # ISO date
    # Emptied since 0008: a partner's file number can identify the worker there, so it is sealed below.
    reference: Mapped[str] = mapped_column(String(64), default="")
    key_id: Mapped[str | None] = mapped_column(String(32), index=True)
    reference_envelope: Mapped[bytes | None] = mapped_column(LargeBinary)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Append-only, hash-chained: each entry's MAC covers the previous entry's MAC."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48), index=True)
    object_type: Mapped[str] = mapped_column(String(24), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    key_id: Mapped[str] = mapped_column(String(32))
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))

    # metrics.casework: each case's first status change, from this index alone (0013).
    __table_args__ = (Index("ix_audit_log_research", "action", "object_id", "at"),)


class OutboxJob(Base):
    """Work to do after a commit, written in the same transaction as the change that needs it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    dedupe_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_outbox_due", "status", "run_after"),)


class SmsSession(Base):
    """An SMS conversation in progress (0011), found by a keyed HMAC of the phone number.

    ``state`` is encrypted under a key derived from the blind-index key and the number itself
    (``channels.lockbox``): the database holds no number, no answer and no text in clear. Only the
    hour after which the row may go is clear; the exact idle deadline is inside the state."""

    __tablename__ = "sms_sessions"

    phone_index: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)  # optimistic lock between replicas
    state: Mapped[bytes] = mapped_column(LargeBinary)
    delete_after: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class VoiceCall(Base):
    """A phone call in progress (0016), found by a keyed HMAC of its CallSid.

    ``state`` is encrypted under a key derived from the blind-index key and the CallSid itself
    (``channels.lockbox``): no number (hidden callers work the same), no answer and no CallSid in
    clear. Deleted when the call ends; ``delete_after`` (rounded to the hour) catches the rest."""

    __tablename__ = "voice_calls"

    call_index: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)  # optimistic lock between replicas
    state: Mapped[bytes] = mapped_column(LargeBinary)
    delete_after: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class TwilioWebhook(Base):
    """One effect per Twilio webhook (0011): a keyed HMAC of MessageSid, CallSid + step or RecordingSid.

    A replay finds the row and gets the same reply, which is encrypted under a key derived from the
    signed request (it can hold a receipt); ``reply`` is empty while the first delivery is handled."""

    __tablename__ = "twilio_webhooks"

    sid_index: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    reply: Mapped[bytes | None] = mapped_column(LargeBinary)
    delete_after: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class FunnelCount(Base):
    """How many times a usability event happened in one cell: never one row per visitor or per page view.

    A cell is (hour, event, step or field *name*, channel, language, experiment arm, time-to-complete
    bucket). No case id, no visitor id, no free text. Written by ``metrics.events`` in one transaction
    per flush (0010 replaced the row-per-event ``funnel_events``)."""

    __tablename__ = "funnel_counts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    hour: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    event: Mapped[str] = mapped_column(String(24))
    step: Mapped[str] = mapped_column(String(24), default="")
    field: Mapped[str] = mapped_column(String(24), default="")
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    variant: Mapped[str] = mapped_column(String(32), default="")
    duration: Mapped[int] = mapped_column(Integer, default=0)  # metrics.events.DURATION_EDGES bucket; 0: none
    count: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        Index("ux_funnel_counts_cell", "hour", "event", "step", "field", "channel", "language", "variant",
              "duration", unique=True),
    )


class FunnelDay(Base):
    """The same cells as ``FunnelCount`` with the hour coarsened to its UTC day (0013).

    ``metrics.rollup`` moves hourly cells older than ``metrics_hourly_days`` here, in the flush's
    transaction: a count lives in exactly one of the two tables, so the research pages read a year as
    days (a few hundred thousand rows at 50,000 reports a year, not one and a half million hours), and a
    small hourly count stops lining up with a case's received hour once its day is old enough."""

    __tablename__ = "funnel_days"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    event: Mapped[str] = mapped_column(String(24))
    step: Mapped[str] = mapped_column(String(24), default="")
    field: Mapped[str] = mapped_column(String(24), default="")
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    variant: Mapped[str] = mapped_column(String(32), default="")
    duration: Mapped[int] = mapped_column(Integer, default=0)
    count: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        # Cell columns first: the research query groups by them and reads this index alone, in order (an
        # index on the day alone tempted SQLite's planner into a sort of every day cell: 4x slower).
        Index("ux_funnel_days_cell", "event", "step", "field", "channel", "language", "variant", "duration",
              "day", unique=True),
    )


class FeedbackComment(Base):
    """A "was this easy?" comment: scrubbed, then sealed to the research key, kept for a set number of days.

    The day (never the hour) is all the time it carries, so it cannot be matched to a case's received
    hour. ``envelope`` opens only with the research key (``metrics.comments``)."""

    __tablename__ = "feedback_comments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    page: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    easy: Mapped[bool] = mapped_column(Boolean)
    key_id: Mapped[str] = mapped_column(String(32))
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)


__all__ = [
    "AuditEntry",
    "Base",
    "Case",
    "CaseField",
    "CaseStatus",
    "Evidence",
    "EvidenceChunk",
    "FeedbackComment",
    "FunnelCount",
    "FunnelDay",
    "KeyEpoch",
    "Message",
    "Note",
    "Officer",
    "OfficerCredential",
    "OutboxJob",
    "Referral",
    "Role",
    "SmsSession",
    "VoiceCall",
    "TwilioWebhook",
    "coarse_hour",
    "new_id",
    "utcnow",
]


class ResearchSnapshot(Base):
    """One research report, computed off the request path and stored already suppressed (0015).

    ``metrics.snapshots`` recomputes each dashboard window on the housekeeping timer and upserts it by
    ``scope`` (``"365::"``: days, channel, language); ``/research/`` and its exports render the latest.
    ``body`` is the ``aggregates.Report`` as JSON: every count in it is already ``"<k"`` below ``k``."""

    __tablename__ = "research_snapshots"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary)
