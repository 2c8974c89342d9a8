"""What a rules pass's probes read of one text (the ninth to thirteenth passes' test modules): the rules alone,
as ``signalement triage classify`` without ``--second-opinion``."""

from __future__ import annotations

from signalement.triage.scoring import TriageInput, classify


def decide(language: str, text: str) -> tuple[str, set[str]]:
    """The urgency and categories the rules give ``text``."""
    decision = classify(TriageInput(language=language, text=text))
    return decision.urgency, set(decision.categories)


def decide_stated(language: str, text: str) -> tuple[str, set[str], set[str]]:
    """``decide``, and the ids of the rules that fired as stated (not denied, hypothetical or reported)."""
    decision = classify(TriageInput(language=language, text=text))
    stated = {r.rule for r in decision.reasons if r.scope is None}
    return decision.urgency, set(decision.categories), stated
