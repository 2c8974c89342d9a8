"""Measuring the triage engine against a labelled file (``signalement triage eval``).

A labelled file is JSON lines with ``id``, ``lang``, ``text``, ``categories`` and
``urgency``, like ``data/triage/dev.jsonl``. The report gives per-category
precision and recall, category micro-F1, urgency accuracy, the urgency confusion
matrix and, first because it matters most, recall on ``immediate``. It names
misclassified examples by id only: a labelled file may hold real allegations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import msgspec

from signalement.triage.scoring import TriageDecision, TriageInput, classify
from signalement.triage.taxonomy import CATEGORIES, URGENCIES


class LabelledFileError(ValueError):
    """A labelled file line that is not valid JSON or misses a field."""


class LabelledExample(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a labelled file."""

    id: str
    lang: str
    text: str
    categories: tuple[str, ...]
    urgency: str


class CategoryScore(msgspec.Struct, frozen=True, kw_only=True):
    """Counts and scores for one category."""

    category: str
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float
    recall: float


class EvaluationReport(msgspec.Struct, frozen=True, kw_only=True):
    """Everything ``signalement triage eval`` prints."""

    examples: int
    immediate_recall: float
    urgency_accuracy: float
    micro_precision: float
    micro_recall: float
    micro_f1: float
    per_category: tuple[CategoryScore, ...]
    confusion: dict[str, dict[str, int]]  # gold urgency -> predicted urgency -> count
    urgency_errors: tuple[str, ...]
    category_errors: tuple[str, ...]


def read_labelled(path: Path) -> list[LabelledExample]:
    """Parse a labelled JSON-lines file; ``LabelledFileError`` names the bad line."""
    decoder = msgspec.json.Decoder(LabelledExample)
    examples = []
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                examples.append(decoder.decode(line))
            except msgspec.DecodeError as exc:
                raise LabelledFileError(f"{path.name}, line {number}: {exc}") from None
    return examples


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def evaluate(
    examples: Iterable[LabelledExample],
    classifier: Callable[[TriageInput], TriageDecision] = classify,
) -> EvaluationReport:
    """Classify each example from its text and language, and score against its labels."""
    counts = {code: [0, 0, 0] for code in CATEGORIES}  # tp, fp, fn
    confusion = {gold: dict.fromkeys(URGENCIES, 0) for gold in URGENCIES}
    urgency_errors: list[str] = []
    category_errors: list[str] = []
    total = 0
    for example in examples:
        total += 1
        decision = classifier(TriageInput(language=example.lang, text=example.text))
        gold, predicted = set(example.categories), set(decision.categories)
        for code in CATEGORIES:
            if code in gold and code in predicted:
                counts[code][0] += 1
            elif code in predicted:
                counts[code][1] += 1
            elif code in gold:
                counts[code][2] += 1
        if gold != predicted:
            category_errors.append(example.id)
        if example.urgency in confusion:
            confusion[example.urgency][decision.urgency] += 1
        if decision.urgency != example.urgency:
            urgency_errors.append(example.id)
    tp = sum(c[0] for c in counts.values())
    fp = sum(c[1] for c in counts.values())
    fn = sum(c[2] for c in counts.values())
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    correct = sum(confusion[u][u] for u in URGENCIES)
    immediate_total = sum(confusion["immediate"].values())
    return EvaluationReport(
        examples=total,
        immediate_recall=_ratio(confusion["immediate"]["immediate"], immediate_total),
        urgency_accuracy=_ratio(correct, total),
        micro_precision=precision,
        micro_recall=recall,
        micro_f1=2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        per_category=tuple(
            CategoryScore(
                category=code,
                true_positives=c[0],
                false_positives=c[1],
                false_negatives=c[2],
                precision=_ratio(c[0], c[0] + c[1]),
                recall=_ratio(c[0], c[0] + c[2]),
            )
            for code, c in counts.items()
        ),
        confusion=confusion,
        urgency_errors=tuple(urgency_errors),
        category_errors=tuple(category_errors),
    )


def format_report(report: EvaluationReport) -> str:
    """The report as a plain-text table for a terminal."""
    lines = [
        f"examples                {report.examples}",
        f"immediate recall        {report.immediate_recall:.3f}",
        f"urgency accuracy        {report.urgency_accuracy:.3f}",
        f"category micro P/R/F1   {report.micro_precision:.3f} / {report.micro_recall:.3f}"
        f" / {report.micro_f1:.3f}",
        "",
        f"{'category':<22}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}{'fn':>5}",
    ]
    for score in report.per_category:
        if score.true_positives + score.false_positives + score.false_negatives == 0:
            continue
        lines.append(
            f"{score.category:<22}{score.precision:>10.3f}{score.recall:>8.3f}"
            f"{score.true_positives:>5}{score.false_positives:>5}{score.false_negatives:>5}"
        )
    lines += ["", "urgency confusion (rows: labelled, columns: predicted)"]
    lines.append(f"{'':<12}" + "".join(f"{u:>11}" for u in URGENCIES))
    for gold in URGENCIES:
        lines.append(f"{gold:<12}" + "".join(f"{report.confusion[gold][u]:>11}" for u in URGENCIES))
    lines += [
        "",
        "urgency errors:  " + (", ".join(report.urgency_errors) or "none"),
        "category errors: " + (", ".join(report.category_errors) or "none"),
    ]
    return "\n".join(lines)
