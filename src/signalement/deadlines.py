"""The case clock: a first-response deadline, then a resolution target, and the waiting states that pause it.

A deadline must say what is really owed. ``cases.sla_due_at`` (the column the queue orders by) is "the
deadline this case is working against now":

* **First response.** From receipt, by urgency (``triage.sla``: 24 hours for ``immediate``, business days
  otherwise). It is met by the first officer action that *counts* (``COUNTING_ACTIONS``): a triage decision
  (any status change, closing included, or a triage override), a reply to the reporter, or a referral to a
  partner. Opening, reading, exporting, assigning, an internal note, a legal hold or asking for an
  interpreter do not count: the reporter is no better off for any of them.
* **Resolution.** Once the first response is made, the case works against its resolution target
  (``SIGNALEMENT_SLA_RESOLVE_*_BUSINESS_DAYS`` from receipt, same calendar).
* **Waiting** (``Waiting``). While the case waits for the reporter or for a partner (a referral: entering
  "Referred" starts it, leaving it ends it), the clock stops: ``sla_due_at`` is frozen and the case is never
  counted as breached. While an interpreter is requested the case's clock is the interpreter's own
  (``SIGNALEMENT_SLA_INTERPRETER_HOURS``, never later than the running deadline of an ``immediate`` case):
  finding one is owed, and late if it is late. When waiting ends, every later deadline moves by the time
  spent waiting (``paused_seconds``), in elapsed time.

"Breached" means exactly: open, the clock running (or the interpreter's clock), and ``sla_due_at`` past.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ColumnElement, and_, or_

from signalement.db.models import Case
from signalement.settings import Settings
from signalement.triage.sla import sla_due, sla_due_for

# The audit actions that meet the first-response deadline (see the module docstring).
COUNTING_ACTIONS = frozenset({"case.status", "case.override", "case.reply", "case.referral"})


class Waiting(enum.StrEnum):
    """What a case is waiting for. Reporter and partner stop the clock; an interpreter has its own."""

    REPORTER = "reporter"
    INTERPRETER = "interpreter"
    PARTNER = "partner"


STOPS_THE_CLOCK = frozenset({Waiting.REPORTER, Waiting.PARTNER})


def resolution_due(settings: Settings, urgency: str, received_at: dt.datetime) -> dt.datetime:
    """The resolution target from receipt, before any time spent waiting is added."""
    days = {
        "immediate": settings.sla_resolve_immediate_business_days,
        "high": settings.sla_resolve_high_business_days,
        "standard": settings.sla_resolve_standard_business_days,
    }
    return sla_due("standard", received_at, standard_business_days=days.get(urgency, days["standard"]))


def main_due(settings: Settings, case: Case) -> dt.datetime:
    """The deadline of the case's own clock: first response until it is made, then resolution; plus waiting."""
    if case.first_response_at is None:
        base = sla_due_for(settings, case.urgency, case.received_at)
    else:
        base = resolution_due(settings, case.urgency, case.received_at)
    return base + dt.timedelta(seconds=case.paused_seconds or 0)


def clock_stopped(case: Case) -> bool:
    return case.waiting_for in STOPS_THE_CLOCK


def clock_of(case: Case) -> str:
    """What ``sla_due_at`` is for now: first_response, resolution, interpreter, stopped (waiting) or closed."""
    if not case.is_open:
        return "closed"
    if case.waiting_for in STOPS_THE_CLOCK:
        return "stopped"
    if case.waiting_for == Waiting.INTERPRETER:
        return "interpreter"
    return "first_response" if case.first_response_at is None else "resolution"


def is_breached(*, is_open: bool, due: dt.datetime, waiting_for: str | None, now: dt.datetime) -> bool:
    """Really overdue: open, the clock running (or the interpreter's), and past its deadline."""
    return is_open and waiting_for not in STOPS_THE_CLOCK and due < now


def running_condition() -> ColumnElement[bool]:
    """SQL: the case's clock runs (it waits for nothing, or for an interpreter, whose clock runs)."""
    return or_(Case.waiting_for.is_(None), Case.waiting_for.not_in([w.value for w in STOPS_THE_CLOCK]))


def breached_condition(now: dt.datetime) -> ColumnElement[bool]:
    """SQL twin of ``is_breached`` (the caller says ``is_open``)."""
    return and_(Case.sla_due_at < now, running_condition())


def record_action(settings: Settings, case: Case, action: str, now: dt.datetime) -> bool:
    """Note an officer action; the first one that counts meets the first-response deadline. True if it did."""
    if case.first_response_at is not None or action not in COUNTING_ACTIONS:
        return False
    case.first_response_at = now
    if case.waiting_for is None:
        case.sla_due_at = main_due(settings, case)
    return True


def start_waiting(settings: Settings, case: Case, what: Waiting, now: dt.datetime) -> None:
    """Pause the clock (reporter, partner) or start the interpreter's; ends any other wait first."""
    if case.waiting_for == what.value:
        return
    stop_waiting(settings, case, now)
    case.waiting_for, case.waiting_since = what.value, now
    if what is Waiting.INTERPRETER:
        due = now + dt.timedelta(hours=settings.sla_interpreter_hours)
        # Someone may be in danger now: asking for an interpreter never gives an immediate case more time.
        case.sla_due_at = min(due, case.sla_due_at) if case.urgency == "immediate" else due
    # Reporter, partner: ``sla_due_at`` stays as it was, frozen, and the case is not breached while it waits.


def stop_waiting(settings: Settings, case: Case, now: dt.datetime) -> None:
    """End the wait: the time spent waiting is added to the case's own deadline."""
    if case.waiting_for is None:
        return
    since = case.waiting_since or now
    case.paused_seconds = (case.paused_seconds or 0) + max(0, int((now - since).total_seconds()))
    case.waiting_for = case.waiting_since = None
    case.sla_due_at = main_due(settings, case)


def urgency_changed(settings: Settings, case: Case) -> None:
    """A triage override changed the urgency: the first-response deadline and the running clock follow."""
    case.first_response_due_at = sla_due_for(settings, case.urgency, case.received_at)
    if case.waiting_for is None:
        case.sla_due_at = main_due(settings, case)
