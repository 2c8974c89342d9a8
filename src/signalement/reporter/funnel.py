"""Funnel counts for the research tier: an event, a step or field name, the channel and the language. Nothing else."""

from __future__ import annotations

from signalement import i18n, metrics
from signalement.runtime import Runtime


async def count(
    runtime: Runtime, event: str, lang: i18n.Language, *, step: str = "", field: str = ""
) -> None:
    """A funnel count: the event, the step or field name, channel and language. Nothing else, ever."""
    await metrics.record_event(runtime.db, event, channel="web", language=lang.code, step=step, field=field)
