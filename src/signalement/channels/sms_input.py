"""Reading one text message into an event of the conversation (``channels.sms_flow``).

Phones type digits in many scripts (Devanagari, Gurmukhi, full-width): all count as digits.
Keywords are compared folded (case, accents and punctuation removed), so ``Arrêt``, ``ARRET``
and ``arret!`` are the same word. Anything we cannot use is ``INVALID``: the question is asked
again, and nothing already answered is lost.
"""

from __future__ import annotations

import re
import unicodedata

import msgspec

from signalement import i18n, triage
from signalement.channels.sms_flow import Event, Step
from signalement.intake import MAX_SHORT
from signalement.receipts import parse_code, parse_secret
from signalement.vault.blind import fold

# Canadian carriers' standard keywords (CTIA/CWTA short code guidelines, in both official languages).
STOP_WORDS = frozenset({"stop", "arret", "alto", "end", "cancel", "unsubscribe", "quit", "stopall", "desabonner"})
HELP_WORDS = frozenset({"help", "aide", "info"})
# In follow-up: the case's status and officer messages again.
STATUS_WORDS = frozenset({"status", "statut", "estado", "katayuan", fold("स्थिति"), fold("ਸਥਿਤੀ"), "trang thai",
                          fold("状态")})
# First words that start a conversation in a language (folded). HELP and AIDE also choose a language.
LANGUAGE_WORDS: dict[str, str] = {
    "help": "en", "hello": "en", "hi": "en", "start": "en", "report": "en",
    "aide": "fr", "bonjour": "fr", "allo": "fr", "salut": "fr",
    "ayuda": "es", "hola": "es",
    "tulong": "tl", "kamusta": "tl", "kumusta": "tl",
    fold("मदद"): "hi", fold("सहायता"): "hi", fold("नमस्ते"): "hi",
    fold("ਮਦਦ"): "pa", fold("ਸਹਾਇਤਾ"): "pa",
    "giup": "vi", "chao": "vi",
    fold("帮助"): "zh", fold("你好"): "zh", fold("救命"): "zh",
}
# The web form's nine groups, numbered as in the category menu (``sms_texts.CATEGORY_MENU``).
CATEGORY_CHOICES: dict[int, tuple[str, ...]] = {
    1: ("wages",), 2: ("hours_rest",), 3: ("health_safety",), 4: ("housing",), 5: ("documents",),
    6: ("physical_abuse",), 7: ("sexual_abuse",), 8: ("recruitment_fees",), 9: ("other",),
}
DANGER_CHOICES = {1: "yes", 2: "no", 3: "unsure"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPLIT = re.compile(r"[\s,;.、，/+&-]+")


class Reading(msgspec.Struct, frozen=True, kw_only=True):
    """What a message means at a step: the event, and the value it carries (if any)."""

    event: Event
    language: str | None = None
    categories: tuple[str, ...] = ()
    danger_now: str | None = None
    province: str | None = None  # "" when the reporter does not know
    text: str | None = None  # the employer or a piece of the story, exactly as typed
    code: str | None = None
    secret: str | None = None
    reason: str = ""  # why INVALID: "too_long", "empty" or "" (not understood)


def ascii_digits(text: str) -> str:
    """Every Unicode decimal digit as its ASCII digit; other characters unchanged."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def _numbers(text: str) -> list[int] | None:
    """``"1 4, 5"`` as ``[1, 4, 5]``; ``None`` if anything else is in the message."""
    parts = [p for p in _SPLIT.split(ascii_digits(text).strip()) if p]
    if not parts or not all(p.isascii() and p.isdigit() and len(p) <= 2 for p in parts):
        return None
    return [int(p) for p in parts]


def _only_number(text: str) -> int | None:
    numbers = _numbers(text)
    return numbers[0] if numbers and len(numbers) == 1 else None


def _receipt(text: str) -> tuple[str, str] | None:
    """A case code (9 digits) and secret (16 digits), however they were spaced."""
    digits = re.sub(r"\D", "", ascii_digits(text)[:120])
    if len(digits) != 25 or re.search(r"[^\d\s\-.,]", ascii_digits(text).strip()):
        return None
    code, secret = parse_code(digits[:9]), parse_secret(digits[9:])
    return (code, secret) if code and secret else None


def _province(text: str) -> str | None:
    folded = fold(text)
    if folded == "0":
        return ""
    if folded.upper() in triage.PROVINCES:
        return folded.upper()
    for lang in i18n.LANGUAGES:
        with i18n.using(lang.code):
            for code in triage.PROVINCES:
                if folded == fold(triage.province_name(code)):
                    return code
    return None


def read(step: Step, body: str) -> Reading:
    """The event ``body`` makes at ``step``. Pure: no database, no clock."""
    folded = fold(body)
    first = folded.split(" ", 1)[0] if folded else ""
    if folded in STOP_WORDS:
        return Reading(event=Event.STOP)
    if step in (Step.START, Step.LANGUAGE):
        if (receipt := _receipt(body)) is not None:
            return Reading(event=Event.RECEIPT, code=receipt[0], secret=receipt[1])
        if (n := _only_number(body)) is not None and 1 <= n <= len(i18n.LANGUAGES):
            return Reading(event=Event.ANSWER, language=i18n.LANGUAGES[n - 1].code)
        for word, lang in LANGUAGE_WORDS.items():  # Chinese has no spaces: match the start of the text
            if first == word or (not word.isascii() and folded.startswith(word)):
                return Reading(event=Event.ANSWER, language=lang)
        return Reading(event=Event.HELP if folded in HELP_WORDS else Event.INVALID)
    if folded in HELP_WORDS:
        return Reading(event=Event.HELP)
    return _read_answer(step, body)


def _read_answer(step: Step, body: str) -> Reading:
    invalid = Reading(event=Event.INVALID)
    n = _only_number(body)
    if step is Step.CATEGORY:
        numbers = _numbers(body)
        if not numbers or any(k not in CATEGORY_CHOICES for k in numbers):
            return invalid
        chosen = [c for k in sorted(set(numbers)) for c in CATEGORY_CHOICES[k]]
        return Reading(event=Event.ANSWER, categories=tuple(chosen))
    if step is Step.DANGER:
        return Reading(event=Event.ANSWER, danger_now=DANGER_CHOICES[n]) if n in DANGER_CHOICES else invalid
    if step is Step.PROVINCE:
        province = _province(body)
        return invalid if province is None else Reading(event=Event.ANSWER, province=province)
    if step is Step.EMPLOYER:
        line = body.strip()
        if n == 0:
            return Reading(event=Event.ANSWER, text="")
        if len(line) > MAX_SHORT:
            return Reading(event=Event.INVALID, reason="too_long")
        if not any(c.isalnum() for c in line) or _CONTROL.search(line) or "\n" in line:
            return invalid  # a name has letters or digits; emoji alone are not an employer
        return Reading(event=Event.ANSWER, text=line)
    if step is Step.STORY:
        if n == 1:
            return Reading(event=Event.FINISH)
        text = body.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip() or _CONTROL.search(text):
            return invalid
        return Reading(event=Event.ANSWER, text=text)
    if step is Step.CONTACT:
        return Reading(event=Event.ANSWER, text="yes" if n == 1 else "no") if n in (1, 2) else invalid
    if step is Step.CONFIRM:
        return Reading(event={1: Event.FINISH, 2: Event.CANCEL}[n]) if n in (1, 2) else invalid
    if step is Step.FOLLOWUP:
        if fold(body) in STATUS_WORDS:
            return Reading(event=Event.RECEIPT)  # the case is already open: its status again
        if n in (0, 1):
            return Reading(event=Event.CANCEL if n == 0 else Event.FINISH)
        text = body.strip()
        if not text or _CONTROL.search(text):
            return invalid
        return Reading(event=Event.ANSWER, text=text)
    return invalid
