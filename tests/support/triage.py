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


# The blind rounds written after both shipped opinions (v3, trained on rounds 10-18) were fixed: each judged them,
# so neither model may be trained on them until a retrained one has a new blind round to judge it (decisions 0020
# and 0021). One list for the two models' tests, so that a new round is named once.
WRITTEN_AFTER_V3: frozenset[str] = frozenset({
    "heldout_blind_r19.jsonl",  # judged v3 (docs/triage.md, round 19)
    "heldout_blind_r20.jsonl",  # judged v3 with the eleventh pass (round 20)
    "heldout_blind_r21.jsonl",  # judged v3 with the twelfth pass (round 21)
    "heldout_blind_r22.jsonl",  # judged v3 with the thirteenth pass (round 22)
    "heldout_blind_r23.jsonl",  # the same configuration again (round 23)
    "heldout_blind_r24.jsonl",  # the same configuration, a second confirmation (round 24)
    "heldout_blind_r25.jsonl",  # the same configuration, a third (round 25)
    "heldout_blind_r26.jsonl",  # judged v3 with the fourteenth pass (round 26)
    "heldout_blind_r27.jsonl",  # judged v3 with the fifteenth pass (round 27)
    "heldout_blind_r28.jsonl",  # the same (round 28)
    "heldout_blind_r29.jsonl",  # judged v3 with the sixteenth pass (round 29)
    "heldout_blind_r30.jsonl",  # the same (round 30)
    "heldout_blind_r31.jsonl",  # judged v3 with the seventeenth pass (round 31)
    "heldout_blind_r32.jsonl",  # the same (round 32)
    "heldout_blind_r33.jsonl",  # the same configuration, a confirmation (round 33)
    "heldout_blind_r34.jsonl",  # the same, a second confirmation (round 34)
})
