"""The recorder: counts in memory per cell, costs microseconds, refuses what is not an event."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from signalement.metrics.events import EVENTS, Recorder, UnknownEventError
from signalement.metrics.experiments import ExperimentError, parse_experiment


def test_events_count_per_cell_and_carry_no_free_text() -> None:
    hour = dt.datetime(2026, 11, 23, 14, 37, 12, tzinfo=dt.UTC)
    recorder = Recorder(clock=lambda: hour)
    for _ in range(3):
        recorder.record("step_reached", channel="web", language="pa", step="danger", variant="x:plain")
    recorder.record("submitted", channel="sms", language="en", seconds=125)
    cells = recorder.pending()
    assert sorted(cells.values()) == [1, 3]
    for cell in cells:
        assert cell.hour == dt.datetime(2026, 11, 23, 14, tzinfo=dt.UTC)  # the hour, never the minute
    (timed,) = [c for c in cells if c.event == "submitted"]
    assert timed.duration == 3  # 2 to 3 minutes


def test_an_unknown_event_or_channel_is_refused() -> None:
    recorder = Recorder()
    with pytest.raises(UnknownEventError):
        recorder.record("clicked", channel="web", language="en")
    with pytest.raises(UnknownEventError):
        recorder.record("submitted", channel="fax", language="en")
    assert "abandoned" in EVENTS and "sms_step" in EVENTS and "language_switched" in EVENTS


def test_recording_an_event_costs_well_under_a_millisecond() -> None:
    recorder = Recorder()
    n = 20_000
    start = time.perf_counter()
    for i in range(n):
        recorder.record("step_viewed", channel="web", language="en", step=("what", "danger")[i % 2])
    per_event = (time.perf_counter() - start) / n
    assert per_event < 0.0002, per_event  # 0.2 ms even on a loaded machine; typically ~5 µs


def test_experiments_parse_and_draw_only_configured_arms() -> None:
    experiment = parse_experiment("danger-wording@danger:control=1,plain=3")
    assert experiment is not None and experiment.arm_names == ("control", "plain") and experiment.step == "danger"
    draws = [experiment.draw() for _ in range(2000)]
    assert set(draws) == {"control", "plain"} and 1300 < draws.count("plain") < 1700
    assert parse_experiment("") is None
    assert parse_experiment("ship@danger:plain").arm_names == ("plain",)  # type: ignore[union-attr]
    for bad in ("nostep:a=1", "x@y", "x@y:A=1", "x@y:a=one", "x@y:a,a"):
        with pytest.raises(ExperimentError):
            parse_experiment(bad)


def test_hourly_cells_are_kept_at_least_a_day_before_the_roll_up() -> None:
    from signalement.metrics.rollup import cutoff
    from signalement.settings import SettingsError, load_settings

    now = dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC)
    assert cutoff(2, now) == dt.datetime(2026, 11, 21, tzinfo=dt.UTC)  # midnight UTC, whole days
    assert load_settings({}).metrics_hourly_days == 2
    with pytest.raises(SettingsError, match="METRICS_HOURLY_DAYS"):
        load_settings({"SIGNALEMENT_METRICS_HOURLY_DAYS": "0"})
