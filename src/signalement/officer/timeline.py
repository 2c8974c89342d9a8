"""Audit entries about cases, told as sentences in the officer's language: who did what, with names.

The audit log stores codes and ids on purpose (it must not hold content,
and codes do not change with the reader's language). Pages turn an entry
into a sentence here: the actor's display name instead of a username,
a colleague's name instead of an officer id, a case code instead of an
internal id, and words for statuses, outcomes and partners. Note and
message ids stay out of the sentence: they mean nothing to a reader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from signalement.i18n import gettext
from signalement.officer.labels import CaseWording

Sentence = Callable[[CaseWording, str, Mapping[str, object], Mapping[int, str]], str]


def _name(names: Mapping[int, str], value: object) -> str:
    return names.get(value, gettext("account %(id)s", id=value)) if isinstance(value, int) else str(value)


def _open(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    if d.get("via") == "api":
        return gettext("%(who)s opened the case through the API.", who=who)
    return gettext("%(who)s opened the case.", who=who)


def _status(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    before, after = ui.status(str(d.get("from", ""))), ui.status(str(d.get("to", "")))
    if d.get("outcome"):
        return gettext("%(who)s closed the case (was “%(before)s”). Outcome: %(outcome)s.",
                       who=who, before=before, outcome=ui.outcome(str(d["outcome"])))
    return gettext("%(who)s moved the case from “%(before)s” to “%(after)s”.", who=who, before=before, after=after)


def _assign(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    if d.get("to") is None:
        return gettext("%(who)s released the case (no one is assigned).", who=who)
    return gettext("%(who)s assigned the case to %(to)s.", who=who, to=_name(names, d["to"]))


def _note(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    return gettext("%(who)s added an internal note.", who=who)


def _reply(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    if d.get("sms"):
        return gettext("%(who)s replied to the reporter; a text told them a message is waiting.", who=who)
    return gettext("%(who)s replied to the reporter.", who=who)


def _referral(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    return gettext("%(who)s recorded a referral to %(partner)s.", who=who, partner=ui.partner(str(d.get("partner"))))


def _referral_answer(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    return gettext("%(who)s recorded the answer from %(partner)s.", who=who, partner=ui.partner(str(d.get("partner"))))


def _hold(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    if d.get("on"):
        return gettext("%(who)s placed a legal hold (reason in the internal notes).", who=who)
    return gettext("%(who)s lifted the legal hold (reason in the internal notes).", who=who)


def _override(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    categories = d.get("categories_to")
    listed = ", ".join(ui.category(str(c)) for c in categories) if isinstance(categories, list) else ""
    return gettext(
        "%(who)s changed the triage: urgency “%(before)s” to “%(after)s”, categories %(categories)s. "
        "Reason: %(reason)s.",
        who=who, before=ui.urgency(str(d.get("urgency_from"))), after=ui.urgency(str(d.get("urgency_to"))),
        categories=listed, reason=ui.override_reason(str(d.get("reason"))),
    )


def _export(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    return gettext("%(who)s opened the printable summary.", who=who)


def _evidence(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    return gettext("%(who)s opened a file the reporter sent.", who=who)


def _translate(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    language = ui.language_name(str(d.get("target", "")))
    if d.get("part") == "message":
        return gettext("%(who)s asked for a machine translation of a message into %(language)s.",
                       who=who, language=language)
    return gettext("%(who)s asked for a machine translation of the story into %(language)s.",
                   who=who, language=language)


def _key_rejected(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    return gettext("The reporter's key failed its integrity check when %(who)s replied; nothing was sent.", who=who)


def _clock(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    if d.get("to") == "interpreter":
        return gettext("%(who)s requested an interpreter (the interpreter's deadline runs).", who=who)
    if d.get("to"):
        return gettext("%(who)s paused the clock: %(state)s.", who=who, state=ui.waiting(str(d["to"])))
    return gettext("%(who)s restarted the clock (no longer: %(state)s).", who=who, state=ui.waiting(str(d.get("from"))))


def _cluster_name(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    opened = d.get("cases")
    n = len(opened) if isinstance(opened, list) else 0
    return gettext("%(who)s saw this employer cluster's name, opened from %(n)s reports.", who=who, n=n)


def _queue_export(ui: CaseWording, who: str, d: Mapping[str, object], names: Mapping[int, str]) -> str:
    return gettext("%(who)s exported a view of the queue as CSV: %(rows)s cases, metadata only.", who=who,
                   rows=d.get("rows", 0))


SENTENCES: MappingProxyType[str, Sentence] = MappingProxyType({
    "case.open": _open,
    "case.status": _status,
    "case.assign": _assign,
    "case.note": _note,
    "case.reply": _reply,
    "case.referral": _referral,
    "case.referral_answer": _referral_answer,
    "case.legal_hold": _hold,
    "case.override": _override,
    "case.export": _export,
    "evidence.view": _evidence,
    "case.translate": _translate,
    "case.followup_key_rejected": _key_rejected,
    "case.clock": _clock,
    "cluster.name": _cluster_name,
    "queue.export": _queue_export,
})


def sentence(
    ui: CaseWording, action: str, actor: str, detail: Mapping[str, object], names: Mapping[int, str],
    actors: Mapping[str, str],
) -> str:
    """One entry as a sentence. ``names``: officer id → display name; ``actors``: username → display name."""
    who = actors.get(actor, actor)
    tell = SENTENCES.get(action)
    if tell is None:
        return gettext("%(who)s: %(action)s", who=who, action=action)
    told = tell(ui, who, detail, names)
    if detail.get("first_response"):
        return told + " " + gettext("This met the first-response deadline.")
    return told
