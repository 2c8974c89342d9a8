"""Intake: every channel's reports and follow-ups come through here.

The web form, the SMS conversation and the voice menu each build a
``Submission`` and call ``IntakeService.submit``. Intake triages the report
in memory, seals everything the reporter wrote to the directorate's public
key, writes the case, and commits; only then does it return the receipt,
which the channel shows, texts or reads aloud.

This module holds public keys, the pepper and the blind-index key. It can
write reports but cannot read one back: there is no directorate private key
anywhere it can reach (``tests/unit/vault/test_tiers.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import cast

import msgspec
from sqlalchemy import LargeBinary, String, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from signalement import deadlines, triage
from signalement.ciphertext_fields import (
    NARRATIVE,
    TRIAGE_MATCHES,
    followup_key_mac,
    followup_recipient,
    message_field,
    next_message_seq,
    story_matches_field,
    story_part_field,
)
from signalement.db.engine import Write
from signalement.db.models import Case, CaseField, CaseStatus, Evidence, Message, coarse_hour, new_id
from signalement.errors import SignalementError, TooManyAttemptsError
from signalement.receipts import (
    ReceiptMaterial,
    check_secret,
    make_receipt_material,
    new_case_code,
    new_secret,
    parse_code,
    parse_secret,
    spend_equal_time,
)
from signalement.runtime import Runtime
from signalement.vault.envelope import SealedValueError, peek_key_id
from signalement.vault.followup import followup_public, open_for_reporter
from signalement.vault.seal import seal
from signalement.vault.suites import SuiteName

CHANNELS = ("web", "sms", "voice")
CONTACT_PREFS = ("none", "code", "sms")
DANGER_ANSWERS = ("yes", "no", "unsure")
MAX_NARRATIVE = 20_000
MAX_SHORT = 200
MAX_MESSAGE = 5_000
MAX_STORY_PARTS = 100
MAX_SEALED_PART = 4 * MAX_NARRATIVE + 4096  # MAX_NARRATIVE characters of UTF-8, sealed with either suite
# The tables intake inserts into with Core statements (see ``IntakeService.submit``).
CASES = cast(Table, Case.__table__)
CASE_FIELDS = cast(Table, CaseField.__table__)
# Every column intake gives a new case, in one constant statement compiled once per process (``Write`` with
# ``params``): building and compiling an INSERT of ~30 values was a third of a Send's CPU outside Argon2id.
CASE_COLUMNS = (
    "id", "case_code", "submission_key", "channel", "language", "province", "region", "status", "is_open",
    "urgency", "urgency_rank", "categories", "danger_now", "police_flag", "auto_urgency", "auto_categories",
    "triage_reasons", "rules_fingerprint", "referral_suggestions", "employer_index", "employer_sketch",
    "received_at", "sla_due_at", "first_response_due_at", "updated_at", "contact_pref", "receipt_kdf",
    "receipt_verifier", "followup_public_key", "paused_seconds", "legal_hold", "followup_key_mac",
)
INSERT_CASE = insert(CASES).values({name: bindparam(f"w_{name}", type_=CASES.c[name].type) for name in CASE_COLUMNS})
FIELD_COLUMNS = ("case_id", "name", "key_id", "envelope")
INSERT_FIELD = insert(CASE_FIELDS).values(
    {name: bindparam(f"w_{name}", type_=CASE_FIELDS.c[name].type) for name in FIELD_COLUMNS}
)
# PostgreSQL: the case and its sealed fields in one statement, which PostgreSQL runs as one transaction, so
# ``write_all`` sends it alone: one round trip where BEGIN, the case, the fields and COMMIT were four, and
# each round trip resumes the request's coroutines on a cache the Argon2id derivation has just emptied.
_NEW_CASE = INSERT_CASE.returning(CASES.c.id).cte("new_case")
_FIELD_ROWS = func.unnest(
    bindparam("w_field_names", type_=ARRAY(String)),
    bindparam("w_field_key_ids", type_=ARRAY(String)),
    bindparam("w_field_envelopes", type_=ARRAY(LargeBinary)),
).table_valued("name", "key_id", "envelope").render_derived(name="field")
INSERT_CASE_WITH_FIELDS = insert(CASE_FIELDS).from_select(
    list(FIELD_COLUMNS), select(_NEW_CASE.c.id, _FIELD_ROWS.c.name, _FIELD_ROWS.c.key_id, _FIELD_ROWS.c.envelope)
).add_cte(_NEW_CASE)


class InvalidSubmissionError(SignalementError):
    """A channel passed intake something no channel should have accepted from a reporter."""


class Answers(msgspec.Struct, frozen=True, kw_only=True):
    """The structured answers, the same on every channel."""

    categories: tuple[str, ...] = ()
    danger_now: str = "no"
    province: str | None = None
    town: str = ""
    employer: str = ""
    recruiter: str = ""
    site: str = ""


class SealedStoryPart(msgspec.Struct, frozen=True, kw_only=True):
    """One text of the reporter's story, sealed to the directorate the moment it arrived
    (``IntakeService.seal_story_part``). Intake files it as it is: it cannot open it again."""

    number: int  # 1, 2, ...: the story's order
    text: bytes  # sealed, field ``narrative:<number>``
    matches: bytes  # sealed, field ``triage_matches:<number>``: the words the triage rules matched
    reading: triage.TextReading  # what triage needs from it when the report is filed, without its words


class Submission(msgspec.Struct, frozen=True, kw_only=True):
    submission_key: str  # "web:<client id>", "sms:<MessageSid>", "voice:<CallSid>": a retry files nothing new
    channel: str
    language: str
    answers: Answers
    narrative: str = ""
    contact_pref: str = "code"
    phone: str | None = None  # E.164; only kept (sealed) when contact_pref == "sms"
    case_id: str | None = None  # pre-allocated by web drafts so staged evidence is already bound to it
    case_code: str | None = None  # pre-generated by web drafts so a retried post shows the same receipt
    secret: str | None = None
    evidence_ids: tuple[str, ...] = ()
    # A story already sealed text by text, bound to ``case_id`` (then ``narrative`` is empty).
    story_parts: tuple[SealedStoryPart, ...] = ()


class Receipt(msgspec.Struct, frozen=True, kw_only=True):
    case_id: str
    case_code: str
    secret: str
    created: bool
    urgency: str


class FollowupAccess(msgspec.Struct, frozen=True, kw_only=True):
    """Proof that someone typed a case's code and secret: the case and the reporter's own key."""

    case_id: str
    suite: str
    followup_private: bytes


class ThreadMessage(msgspec.Struct, frozen=True, kw_only=True):
    author: str
    created_at: str
    text: str


def _validate(sub: Submission) -> None:
    a = sub.answers
    problems = []
    if sub.channel not in CHANNELS:
        problems.append("channel")
    if sub.contact_pref not in CONTACT_PREFS or (sub.contact_pref == "sms") != bool(sub.phone):
        problems.append("contact")
    if a.danger_now not in DANGER_ANSWERS:
        problems.append("danger_now")
    if any(c not in triage.CATEGORIES for c in a.categories):
        problems.append("categories")
    if a.province is not None and a.province not in triage.PROVINCES:
        problems.append("province")
    if len(sub.narrative) > MAX_NARRATIVE or any(len(x) > MAX_SHORT for x in (a.town, a.employer, a.recruiter, a.site)):
        problems.append("length")
    if not 1 <= len(sub.submission_key) <= 96:
        problems.append("submission_key")
    if sub.story_parts and not _parts_fit(sub):
        problems.append("story_parts")
    if problems:
        raise InvalidSubmissionError(",".join(problems))


def _parts_fit(sub: Submission) -> bool:
    """Numbered 1..n, sealed envelopes of a sane size, for a case id chosen ahead, and no clear story beside."""
    parts = sub.story_parts
    if sub.narrative or not sub.case_id or len(parts) > MAX_STORY_PARTS:
        return False
    if [p.number for p in parts] != list(range(1, len(parts) + 1)):
        return False
    try:
        return all(len(b) <= MAX_SEALED_PART and peek_key_id(b) for p in parts for b in (p.text, p.matches))
    except SealedValueError:
        return False


class IntakeService:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    def seal_story_part(self, case_id: str, number: int, text: str, language: str) -> SealedStoryPart:
        """Seal one text of a story to the directorate now, for a report to be filed later as ``case_id``.

        Read by the triage rules first (in memory), so the filed report is triaged on every text; what
        is kept of that reading has no words. Nothing here (or in intake) can open the result.
        """
        if not text or len(text) > MAX_NARRATIVE or not 1 <= number <= MAX_STORY_PARTS:
            raise InvalidSubmissionError("story_part")
        reading, matches = triage.read_text(text, language,
                                            second_opinion=self.rt.settings.triage_second_opinion)
        recipient = self.rt.public_keys.current
        return SealedStoryPart(
            number=number, reading=reading,
            text=seal(text.encode(), recipient, case_id=case_id, field=story_part_field(number)),
            matches=seal(msgspec.json.encode(matches), recipient, case_id=case_id, field=story_matches_field(number)),
        )

    async def submit(self, sub: Submission) -> Receipt:
        """Triage, seal and commit a report; return its receipt only once it is durable."""
        _validate(sub)
        a = sub.answers
        s = self.rt.settings
        decision = triage.classify(triage.TriageInput(
            categories=a.categories, danger_now=a.danger_now, channel=sub.channel, language=sub.language,
            province=a.province, text=sub.narrative, readings=tuple(p.reading for p in sub.story_parts),
        ), second_opinion=s.triage_second_opinion)
        routing = triage.route(a.province, decision, offices={**triage.DEFAULT_REGIONAL_OFFICES,
                                                              **s.regional_office_map})
        received = coarse_hour()
        due = triage.sla_due(decision.urgency, received, immediate_hours=s.sla_immediate_hours,
                             high_business_days=s.sla_high_business_days,
                             standard_business_days=s.sla_standard_business_days)
        case_id = sub.case_id or new_id()
        secret, material = await self._receipt(sub.secret)
        recipient = self.rt.public_keys.current
        reasons = [msgspec.to_builtins(msgspec.structs.replace(r, matched=())) for r in decision.reasons]
        matches = {r.rule: list(r.matched) for r in decision.reasons if r.matched}
        fields: dict[str, bytes] = {
            "answers": msgspec.json.encode(a),
            TRIAGE_MATCHES: msgspec.json.encode(matches),
        }
        if not sub.story_parts:
            fields[NARRATIVE] = sub.narrative.encode()
        if sub.contact_pref == "sms" and sub.phone:
            fields["phone"] = sub.phone.encode()
        employer_index, employer_sketch = (self.rt.blind.employer_fields(a.employer, a.site or a.town)
                                           if a.employer else (None, None))
        # Sealed before the first write, once: a retry after a colliding case code reuses them.
        sealed = [dict(case_id=case_id, name=name, key_id=recipient.key_id,
                       envelope=seal(plain, recipient, case_id=case_id, field=name)) for name, plain in fields.items()]
        for part in sub.story_parts:  # sealed when they arrived, possibly to an earlier epoch
            sealed += [dict(case_id=case_id, name=name, key_id=peek_key_id(envelope), envelope=envelope)
                       for name, envelope in ((story_part_field(part.number), part.text),
                                              (story_matches_field(part.number), part.matches))]

        for attempt in range(5):
            code = sub.case_code if (sub.case_code and attempt == 0) else new_case_code()
            # Core inserts, not ORM objects: the case and its sealed fields are written once and never
            # read back here, so the unit of work (identity map, attribute events) is pure overhead.
            case = dict(
                id=case_id, case_code=code, submission_key=sub.submission_key, channel=sub.channel,
                language=sub.language, province=a.province, region=routing.region, status=CaseStatus.NEW,
                is_open=True, urgency=decision.urgency, urgency_rank=triage.URGENCY_RANK[decision.urgency],
                categories=triage.category_mask(decision.categories), danger_now=a.danger_now == "yes",
                police_flag=decision.police_referral, auto_urgency=decision.urgency,
                auto_categories=triage.category_mask(decision.categories), triage_reasons=reasons,
                rules_fingerprint=triage.rules_fingerprint(),
                referral_suggestions=[msgspec.to_builtins(r) for r in routing.referrals],
                employer_index=employer_index, employer_sketch=employer_sketch,
                received_at=received, sla_due_at=due, first_response_due_at=due, updated_at=received,
                contact_pref=sub.contact_pref, receipt_kdf=material.kdf, receipt_verifier=material.verifier,
                followup_public_key=material.followup_public, paused_seconds=0, legal_hold=False,
                followup_key_mac=followup_key_mac(self.rt.followup_mac_keys, case_id, self.rt.suite.value,
                                                  material.followup_public),
            )
            writes = self._case_writes(case, sealed)
            if sub.evidence_ids:
                writes.append(Write(
                    update(Evidence)
                    .where(Evidence.draft_case_id == case_id, Evidence.case_id.is_(None),
                           or_(*(Evidence.id == evidence_id for evidence_id in sub.evidence_ids)))
                    .values(case_id=case_id)
                ))
            try:
                # One transaction, committed when it returns; on SQLite one call on the writer thread, so the
                # write lock is held for the inserts and the fsync only, never across the event loop.
                await self.rt.db.write_all(writes)
            except IntegrityError:
                existing = await self._by_submission_key(sub.submission_key)
                if existing is not None:
                    # Already filed (a double tap, a retried webhook): same receipt, nothing new.
                    return Receipt(case_id=existing.id, case_code=existing.case_code, secret=secret,
                                   created=False, urgency=existing.urgency)
                continue  # the random case code collided; draw another
            return Receipt(case_id=case_id, case_code=code, secret=secret, created=True, urgency=decision.urgency)
        raise RuntimeError("could not allocate a case code")

    def _case_writes(self, case: Mapping[str, object], sealed: Sequence[Mapping[str, object]]) -> list[Write]:
        """The case's row and its sealed fields: one statement on PostgreSQL, one a row on SQLite (whose writes
        run back to back on its writer thread, where a statement costs microseconds and no round trip)."""
        params = {f"w_{name}": value for name, value in case.items()}
        if self.rt.db.is_postgres:
            params.update(w_field_names=[row["name"] for row in sealed],
                          w_field_key_ids=[row["key_id"] for row in sealed],
                          w_field_envelopes=[row["envelope"] for row in sealed])
            return [Write(INSERT_CASE_WITH_FIELDS, params)]
        return [Write(INSERT_CASE, params),
                *(Write(INSERT_FIELD, {f"w_{name}": value for name, value in row.items()}) for row in sealed)]

    async def _receipt(self, secret: str | None) -> tuple[str, ReceiptMaterial]:
        """The receipt's secret and what the case stores of it. A channel that brings no secret of its own (SMS,
        voice) gets one derived ahead (``receipt_reserve``), popped so it is never handed out twice; with none
        ready, or a secret chosen earlier (the web draft's), Argon2id runs now, on the request's path."""
        if secret is None and (reserved := self.rt.receipt_reserve.take()) is not None:
            assert isinstance(reserved.material, ReceiptMaterial)  # receipts.new_receipt made it (app startup)
            return reserved.secret, reserved.material
        secret = secret or new_secret()
        material = await self.rt.kdf_pool.run(make_receipt_material, secret, self.rt.peppers, self.rt.suite,
                                              self.rt.kdf_costs.receipt)
        return secret, material

    async def _by_submission_key(self, key: str) -> Case | None:
        async with self.rt.db.reading() as session:
            return await session.scalar(select(Case).where(Case.submission_key == key))

    async def open_followup(self, code_text: str, secret_text: str, client: str) -> FollowupAccess | None:
        """Check a code and secret. Unknown codes cost the same time as wrong secrets."""
        throttle = self.rt.guess_throttle
        code = parse_code(code_text)
        secret = parse_secret(secret_text)
        if code is None or secret is None:
            return None  # a typo caught by the check digit: not a guess, not counted
        code_key = self.rt.client_hasher.pseudonym(code, purpose="code")
        if await throttle.client_blocked(client):
            raise TooManyAttemptsError
        delay = await throttle.code_delay(code_key)
        if delay:
            await asyncio.sleep(delay)
        async with self.rt.db.reading() as session:
            row = (await session.execute(
                select(Case.id, Case.receipt_kdf, Case.receipt_verifier).where(Case.case_code == code)
            )).first()
        if row is None:
            await self.rt.kdf_pool.run(spend_equal_time, secret, self.rt.peppers, self.rt.kdf_costs.receipt)
            await throttle.record_failure(client, code_key)
            return None
        private = await self.rt.kdf_pool.run(check_secret, secret, row.receipt_kdf, row.receipt_verifier,
                                             self.rt.peppers)
        if private is None:
            await throttle.record_failure(client, code_key)
            return None
        return FollowupAccess(case_id=row.id, suite=str(row.receipt_kdf.get("suite", self.rt.suite.value)),
                              followup_private=private)

    async def add_message(self, access: FollowupAccess, text: str, *, channel: str,
                          submission_key: str | None = None) -> bool:
        """Add the reporter's message to the thread, sealed to the directorate and to the reporter.

        Returns False if this submission key was already used (a retried post or webhook).
        """
        text = text.strip()
        if not text or len(text) > MAX_MESSAGE:
            raise InvalidSubmissionError("message")
        recipient = self.rt.public_keys.current
        message_id = new_id()
        field = message_field(message_id)
        async with self.rt.db.writing() as session:
            case = await session.get(Case, access.case_id)
            if case is None:
                raise InvalidSubmissionError("case")
            # The key the reporter's own secret derives, never the one in the database: an insider who
            # swapped that one must not get a copy of what the reporter writes.
            reporter_key = followup_recipient(
                followup_public(SuiteName(access.suite), access.followup_private), access.suite
            )
            seq = await next_message_seq(session, case.id)
            session.add(Message(
                seq=seq,
                id=message_id, case_id=case.id, author="reporter", channel=channel, created_at=coarse_hour(),
                submission_key=submission_key, key_id=recipient.key_id,
                envelope=seal(text.encode(), recipient, case_id=case.id, field=field),
                reporter_envelope=seal(text.encode(), reporter_key, case_id=case.id, field=field),
            ))
            case.updated_at = coarse_hour()
            if case.waiting_for == deadlines.Waiting.REPORTER:
                # The reporter answered: the clock that stopped for them runs again. At the hour, like every
                # reporter time: the exact minute they wrote must not be readable from the paused time.
                deadlines.stop_waiting(self.rt.settings, case, coarse_hour())
            try:
                await session.commit()
            except IntegrityError:
                return False
        return True

    async def thread(self, access: FollowupAccess) -> tuple[str, list[ThreadMessage]]:
        """The case status and the messages the reporter may read, opened with their own key."""
        async with self.rt.db.reading() as session:
            status = await session.scalar(select(Case.status).where(Case.id == access.case_id))
            rows = (await session.execute(
                select(Message).where(Message.case_id == access.case_id, Message.reporter_envelope.is_not(None))
                .order_by(Message.seq)
            )).scalars().all()
        out = []
        for m in rows:
            if m.reporter_envelope is None:  # the query excludes these; the check keeps the types honest
                continue
            text = open_for_reporter(m.reporter_envelope, SuiteName(access.suite), access.followup_private,
                                     case_id=m.case_id, field=message_field(m.id)).decode()
            out.append(ThreadMessage(author=m.author, created_at=m.created_at.date().isoformat(), text=text))
        return str(status or ""), out
