"""The web form's usability events: what ``metrics.record`` is told, and nothing more.

Each event carries the channel (``web``), the language, the step or field
*name*, the visit's experiment arm and (for ``submitted``) the time since the
visit began. The arm and the furthest step reached travel in the encrypted
draft (``Draft.variant``, ``Draft.reached``), so the server keeps nothing per
visit: no visit id is needed, and none exists outside the reporter's page.
A step counts as *reached* once per visit, the first time the visit gets
that far, so the research funnel counts visits rather than page loads.
"""

from __future__ import annotations

import time

import msgspec

from signalement import i18n, metrics
from signalement.reporter.draft import STEPS, Action, Draft, Step
from signalement.runtime import Runtime

CHANNEL = "web"


def _variant(runtime: Runtime, draft: Draft | None) -> str:
    experiment = runtime.experiment
    if draft is None or experiment is None or not draft.variant:
        return ""
    return experiment.label(draft.variant)


def _record(runtime: Runtime, event: str, lang: i18n.Language, draft: Draft | None = None, *, step: str = "",
            field: str = "", seconds: float | None = None) -> None:
    metrics.record(runtime, event, channel=CHANNEL, language=lang.code, step=step, field=field,
                   variant=_variant(runtime, draft), seconds=seconds)


async def count(runtime: Runtime, event: str, lang: i18n.Language, *, step: str = "", field: str = "",
                draft: Draft | None = None) -> None:
    """One event (kept awaitable for callers written before counting moved into memory)."""
    _record(runtime, event, lang, draft, step=step, field=field)


def begin(runtime: Runtime, lang: i18n.Language, draft: Draft) -> Draft:
    """A new visit: draw its experiment arm, and count its first step as reached and viewed."""
    experiment = runtime.experiment
    if experiment is not None:
        draft = msgspec.structs.replace(draft, variant=experiment.draw())
    draft = msgspec.structs.replace(draft, reached=STEPS.index(draft.step))
    _record(runtime, "step_reached", lang, draft, step=draft.step)
    _record(runtime, "step_viewed", lang, draft, step=draft.step)
    return draft


def invalid(runtime: Runtime, lang: i18n.Language, draft: Draft, fields: set[str]) -> None:
    """Validation errors: the field *names* only, once each per page."""
    for field in sorted(fields):
        _record(runtime, "validation_error", lang, draft, step=draft.step, field=field)


def moved(runtime: Runtime, lang: i18n.Language, draft: Draft, action: Action, target: Step) -> Draft:
    """A step was saved and the visit moves to ``target``; returns the draft with its furthest step."""
    if action in (Action.NEXT, Action.REVIEW):
        _record(runtime, "step_completed", lang, draft, step=draft.step)
    if action is Action.STAY and target is draft.step:  # the in-form language switch posts "stay"
        _record(runtime, "language_switched", lang, draft, step=draft.step)
    if target is not draft.step:
        _record(runtime, "step_viewed", lang, draft, step=target)
    if target in STEPS and STEPS.index(target) > draft.reached:
        for index in range(draft.reached + 1, STEPS.index(target) + 1):
            _record(runtime, "step_reached", lang, draft, step=STEPS[index])
        draft = msgspec.structs.replace(draft, reached=STEPS.index(target))
    return draft


def submitted(runtime: Runtime, lang: i18n.Language, draft: Draft, started: int | None) -> None:
    """The report was filed: count it with its time to complete (bucketed by ``metrics``)."""
    seconds = None if started is None else max(0.0, time.time() - started)
    _record(runtime, "submitted", lang, draft, seconds=seconds)


def followup_used(runtime: Runtime, lang: i18n.Language) -> None:
    _record(runtime, "followup_used", lang, step="followup")
