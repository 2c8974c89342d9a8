"""Danger coverage: how many rules each immediate family has in each language.

The table in ``docs/triage.md`` ("Danger coverage") is ``coverage_table()``; a test fails when
the two differ or when a cell is empty, so a language can never silently lack a family.
"""

from __future__ import annotations

from collections.abc import Callable

from signalement.triage.rulebook import Rule, Rulebook, default_rulebook

# The immediate families of issue 12, each as a test on a compiled rule.
FAMILIES: dict[str, Callable[[Rule], bool]] = {
    "sexual violence": lambda r: r.category == "sexual_abuse" and not r.weak,
    "physical violence": lambda r: r.category == "physical_abuse" and not r.weak,
    "confinement": lambda r: r.category == "confinement" and not r.weak,
    "self-harm and suicide": lambda r: r.rule_id.split(".", 1)[1].startswith("danger.self_harm"),
    "medical emergency": lambda r: r.rule_id.split(".", 1)[1] in {"danger.medical_emergency", "danger.bleeding"},
    "trafficking and debt bondage": lambda r: r.signal == "trafficking" or "debt_bondage" in r.rule_id,
    "threats with a weapon": lambda r: "weapon" in r.rule_id or "death_threat" in r.rule_id,
}


def coverage(book: Rulebook | None = None) -> dict[str, dict[str, int]]:
    """Rules per family and language."""
    book = book or default_rulebook()
    counts = {family: dict.fromkeys(book.languages, 0) for family in FAMILIES}
    for rule in book.rules:
        for family, belongs in FAMILIES.items():
            if belongs(rule):
                counts[family][rule.language] += 1
    return counts


def coverage_table(book: Rulebook | None = None) -> str:
    """The Markdown table of ``coverage``: families down, languages across."""
    book = book or default_rulebook()
    counts = coverage(book)
    lines = [
        "| family | " + " | ".join(book.languages) + " |",
        "|---|" + "---|" * len(book.languages),
    ]
    for family, row in counts.items():
        lines.append(f"| {family} | " + " | ".join(str(row[code]) for code in book.languages) + " |")
    return "\n".join(lines)


def concept_coverage_table(book: Rulebook | None = None) -> str:
    """The Markdown table of compositional rules (issue 12, third pass): one row per rule id, with
    the concepts it combines and its window, and per language whether that language has it."""
    book = book or default_rulebook()
    rows: dict[str, tuple[str, set[str]]] = {}
    for rule in book.rules:
        if not rule.concepts:
            continue
        own = rule.rule_id.split(".", 1)[1]
        label = " + ".join(rule.concepts) + f" (within {rule.window})"
        rows.setdefault(own, (label, set()))[1].add(rule.language)
    lines = [
        "| rule | concepts | " + " | ".join(book.languages) + " |",
        "|---|---|" + "---|" * len(book.languages),
    ]
    for own in sorted(rows):
        label, languages = rows[own]
        cells = " | ".join("yes" if code in languages else "—" for code in book.languages)
        lines.append(f"| `{own}` | {label} | {cells} |")
    return "\n".join(lines)
