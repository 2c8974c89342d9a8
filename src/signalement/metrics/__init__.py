"""Usability metrics for the research tier: counts, never people.

The one call every channel makes is ``record``::

    from signalement import metrics
    metrics.record(runtime, "step_reached", channel="sms", language="pa", step="what", variant=arm)

It counts in memory (microseconds, no database write); ``metrics.events.Flusher``
writes the counts as aggregates on a timer and at shutdown. Events, their
fields and what they may never carry are in ``metrics.events``; comments
(scrubbed, sealed to the research key) in ``metrics.comments``; the numbers
the research pages show, with small cells suppressed, in ``metrics.aggregates``
(precomputed off the request path and stored by ``metrics.snapshots``);
Prometheus gauges for operations in ``metrics.operations``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signalement.metrics.comments import MAX_COMMENT, scrub
from signalement.metrics.events import CHANNELS, EVENTS, Recorder, UnknownEventError

if TYPE_CHECKING:
    from signalement.runtime import Runtime

__all__ = ["CHANNELS", "EVENTS", "MAX_COMMENT", "Recorder", "UnknownEventError", "record", "scrub"]


def record(runtime: Runtime, event: str, *, channel: str, language: str, step: str = "", field: str = "",
           variant: str = "", seconds: float | None = None) -> None:
    """Count one usability event for ``runtime``'s app (see ``metrics.events.Recorder.record``).

    ``event`` is one of ``EVENTS``; ``channel`` one of ``CHANNELS``; ``step`` and
    ``field`` are *names* from code (never typed text); ``variant`` is the
    visit's experiment arm label (``Experiment.label``); ``seconds`` is the
    time from the visit's start, only with ``submitted``. Raises
    ``UnknownEventError`` for an unknown event or channel; never touches the
    database and never fails otherwise.
    """
    runtime.recorder.record(event, channel=channel, language=language, step=step, field=field, variant=variant,
                            seconds=seconds)
