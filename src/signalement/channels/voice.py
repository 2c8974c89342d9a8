"""The phone channel: one signed webhook of a call in, the call moved one step, the TwiML out.

The path is the SMS channel's: a replayed webhook (CallSid + turn, the number carried in every
action URL we hand Twilio) gets its first reply (``replays``); otherwise load the call's state
(``voice_calls``), read the keypad digits into an event, act on it (file through
``intake.IntakeService`` exactly as the web form does, channel ``voice``), move by the transition
table (``voice_flow``), and commit the new state and the reply in one transaction. A report is
committed by intake before its receipt is put in any reply. The statement is a ``<Record>``:
the recording-status webhook queues the worker's fetch-and-seal (``signalement.recordings``).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.exc import IntegrityError
from twilio.twiml.voice_response import Gather, VoiceResponse

from signalement import i18n
from signalement.channels import voice_texts as t
from signalement.channels.lockbox import Lockbox, LockedValueError
from signalement.channels.replays import ReplayLedger
from signalement.channels.signature import SignedForm, public_url_for
from signalement.channels.sms_input import CATEGORY_CHOICES, DANGER_CHOICES
from signalement.channels.voice_calls import CallState, CallStore, Loaded, Receipt, StaleCallError
from signalement.channels.voice_flow import Event, Step, advance
from signalement.errors import REPORTER_MESSAGES, SignalementError, TooManyAttemptsError
from signalement.intake import Answers, IntakeService, Submission
from signalement.messaging import PURGE_DELAY, PurgeJob, queue_purge
from signalement.receipts import parse_code, parse_secret
from signalement.recordings import RecordingJob, queue_recording
from signalement.runtime import Runtime
from signalement.vault.blind import InvalidPhoneNumberError, normalize_phone

STEP_PATH = "/twilio/voice/step"
RECORDING_PATH = "/twilio/voice/recording"
REPLAY_WAIT_SECONDS = 8.0  # under Twilio's 15-second limit
MAX_MISSES = 3  # garbage or silence this many times in a row at one question: goodbye
STATEMENT_SECONDS = 600
GATHER_SECONDS = 8
ENDED_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
# A call that may still have a recording to fetch: its log is deleted after the recording (worker), or
# after this, whichever comes first. Any other ended call's log goes after ``messaging.PURGE_DELAY``.
CALL_LOG_BACKSTOP = dt.timedelta(hours=1)
PROVINCE_KEYS: dict[str, str | None] = {"1": "ON", "2": "QC", "3": "BC", "4": "AB", "5": "MB", "6": "SK",
                                        "7": "NS", "8": "NB", "9": "PE", "0": None}
_KEYPAD = re.compile(r"[0-9#*]*")


class MalformedWebhookError(SignalementError):
    """A signed voice webhook without a CallSid, or with a turn that is not a number."""


class AlreadyFiledError(Exception):
    """The statement's webhook was already filed by another delivery of it."""


def keypad_digits(form: SignedForm) -> str | None:
    """The keys pressed, without # and *; ``None`` if the field holds anything a keypad cannot send."""
    raw = form.one("Digits").strip()
    if not _KEYPAD.fullmatch(raw):
        return None
    return raw.replace("#", "").replace("*", "")


class VoiceChannel:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.lockbox = Lockbox(runtime.settings.key_list("blind_index_keys"))
        self.calls = CallStore(self.lockbox)
        self.ledger = ReplayLedger(runtime.db, self.lockbox)
        self.intake = IntakeService(runtime)

    # -- webhooks ---------------------------------------------------------------------------------------

    async def answer(self, form: SignedForm, turn_text: str | None) -> str:
        """TwiML for the incoming call (``turn_text`` None) or one step of it (``?n=`` in the action URL)."""
        call_sid = form.one("CallSid")
        if not call_sid:
            raise MalformedWebhookError
        turn: int | None = None
        if turn_text is not None:
            if not turn_text.isdigit() or len(turn_text) > 6:
                raise MalformedWebhookError
            turn = int(turn_text)
        key = self.ledger.key("voice", f"{call_sid}\x00{turn if turn is not None else 'start'}")
        try:
            async with self.calls.lock_for(call_sid):
                return await self._handle(form, call_sid, turn, key)
        except LockedValueError:  # the same CallSid and turn with other content: nothing to repeat
            return self.sorry(busy=False)

    async def recording(self, form: SignedForm) -> None:
        """A statement's recording is ready: queue its fetch-and-seal, once per RecordingSid."""
        recording_sid, call_sid = form.one("RecordingSid"), form.one("CallSid")
        if not recording_sid or not call_sid:
            raise MalformedWebhookError
        if form.one("RecordingStatus", "completed") != "completed":
            return  # absent (silence) or failed: there is nothing to fetch
        key = self.ledger.key("recording", recording_sid)
        try:
            if await self.ledger.stored_reply(key, form) is not None:
                return
        except LockedValueError:  # this RecordingSid was already queued by another callback of it
            return
        job = RecordingJob(recording_sid=recording_sid, call_sid=call_sid,
                           submission_key=self._submission_key(call_sid))
        try:
            async with self.rt.db.writing() as session:
                await queue_recording(session, self.rt.public_keys.worker, job, key)
                self.ledger.add(session, key, "recording", form, "")
                await session.commit()
        except IntegrityError:
            return  # a concurrent delivery of the same callback queued it

    async def status(self, form: SignedForm) -> None:
        """The call ended: forget it, file a statement cut short by a hang-up, queue the call log's deletion."""
        call_sid = form.one("CallSid")
        if not call_sid:
            raise MalformedWebhookError
        if form.one("CallStatus") not in ENDED_STATUSES:
            return
        key = self.ledger.key("voice", f"{call_sid}\x00status")
        async with self.calls.lock_for(call_sid):
            for _attempt in range(5):
                async with self.rt.db.reading() as session:
                    try:
                        if await self.ledger.stored_reply(key, form, session) is not None:
                            return
                    except LockedValueError:  # a second "call ended" of this call (another status): done already
                        return
                    loaded = await self.calls.load(call_sid, session)
                recording_possible = loaded is None or loaded.state.recorded or loaded.state.step is Step.STATEMENT
                if loaded is not None and loaded.state.step is Step.STATEMENT:
                    try:  # hung up mid-statement: the answers and whatever was recorded are kept, no receipt heard
                        await self._file(loaded.state, call_sid)
                    except AlreadyFiledError:
                        pass
                try:
                    async with self.rt.db.writing() as session:
                        if loaded is not None:
                            loaded.state.step = Step.ENDED
                            await self.calls.save(session, call_sid, loaded, loaded.state)
                        await queue_purge(session, self.rt.public_keys.worker, PurgeJob(kind="call", sid=call_sid),
                                          key, delay=CALL_LOG_BACKSTOP if recording_possible else PURGE_DELAY)
                        self.ledger.add(session, key, "voice", form, "")
                        await session.commit()
                except (StaleCallError, IntegrityError):
                    continue
                return

    def sorry(self, *, busy: bool) -> str:
        """What the caller hears when handling a step failed on our side (the language is not known here)."""
        response = VoiceResponse()
        _say(response, "en", t.text("en", REPORTER_MESSAGES[503 if busy else 500][1]))
        response.hangup()
        return str(response)

    # -- one step -----------------------------------------------------------------------------------------

    async def _handle(self, form: SignedForm, call_sid: str, turn: int | None, key: str) -> str:
        for _attempt in range(5):
            async with self.rt.db.reading() as session:
                stored = await self.ledger.stored_reply(key, form, session)
                if stored is not None:
                    return stored  # a replay: this webhook was handled, here is what we answered
                loaded = await self.calls.load(call_sid, session)
            if loaded is None:
                if turn is not None:
                    return self._lost()  # the call's state expired or was never ours: nothing to act on
                loaded = Loaded(state=CallState(), index=self.calls.index(call_sid), version=None)
            state = loaded.state
            new_call = turn is None and loaded.version is None  # answered with the language menu
            if not new_call and turn != state.turn:
                return self._prompt(state)  # an old or foreign turn: the current question again, no effect
            if not new_call:
                try:
                    await self._step(state, form, call_sid)
                except AlreadyFiledError:
                    stored = await self.ledger.wait_for_reply(key, form, REPLAY_WAIT_SECONDS)
                    if stored is not None:
                        return stored
                    # Filed by a process that then crashed: the report is safe, its secret is gone.
                    state.step, state.receipt, state.status = Step.ENDED, None, "received"
            state.turn += 1
            twiml = self._prompt(state)
            try:
                async with self.rt.db.writing() as session:
                    await self.calls.save(session, call_sid, loaded, state)
                    self.ledger.add(session, key, "voice", form, twiml)
                    await session.commit()
            except (StaleCallError, IntegrityError):
                continue  # another replica handled this webhook or moved this call: look again
            return twiml
        raise StaleCallError

    async def _step(self, c: CallState, form: SignedForm, call_sid: str) -> None:
        """Read the webhook into an event, act on it, and move ``c`` (changed in place)."""
        before = c.step
        event = await self._event(c, form, call_sid)
        if event is Event.INVALID:
            c.misses += 1
            if c.misses > MAX_MISSES:
                event = Event.GIVE_UP
        else:
            c.misses = 0
        c.step = advance(before, event)
        c.last_event = event.value

    async def _event(self, c: CallState, form: SignedForm, call_sid: str) -> Event:
        step = c.step
        if step is Step.STATEMENT:
            if form.one("RecordingSid"):
                c.recorded = True
                receipt = await self._file(c, call_sid)
                if form.one("Digits") == "hangup":
                    return Event.HANGUP  # filed; nobody is there to hear the receipt
                c.receipt = Receipt(code=receipt[0], secret=receipt[1])
                return Event.ANSWER
            return Event.HANGUP if form.one("Digits") == "hangup" else Event.INVALID
        digits = keypad_digits(form)
        if not digits:
            return Event.INVALID
        if step is Step.LANGUAGE and len(digits) == 1 and 1 <= int(digits) <= len(i18n.LANGUAGES):
            c.language = i18n.LANGUAGES[int(digits) - 1].code
            return Event.ANSWER
        if step is Step.MENU and digits in ("1", "2"):
            return Event.ANSWER if digits == "1" else Event.ALTERNATE
        if step is Step.CATEGORY and len(digits) <= 9 and "0" not in digits:
            c.categories = tuple(dict.fromkeys(cat for d in digits for cat in CATEGORY_CHOICES[int(d)]))
            return Event.ANSWER
        if step is Step.DANGER and digits in ("1", "2", "3"):
            c.danger_now = DANGER_CHOICES[int(digits)]
            return Event.ANSWER if c.danger_now == "no" else Event.ALTERNATE
        if step is Step.ADVICE and digits == "1":
            return Event.ANSWER
        if step is Step.PROVINCE and len(digits) == 1:
            c.province = PROVINCE_KEYS[digits]
            return Event.ANSWER
        if step in (Step.RECEIPT, Step.FOLLOWUP):
            return Event.REPEAT if digits == "1" else Event.ANSWER
        if step is Step.CODE and parse_code(digits) is not None:
            c.code = digits
            return Event.ANSWER
        if step is Step.SECRET and parse_secret(digits) is not None:
            return await self._open(c, digits, form)
        return Event.INVALID

    async def _file(self, c: CallState, call_sid: str) -> tuple[str, str]:
        receipt = await self.intake.submit(Submission(
            submission_key=self._submission_key(call_sid), channel="voice", language=c.language,
            answers=Answers(categories=c.categories, danger_now=c.danger_now, province=c.province),
            contact_pref="code",
        ))
        if not receipt.created:
            raise AlreadyFiledError  # its secret is not ours to give: the first delivery's reply has it
        return receipt.case_code, receipt.secret  # committed by intake before this line

    async def _open(self, c: CallState, secret: str, form: SignedForm) -> Event:
        try:
            access = await self.intake.open_followup(c.code, secret, self._caller(form))
        except TooManyAttemptsError:
            c.status = "too_many"
            return Event.GIVE_UP
        c.code = ""
        if access is None:
            return Event.REJECTED
        status, messages = await self.intake.thread(access)
        c.status = status if status in t.STATUS else "new"
        c.officer_messages = sum(1 for m in messages if m.author == "officer")
        return Event.ANSWER

    def _submission_key(self, call_sid: str) -> str:
        return f"voice:{self.calls.index(call_sid)}"

    def _caller(self, form: SignedForm) -> str:
        """Who to throttle follow-up guesses by: the number's blind index, or one shared bucket for hidden callers."""
        try:
            return self.lockbox.phone_index(normalize_phone(form.one("From")))
        except InvalidPhoneNumberError:
            return "voice:hidden-caller"

    # -- what the caller hears ----------------------------------------------------------------------------

    def _prompt(self, c: CallState) -> str:
        """The TwiML for where the call now is (``c.last_event`` says how it got here)."""
        r = VoiceResponse()
        lang, step, event = c.language, c.step, c.last_event
        if event == Event.INVALID.value and step is not Step.STATEMENT:
            _say(r, lang, t.text(lang, t.NOT_UNDERSTOOD))
        if step is Step.ENDED:
            return self._ending(r, c)
        action = public_url_for(self.rt.settings.public_url, STEP_PATH, f"n={c.turn}")
        if step is Step.LANGUAGE:
            g = _gather(r, action, num_digits=1)
            for i, language in enumerate(i18n.LANGUAGES, 1):
                _say(g, language.code, t.text(language.code, t.LANGUAGE_CHOICE, digit=i))
            return str(r)
        if step is Step.STATEMENT:
            if event == Event.INVALID.value:
                _say(r, lang, t.text(lang, t.NO_STATEMENT))
            _say(r, lang, t.text(lang, t.STATEMENT))
            r.record(action=action, method="POST", max_length=STATEMENT_SECONDS, finish_on_key="#", timeout=10,
                     play_beep=True, transcribe=False, trim="trim-silence",
                     recording_status_callback=public_url_for(self.rt.settings.public_url, RECORDING_PATH),
                     recording_status_callback_method="POST", recording_status_callback_event="completed")
            r.redirect(action, method="POST")  # no audio at all: Twilio goes on here, and we ask again
            return str(r)
        if step is Step.RECEIPT and c.receipt is not None:
            if event != Event.REPEAT.value:
                _say(r, lang, t.text(lang, t.RECEIPT))
            self._read_receipt(r, lang, c.receipt)
            r.pause(length=1)
            _say(r, lang, t.text(lang, t.ONCE_MORE))
            self._read_receipt(r, lang, c.receipt)
        elif step is Step.FOLLOWUP:
            _say(r, lang, t.text(lang, t.STATUS[c.status]))
            _say(r, lang, t.text(lang, t.MESSAGES_WAITING, count=c.officer_messages) if c.officer_messages
                 else t.text(lang, t.NO_MESSAGE))
        if step in (Step.RECEIPT, Step.FOLLOWUP):
            # Silence here means done: Twilio goes on to the goodbye without calling us.
            _say(_gather(r, action, num_digits=1, call_on_silence=False), lang, t.text(lang, t.HEAR_AGAIN))
            _say(r, lang, t.text(lang, t.GOODBYE))
            r.hangup()
            return str(r)
        if step is Step.CODE and event == Event.REJECTED.value:
            _say(r, lang, t.text(lang, t.NOT_OPENED))
        question = {Step.MENU: t.MENU, Step.CATEGORY: t.CATEGORY, Step.DANGER: t.DANGER, Step.ADVICE: t.CALL_911,
                    Step.PROVINCE: t.PROVINCE, Step.CODE: t.ENTER_CODE, Step.SECRET: t.ENTER_SECRET}[step]
        single = step in (Step.MENU, Step.DANGER, Step.ADVICE, Step.PROVINCE)
        _say(_gather(r, action, num_digits=1 if single else None), lang, t.text(lang, question))
        return str(r)

    def _ending(self, r: VoiceResponse, c: CallState) -> str:
        lang = c.language
        if c.status == "too_many":
            _say(r, lang, t.text(lang, t.TOO_MANY))
        elif c.last_event == Event.GIVE_UP.value:
            _say(r, lang, t.text(lang, t.NO_ANSWER))
        elif c.status == "received":
            _say(r, lang, t.text(lang, t.STATUS["new"]))
        if c.last_event != Event.GIVE_UP.value:
            _say(r, lang, t.text(lang, t.GOODBYE))
        r.hangup()
        return str(r)

    def _read_receipt(self, r: VoiceResponse, lang: str, receipt: Receipt) -> None:
        for label, digits, group in ((t.CODE_IS, receipt.code, 3), (t.SECRET_IS, receipt.secret, 4)):
            _say(r, lang, t.text(lang, label))
            for part in t.spoken_digits(digits, group):
                say = r.say(voice=t.VOICES[lang].name, language=t.VOICES[lang].language)
                say.prosody(part, rate="slow")
                r.pause(length=1)

    def _lost(self) -> str:
        r = VoiceResponse()
        _say(r, "en", t.text("en", t.NO_ANSWER))
        r.hangup()
        return str(r)


def _say(parent: VoiceResponse | Gather, language: str, words: str) -> None:
    voice = t.VOICES[language]
    parent.say(words, voice=voice.name, language=voice.language)


def _gather(r: VoiceResponse, action: str, *, num_digits: int | None, call_on_silence: bool = True) -> Gather:
    """Keypad only; ``#`` ends a longer entry; silence or ``#`` alone still calls us (and we ask again)."""
    if num_digits is None:
        return r.gather(input="dtmf", action=action, method="POST", timeout=GATHER_SECONDS, finish_on_key="#",
                        action_on_empty_result=call_on_silence)
    return r.gather(input="dtmf", action=action, method="POST", timeout=GATHER_SECONDS, num_digits=num_digits,
                    action_on_empty_result=call_on_silence)
