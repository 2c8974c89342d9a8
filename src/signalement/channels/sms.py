"""The SMS channel: one inbound text in, the conversation moved one step, the TwiML reply out.

The path is straight: a replayed MessageSid gets its first reply (``replays``); otherwise load the
number's conversation, read the text into an event (``sms_input``), act on it (file through
``intake.IntakeService``, exactly as the web form does), move by the transition table
(``sms_flow``), and commit the new state, the reply (keyed on the MessageSid, UNIQUE) and a purge
job in one transaction. A report is committed by intake before its receipt is put in any reply.
Each text of the reporter's story is sealed to the directorate (``IntakeService.seal_story_part``)
before that transaction: the conversation holds only envelopes, filed as the case's story parts.
"""

from __future__ import annotations

from sqlalchemy import literal, union_all
from sqlalchemy.exc import IntegrityError
from twilio.twiml.messaging_response import MessagingResponse

from signalement.channels import sms_texts as t
from signalement.channels.lockbox import Lockbox, LockedValueError
from signalement.channels.replays import ReplayLedger
from signalement.channels.signature import SignedForm, public_url_for
from signalement.channels.sms_flow import Event, Step, advance
from signalement.channels.sms_input import Reading, read
from signalement.channels.sms_media import Photos, delete_only, take_photos
from signalement.channels.sms_sessions import Conversation, FollowupKey, Loaded, SessionStore, StaleSessionError
from signalement.db.models import new_id
from signalement.errors import REPORTER_MESSAGES, SignalementError, TooManyAttemptsError
from signalement.evidence import MAX_FILES_PER_CASE
from signalement.evidence_store import attach_if_filed, discard_draft, files_on_case
from signalement.intake import (
    MAX_MESSAGE,
    MAX_NARRATIVE,
    MAX_STORY_PARTS,
    Answers,
    FollowupAccess,
    IntakeService,
    Submission,
)
from signalement.messaging import Inbound, PurgeJob, TwilioProvider, sealed_purge
from signalement.mms import MediaJob, sealed_media
from signalement.outbox import enqueue_once_write
from signalement.receipts import format_code, format_secret
from signalement.runtime import Runtime
from signalement.vault.blind import InvalidPhoneNumberError, normalize_phone

MAX_BODY = 1600  # Twilio's own limit for one inbound text
STATUS_PATH = "/twilio/sms/status"
REPLAY_WAIT_SECONDS = 8.0  # under Twilio's 15-second limit
MAX_OFFICER_TEXT = 1400
PROMPTS = {
    Step.LANGUAGE: None, Step.CATEGORY: t.CATEGORY_MENU, Step.DANGER: t.DANGER, Step.PROVINCE: t.PROVINCE,
    Step.EMPLOYER: t.EMPLOYER, Step.STORY: t.STORY, Step.CONTACT: t.CONTACT, Step.CONFIRM: t.CONFIRM,
    Step.FOLLOWUP: t.FOLLOWUP_MENU,
}
INVALID_TEXT = {"too_long": t.TOO_LONG, "empty": t.STORY_EMPTY, "full": t.STORY_FULL, "not_opened": t.NOT_OPENED,
                "too_many": t.TOO_MANY}


class MalformedWebhookError(SignalementError):
    """A signed webhook without the fields every inbound text has."""


class AlreadyFiledError(Exception):
    """The confirming text was already filed by another delivery of it."""


class SmsChannel:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.lockbox = Lockbox(runtime.settings.key_list("blind_index_keys"))
        self.sessions = SessionStore(runtime.db, self.lockbox, runtime.settings.sms_idle_minutes)
        self.ledger = ReplayLedger(runtime.db, self.lockbox)
        self.intake = IntakeService(runtime)
        self.provider = TwilioProvider(runtime.settings)

    async def receive(self, form: SignedForm) -> str:
        """The TwiML reply to one signed inbound text: the same reply however often it is delivered."""
        inbound = self.provider.parse_inbound(form)
        if inbound is None:
            raise MalformedWebhookError
        key = self.ledger.key("sms", inbound.message_id)
        try:
            phone = normalize_phone(inbound.sender)
        except InvalidPhoneNumberError:
            phone = inbound.sender.strip()[:40]  # a short code or a foreign sender id: still only keyed-hashed
        try:
            async with self.sessions.lock_for(phone):
                return await self._handle(form, inbound, phone, key)
        except LockedValueError:  # the same SID with other content: nothing to repeat, nothing to do
            return str(MessagingResponse())

    def apology(self, *, busy: bool) -> str:
        """What the phone gets when handling a text failed: the web's own calm words (English: the
        conversation's language is not known here). Nothing was kept, so the text can simply be sent again."""
        message = REPORTER_MESSAGES[503 if busy else 500][1]
        return _twiml([t.text("en", message)], public_url_for(self.rt.settings.public_url, STATUS_PATH))

    async def _handle(self, form: SignedForm, inbound: Inbound, phone: str, key: str) -> str:
        status_url = public_url_for(self.rt.settings.public_url, STATUS_PATH)
        for _attempt in range(5):
            ledger, sessions = await self._read(key, phone)
            stored = self.ledger.opened(key, form, ledger)
            if stored is not None:
                return stored  # a replay: this text was handled, here is what we answered
            loaded = self.sessions.loaded(phone, sessions)
            conversation = loaded.conversation
            media_job = delete_only(inbound)
            try:
                replies, media_job = await self._step(conversation, loaded, inbound, phone, key)
            except AlreadyFiledError:
                # Another process filed this very text a moment ago: its reply holds the receipt.
                stored = await self.ledger.wait_for_reply(key, form, REPLAY_WAIT_SECONDS)
                if stored is not None:
                    return stored
                # It crashed after filing: the report is safe, but its secret is gone; say it was received.
                conversation.step = Step.ENDED
                replies = [t.text(conversation.language, t.STATUS["new"])]
            twiml = _twiml(replies, status_url)
            # Everything encrypted and sealed before the write lock: the SQLite writer is shared by every
            # conversation, so the transaction is three Core statements and the commit, nothing else.
            state = self.sessions.seal(phone, loaded, conversation)
            ledger_row = self.ledger.row(key, "sms", form, twiml)
            worker = self.rt.public_keys.worker
            job = (sealed_media(worker, media_job, key) if media_job is not None  # deletes the text at
                   else sealed_purge(worker, PurgeJob(kind="message", sid=inbound.message_id), key))  # Twilio
            writes = [*self.sessions.writes(state), self.ledger.insert_write(ledger_row),
                      enqueue_once_write(job, self.rt.db.dialect)]
            try:
                # One transaction, committed before the reply goes out; on SQLite one call on a writer thread
                # (BEGIN IMMEDIATE, these statements, COMMIT), so the lock is never held across the event loop.
                await self.rt.db.write_all(writes)
            except (StaleSessionError, IntegrityError):
                continue  # another replica handled this text or moved this conversation: look again
            return twiml
        raise StaleSessionError

    async def _read(self, key: str, phone: str) -> tuple[bytes | None, dict[str, tuple[int, bytes]]]:
        """The ledger's reply for this text and the number's conversation rows, in one statement (one round
        trip on PostgreSQL, one snapshot): ``(reply or None, {phone_index: (version, state)})``."""
        rows = await self.rt.db.read_all(union_all(self.ledger.lookup(key).add_columns(literal(True)),
                                                   self.sessions.lookup(phone).add_columns(literal(False))))
        reply = next((blob for _key, blob, _version, is_reply in rows if is_reply), None)
        return reply, {index: (version, blob) for index, blob, version, is_reply in rows if not is_reply}

    async def _step(self, c: Conversation, loaded: Loaded, inbound: Inbound, phone: str,
                    key: str) -> tuple[list[str], MediaJob | None]:
        """Act on one text; ``c`` is changed in place. Returns the texts to send back, and the job for its
        files (photos to keep, files to delete at Twilio), if it had any."""
        replies: list[str] = []
        if loaded.timed_out:
            replies.append(t.text(c.language, t.TIMED_OUT, minutes=self.rt.settings.sms_idle_minutes))
        body = inbound.body[:MAX_BODY]
        reading = read(c.step, body)
        photos = await self._photos(c, inbound, keep=reading.event is not Event.STOP)
        if inbound.media and not body.strip():  # files alone: kept (an answer with no words) or explained
            reading = Reading(event=Event.ANSWER) if photos.kept else Reading(event=Event.INVALID, reason="noted")
        out: list[str] = []
        before = c.step
        reading = await self._act(c, reading, phone, key, out)
        c.step = advance(before, reading.event)
        lang = c.language
        if reading.event is Event.STOP:
            return [t.text(lang, t.STOPPED)], photos.job
        replies.extend(t.text(lang, note, max=MAX_FILES_PER_CASE) for note in photos.notes)
        if reading.event is Event.INVALID and reading.reason != "noted" and (before is not Step.START
                                                                             or reading.reason):
            replies.append(t.text(lang, INVALID_TEXT.get(reading.reason, t.NOT_UNDERSTOOD)))
        elif reading.event is Event.HELP:
            replies.append(t.text(lang, t.HELP))
        if photos.kept and before is Step.FOLLOWUP and t.text(lang, t.FOLLOWUP_ADDED) not in out:
            out.insert(0, t.text(lang, t.FOLLOWUP_ADDED))  # the photos, even with "1" or "0" beside them
        replies.extend(out)
        replies.extend(self._prompt(c, before, reading))
        return replies, photos.job

    async def _photos(self, c: Conversation, inbound: Inbound, *, keep: bool) -> Photos:
        on_case = 0
        if inbound.media and c.step is Step.FOLLOWUP and c.followup is not None:
            on_case = await files_on_case(self.rt.db, c.followup.case_id)
        return take_photos(c, inbound, keep=keep, on_case=on_case)

    def _prompt(self, c: Conversation, before: Step, reading: Reading) -> list[str]:
        step, lang = c.step, c.language
        if step in (Step.ENDED, Step.START):
            return []
        if step is Step.LANGUAGE:
            return [t.LANGUAGE_MENU]
        if step is Step.STORY and reading.event is Event.ANSWER and before is Step.STORY:
            return [t.text(lang, t.STORY_MORE)]
        if step is Step.FOLLOWUP and before is Step.FOLLOWUP and reading.event is not Event.INVALID:
            return []  # the result text already says what to do next
        if step is Step.CONFIRM and before is not Step.CONFIRM:  # sealed words: how many, not what
            return [t.text(lang, t.STORY_COUNT, count=len(c.story)), t.text(lang, t.CONFIRM)]
        message = PROMPTS[step]
        return [t.text(lang, message)] if message else []

    async def _act(self, c: Conversation, r: Reading, phone: str, key: str, out: list[str]) -> Reading:
        """Apply a reading's value or effect (texts for the reply go to ``out``). Returns the reading, or an
        INVALID one when it cannot be used."""
        step, event = c.step, r.event
        if event is Event.STOP:
            await self.sessions.purge(phone)
            await self._discard_photos(c)
            return r
        if event is Event.RECEIPT:
            if step is Step.FOLLOWUP:
                await self._status(c, self._access(c), out)
                return r
            return await self._open(c, r, phone, out)
        if event is Event.ANSWER:
            if step in (Step.START, Step.LANGUAGE) and r.language:
                c.language = r.language
            elif step is Step.CATEGORY:
                c.categories = r.categories
            elif step is Step.DANGER and r.danger_now:
                c.danger_now = r.danger_now
                if r.danger_now != "no":
                    out.append(t.text(c.language, t.CALL_911))
            elif step is Step.PROVINCE:
                c.province = r.province or None
            elif step is Step.EMPLOYER:
                c.employer = r.text or ""
            elif step is Step.STORY and r.text is not None:
                if c.story_chars + len(r.text) > MAX_NARRATIVE or len(c.story) >= MAX_STORY_PARTS:
                    return Reading(event=Event.INVALID, reason="full")
                # Sealed now, before anything is written: the conversation keeps only the envelope.
                c.case_id = c.case_id or new_id()
                c.story.append(self.intake.seal_story_part(c.case_id, len(c.story) + 1, r.text, c.language))
                c.story_chars += len(r.text) + 2
            elif step is Step.CONTACT:
                c.sms_contact = r.text == "yes" and _reachable(phone)
            elif step is Step.FOLLOWUP and r.text is not None:
                return await self._add_message(c, r, key, out)
            return r
        if event is Event.FINISH:
            if step is Step.STORY and not c.story:
                return Reading(event=Event.INVALID, reason="empty")
            if step is Step.CONFIRM:
                await self._file(c, phone, key, out)
            elif step is Step.FOLLOWUP:
                await self._latest_reply(c, out)
            return r
        if event is Event.CANCEL:
            if step is Step.CONFIRM:
                await self._discard_photos(c)
            out.append(t.text(c.language, t.CANCELLED if step is Step.CONFIRM else t.FOLLOWUP_ENDED))
        return r

    async def _file(self, c: Conversation, phone: str, key: str, out: list[str]) -> None:
        receipt = await self.intake.submit(Submission(
            submission_key=f"sms:{key}", channel="sms", language=c.language,
            answers=Answers(categories=c.categories, danger_now=c.danger_now, province=c.province,
                            employer=c.employer),
            story_parts=tuple(c.story),
            contact_pref="sms" if c.sms_contact else "code", phone=phone if c.sms_contact else None,
            case_id=c.case_id, evidence_ids=c.evidence_ids,
        ))
        if not receipt.created:
            raise AlreadyFiledError  # its secret is not ours to give: the first delivery's reply has it
        if c.case_id and c.evidence_ids:  # after intake's commit: photos the worker stored meanwhile
            # (``attach_if_filed``); a report with no photo queued has none to attach: no transaction
            async with self.rt.db.writing() as session:
                await attach_if_filed(session, c.case_id)
                await session.commit()
        # Committed by intake before this line: only now is the receipt put in a reply.
        out.append(t.text(c.language, t.RECEIPT, code=format_code(receipt.case_code),
                                         secret=format_secret(receipt.secret)))

    async def _discard_photos(self, c: Conversation) -> None:
        """Photos already stored for a report that will not be sent; any still on their way are not
        attached to anything and go with the daily purge of staged files."""
        if c.case_id:
            async with self.rt.db.writing() as session:
                await discard_draft(session, c.case_id)
                await session.commit()

    async def _open(self, c: Conversation, r: Reading, phone: str, out: list[str]) -> Reading:
        try:
            access = await self.intake.open_followup(r.code or "", r.secret or "", self.lockbox.phone_index(phone))
        except TooManyAttemptsError:
            return Reading(event=Event.INVALID, reason="too_many")
        if access is None:
            return Reading(event=Event.INVALID, reason="not_opened")
        c.followup = FollowupKey(case_id=access.case_id, suite=access.suite, private=access.followup_private)
        await self._status(c, access, out)
        return r

    async def _status(self, c: Conversation, access: FollowupAccess, out: list[str]) -> None:
        status, messages = await self.intake.thread(access)
        officer = [m for m in messages if m.author == "officer"]
        out.append(t.text(c.language, t.STATUS.get(status, t.STATUS["new"])))
        out.append(t.text(c.language, t.FOLLOWUP_WAITING, count=len(officer)) if officer
                   else t.text(c.language, t.FOLLOWUP_NONE))

    def _access(self, c: Conversation) -> FollowupAccess:
        assert c.followup is not None  # FOLLOWUP is only reached through _open
        return FollowupAccess(case_id=c.followup.case_id, suite=c.followup.suite, followup_private=c.followup.private)

    async def _add_message(self, c: Conversation, r: Reading, key: str, out: list[str]) -> Reading:
        text = r.text or ""
        if len(text) > MAX_MESSAGE:
            return Reading(event=Event.INVALID, reason="too_long")
        await self.intake.add_message(self._access(c), text, channel="sms", submission_key=f"sms:{key}")
        out.append(t.text(c.language, t.FOLLOWUP_ADDED))
        return r

    async def _latest_reply(self, c: Conversation, out: list[str]) -> None:
        _status, messages = await self.intake.thread(self._access(c))
        officer = [m for m in messages if m.author == "officer"]
        if not officer:
            out.append(t.text(c.language, t.FOLLOWUP_NONE))
            return
        latest = officer[-1].text
        out.append(latest if len(latest) <= MAX_OFFICER_TEXT else latest[:MAX_OFFICER_TEXT] + "…")


def _reachable(phone: str) -> bool:
    """A number we could text back (not a short code or a sender name)."""
    try:
        return normalize_phone(phone) == phone
    except InvalidPhoneNumberError:
        return False


def _twiml(replies: list[str], status_url: str) -> str:
    """The reply texts; Twilio reports each one's delivery to ``status_url``, which queues its deletion."""
    response = MessagingResponse()
    for reply in replies:
        response.message(reply, action=status_url, method="POST")
    return str(response)
