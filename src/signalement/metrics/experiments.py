"""Experiments: two or more wordings of a step, one random arm per visit, declared in configuration.

``SIGNALEMENT_EXPERIMENT`` names one experiment, the step it changes, and its
arms with weights::

    danger-wording@danger:control=1,plain=1

Each new visit (a web form, an SMS conversation, a call) draws one arm with
``secrets`` (not per person: nothing identifies a person) and carries it in
its own state; every event of the visit records the arm. Stopping is a
configuration change: leave one arm (``danger-wording@danger:plain=1``) and
everyone sees it; remove the setting and the default wording is back.
"""

from __future__ import annotations

import re
import secrets

import msgspec

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
_ARM = re.compile(r"^[a-z0-9][a-z0-9-]{0,11}$")


class ExperimentError(ValueError):
    """``SIGNALEMENT_EXPERIMENT`` is not ``name@step:arm=weight,arm=weight``."""


class Experiment(msgspec.Struct, frozen=True):
    name: str
    step: str
    arms: tuple[tuple[str, int], ...]

    @property
    def arm_names(self) -> tuple[str, ...]:
        return tuple(a for a, _ in self.arms)

    def label(self, arm: str) -> str:
        """What events record as their variant: ``name:arm`` (fits ``funnel_counts.variant``)."""
        return f"{self.name}:{arm}"

    def draw(self) -> str:
        """A random arm, in proportion to the weights."""
        total = sum(w for _, w in self.arms)
        if total <= 0:
            return self.arms[0][0]
        pick = secrets.randbelow(total)
        for arm, weight in self.arms:
            if pick < weight:
                return arm
            pick -= weight
        return self.arms[-1][0]


def parse_experiment(text: str) -> Experiment | None:
    text = text.strip()
    if not text:
        return None
    head, sep, arms_text = text.partition(":")
    name, at, step = head.partition("@")
    if not sep or not at or not _NAME.match(name) or not _NAME.match(step):
        raise ExperimentError(text)
    arms: list[tuple[str, int]] = []
    for item in (a.strip() for a in arms_text.split(",") if a.strip()):
        arm, eq, weight = item.partition("=")
        if not _ARM.match(arm) or (eq and not weight.isdigit()) or arm in {a for a, _ in arms}:
            raise ExperimentError(text)
        arms.append((arm, int(weight) if eq else 1))
    if not arms:
        raise ExperimentError(text)
    return Experiment(name=name, step=step, arms=tuple(arms))
