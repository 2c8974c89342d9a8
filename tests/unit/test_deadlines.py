"""The case clock (``deadlines``), on case rows held in memory: what counts, what pauses, what is late."""

from __future__ import annotations

import datetime as dt

import pytest

from signalement import deadlines
from signalement.db.models import Case
from signalement.deadlines import Waiting
from signalement.settings import Settings
from signalement.triage.sla import sla_due

SETTINGS = Settings()
MONDAY_10 = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)  # 10:00 in Ottawa


def new_case(urgency: str = "standard") -> Case:
    due = sla_due(urgency, MONDAY_10)
    return Case(urgency=urgency, received_at=MONDAY_10, sla_due_at=due, first_response_due_at=due, is_open=True,
                paused_seconds=0, status="new")


@pytest.mark.parametrize("action", ["case.open", "case.assign", "case.note", "case.legal_hold", "case.export",
                                    "evidence.view", "case.clock"])
def test_looking_and_internal_work_do_not_meet_the_first_response(action: str) -> None:
    case = new_case()
    before = case.sla_due_at
    assert not deadlines.record_action(SETTINGS, case, action, MONDAY_10 + dt.timedelta(hours=1))
    assert case.first_response_at is None and case.sla_due_at == before


@pytest.mark.parametrize("action", sorted(deadlines.COUNTING_ACTIONS))
def test_a_counting_action_meets_it_once_and_the_case_moves_to_its_resolution_target(action: str) -> None:
    case = new_case()
    later = MONDAY_10 + dt.timedelta(hours=2)
    assert deadlines.record_action(SETTINGS, case, action, later)
    assert case.first_response_at == later
    assert case.sla_due_at == deadlines.resolution_due(SETTINGS, "standard", MONDAY_10)
    assert deadlines.clock_of(case) == "resolution"
    assert not deadlines.record_action(SETTINGS, case, action, later + dt.timedelta(hours=1))  # only the first
    assert case.first_response_at == later


@pytest.mark.parametrize("what", [Waiting.REPORTER, Waiting.PARTNER])
def test_waiting_for_the_reporter_or_a_partner_stops_the_clock_and_gives_the_time_back(what: Waiting) -> None:
    case = new_case()
    deadlines.record_action(SETTINGS, case, "case.reply", MONDAY_10)
    target = case.sla_due_at
    deadlines.start_waiting(SETTINGS, case, what, MONDAY_10)
    far_later = target + dt.timedelta(days=30)
    assert case.sla_due_at == target and deadlines.clock_of(case) == "stopped"
    assert not deadlines.is_breached(is_open=True, due=case.sla_due_at, waiting_for=case.waiting_for, now=far_later)
    deadlines.stop_waiting(SETTINGS, case, MONDAY_10 + dt.timedelta(days=3))
    assert case.waiting_for is None and case.paused_seconds == 3 * 86400
    assert case.sla_due_at == target + dt.timedelta(days=3)


def test_an_interpreter_runs_its_own_clock_never_longer_than_an_immediate_deadline() -> None:
    standard = new_case()
    deadlines.start_waiting(SETTINGS, standard, Waiting.INTERPRETER, MONDAY_10)
    assert standard.sla_due_at == MONDAY_10 + dt.timedelta(hours=SETTINGS.sla_interpreter_hours)
    assert deadlines.clock_of(standard) == "interpreter"
    assert deadlines.is_breached(is_open=True, due=standard.sla_due_at, waiting_for="interpreter",
                                 now=standard.sla_due_at + dt.timedelta(seconds=1))
    immediate = new_case("immediate")
    main = immediate.sla_due_at
    deadlines.start_waiting(SETTINGS, immediate, Waiting.INTERPRETER, main - dt.timedelta(hours=2))
    assert immediate.sla_due_at == main  # danger does not wait for an interpreter


def test_a_new_wait_ends_the_old_one_and_closed_cases_are_never_late() -> None:
    case = new_case()
    deadlines.start_waiting(SETTINGS, case, Waiting.INTERPRETER, MONDAY_10)
    deadlines.start_waiting(SETTINGS, case, Waiting.REPORTER, MONDAY_10 + dt.timedelta(hours=1))
    assert case.waiting_for == "reporter" and case.paused_seconds == 3600
    assert not deadlines.is_breached(is_open=False, due=MONDAY_10, waiting_for=None, now=MONDAY_10 + dt.timedelta(1))


def test_an_urgency_override_moves_the_first_response_deadline() -> None:
    case = new_case()
    case.urgency = "immediate"
    deadlines.urgency_changed(SETTINGS, case)
    assert case.first_response_due_at == case.sla_due_at == MONDAY_10 + dt.timedelta(hours=24)
