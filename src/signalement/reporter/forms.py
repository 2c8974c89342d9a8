"""Reading what a reporter typed: one parser per step, and the checks every text field shares.

Two kinds of problem, handled differently:

* **Field errors** are things a person can type by mistake (a story that is
  too long, a phone number with a digit missing, no answer yet). The step is
  shown again with a plain message next to the field, and what was typed is
  kept.
* **Malformed forms** are things no page of ours sends (a field given twice,
  a category or province that does not exist, an unknown button). Those are a
  ``400`` page: a browser never sends them, so there is no input to keep.

Text is kept exactly as typed, except that line endings become ``\\n`` and
one-line fields lose surrounding spaces. Invisible control characters are
refused rather than silently removed, so nothing is changed behind the
reporter's back. Right-to-left marks, other scripts, HTML and SQL are just
text: they are escaped when shown and sealed when stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol

import msgspec
import phonenumbers

from signalement import triage
from signalement.errors import SignalementError
from signalement.i18n import N_
from signalement.intake import CONTACT_PREFS, DANGER_ANSWERS, MAX_NARRATIVE, MAX_SHORT
from signalement.reporter.draft import EDITABLE, Action, Draft, Move, Step

MAX_PHONE_TYPED = 40
PROVINCE_UNKNOWN = "unknown"
# C0 controls except tab and newline, DEL, and C1 controls: never typed, sometimes pasted or forged.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class MalformedFormError(SignalementError):
    """The form holds something none of our pages send: a repeated field, an unknown choice or button."""


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str  # an English msgid, translated when shown
    limit: int = 0  # for "too long" messages


TOO_LONG = N_("This is too long. Please make it shorter than %(max)s characters.")
BAD_CHARACTERS = N_("This has hidden characters we cannot accept. Please type it again.")
FILE_NOT_ADDED = N_("You chose a file but did not add it. Press Add the file, or remove your choice.")
PHONE_NEEDED = N_("Write the phone number for text messages, or choose another answer.")
PHONE_WRONG = N_(
    "This phone number does not look right. Write it with the area code, for example 416 555 0123."
)


class FormLike(Protocol):
    """Litestar's ``FormMultiDict``, or the upload parser's ``UploadForm``."""

    def getall(self, key: str, default: list[Any]) -> list[Any]: ...


class Fields:
    """Strict access to a submitted form: every field we read may appear at most once, as text."""

    def __init__(self, form: FormLike) -> None:
        self._form = form

    def one(self, name: str, default: str = "") -> str:
        values = self._form.getall(name, [])
        if len(values) > 1:
            raise MalformedFormError(f"repeated field {name}")
        if not values:
            return default
        if not isinstance(values[0], str):
            raise MalformedFormError(f"{name} is not text")
        return values[0]

    def many(self, name: str) -> list[str]:
        values = self._form.getall(name, [])
        if not all(isinstance(v, str) for v in values):
            raise MalformedFormError(f"{name} is not text")
        return list(values)


def check_line(value: str, field: str, limit: int = MAX_SHORT) -> tuple[str, FieldError | None]:
    """A one-line answer: surrounding spaces dropped, nothing else changed."""
    value = value.strip()
    if len(value) > limit:
        return value, FieldError(field, TOO_LONG, limit)
    if _CONTROL.search(value) or "\n" in value:
        return value, FieldError(field, BAD_CHARACTERS)
    return value, None


def check_text(value: str, field: str, limit: int) -> tuple[str, FieldError | None]:
    """A multi-line answer: browsers send CRLF line ends; we keep plain newlines and everything else."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if value.strip() == "":
        value = ""
    if len(value) > limit:
        return value, FieldError(field, TOO_LONG, limit)
    if _CONTROL.search(value):
        return value, FieldError(field, BAD_CHARACTERS)
    return value, None


def parse_phone(typed: str) -> str | None:
    """E.164 for a valid number (Canadian by default, any country with a + prefix), else ``None``."""
    try:
        number = phonenumbers.parse(typed, "CA")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def show_phone(e164: str) -> str:
    """How a stored number is shown back: national style for Canada, international otherwise."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


class StepInput(msgspec.Struct, frozen=True):
    """A step's posted answers applied to the draft, with any field errors and the raw text to show again."""

    draft: Draft
    errors: tuple[FieldError, ...] = ()
    typed: dict[str, str] = {}


def _apply(draft: Draft, values: dict[str, tuple[str, FieldError | None]], **extra: object) -> StepInput:
    good = {k: v for k, (v, err) in values.items() if err is None}
    errors = tuple(err for _, err in values.values() if err is not None)
    typed = {err.field: values[err.field][0] for err in errors}
    return StepInput(draft=msgspec.structs.replace(draft, **good, **extra), errors=errors, typed=typed)


def _choice(fields: Fields, name: str, allowed: Iterable[str]) -> str:
    value = fields.one(name)
    if value and value not in allowed:
        raise MalformedFormError(f"unknown {name}")
    return value


def read_step(draft: Draft, fields: Fields) -> StepInput:
    """Apply the answers posted from the draft's step. Format problems only; see ``missing_answers``."""
    step = draft.step
    if step is Step.WHAT:
        chosen = set(fields.many("categories"))
        if chosen - set(triage.CATEGORIES):
            raise MalformedFormError("unknown category")
        return StepInput(
            msgspec.structs.replace(draft, categories=tuple(c for c in triage.CATEGORIES if c in chosen))
        )
    if step is Step.DANGER:
        return StepInput(msgspec.structs.replace(draft, danger_now=_choice(fields, "danger", DANGER_ANSWERS)))
    if step is Step.WHERE:
        province = _choice(fields, "province", (*triage.PROVINCES, PROVINCE_UNKNOWN))
        return _apply(draft, {"town": check_line(fields.one("town"), "town")}, province=province)
    if step is Step.WHO:
        return _apply(
            draft, {name: check_line(fields.one(name), name) for name in ("employer", "recruiter", "site")}
        )
    if step is Step.STORY:
        return _apply(draft, {"narrative": check_text(fields.one("narrative"), "narrative", MAX_NARRATIVE)})
    if step is Step.CONTACT:
        return _read_contact(draft, fields)
    if step is Step.EVIDENCE and any(fields.many("files")):
        # Files are uploaded by "Add the file"; a form sent with another button carries only the name.
        return StepInput(draft, (FieldError("files", FILE_NOT_ADDED),))
    return StepInput(draft)  # review and done post no answers


def _read_contact(draft: Draft, fields: Fields) -> StepInput:
    pref = _choice(fields, "contact", CONTACT_PREFS) or draft.contact_pref
    typed = fields.one("phone").strip()
    if pref != "sms":
        # A number typed and then not chosen is dropped, not kept "just in case".
        return StepInput(msgspec.structs.replace(draft, contact_pref=pref, phone=""))
    if not typed:
        return StepInput(
            msgspec.structs.replace(draft, contact_pref=pref, phone=""),
            (FieldError("phone", PHONE_NEEDED),),
            {"phone": ""},
        )
    e164 = parse_phone(typed) if len(typed) <= MAX_PHONE_TYPED else None
    if e164 is None:
        return StepInput(
            msgspec.structs.replace(draft, contact_pref=pref),
            (FieldError("phone", PHONE_WRONG),),
            {"phone": typed},
        )
    return StepInput(msgspec.structs.replace(draft, contact_pref=pref, phone=e164))


def missing_answers(draft: Draft, step: Step) -> tuple[FieldError, ...]:
    """Answers a step needs before the reporter moves forward from it."""
    if step is Step.WHAT and not draft.categories:
        return (FieldError("categories", N_("Choose at least one thing that happened.")),)
    if step is Step.DANGER and not draft.danger_now:
        return (FieldError("danger", N_("Choose yes, no, or I am not sure.")),)
    if step is Step.WHERE and not draft.province:
        return (FieldError("province", N_("Choose a province or territory, or choose I do not know.")),)
    if step is Step.CONTACT and draft.contact_pref == "sms" and not draft.phone:
        return (FieldError("phone", PHONE_NEEDED),)
    return ()


def first_incomplete(draft: Draft) -> Step | None:
    """The first step still missing a required answer (checked again before sending)."""
    for step in EDITABLE:
        if missing_answers(draft, step):
            return step
    return None


def parse_move(fields: Fields) -> Move:
    raw = fields.one("action", "next")
    kind, _, arg = raw.partition("-")
    try:
        action = Action(kind)
    except ValueError:
        raise MalformedFormError("unknown action") from None
    if action is Action.EDIT:
        try:
            return Move(action, target=Step(arg))
        except ValueError:
            raise MalformedFormError("unknown step") from None
    if action is Action.REMOVE:
        if not arg.isascii() or not arg.isdigit() or len(arg) > 2:
            raise MalformedFormError("unknown file")
        return Move(action, index=int(arg))
    if arg:
        raise MalformedFormError("unknown action")
    return Move(action)
