"""Every labelled text classifies exactly as when the decisions were pinned (issue 12, throughput).

A speed change to the engine (folding, tokenizing, matching, scope) must not change any decision:
for each text of every labelled set here and of the shared development set, and for long texts
made by joining a set's texts of one language, the whole ``TriageDecision`` (urgency, categories,
every reason with its rule id, scope and quoted words, police referral) is hashed and compared with
``pinned_decisions.json``. A rule change changes decisions on purpose; then regenerate, from the
repository root, and commit the file with the rules:

    .venv/bin/python tests/unit/triage/test_triage_pinned.py --write

(the shared development set is read from ``SIGNALEMENT_TRIAGE_DEV`` or ``../shared/data/triage``).
A decision must not depend on the process either: the joined texts are classified again in
processes with different ``PYTHONHASHSEED`` values (set and dict-of-set iteration order), and
``--joined`` prints their digests.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from signalement.triage.evaluation import read_labelled
from signalement.triage.scoring import TriageInput, classify, rules_fingerprint

HERE = Path(__file__).resolve().parent
PINNED = HERE / "pinned_decisions.json"
REPO = HERE.parents[2]
DEV_SET = Path(os.environ.get("SIGNALEMENT_TRIAGE_DEV", REPO.parent / "shared" / "data" / "triage" / "dev.jsonl"))
# Texts of one language joined into one long report: several sentences, languages shown per
# sentence, repeated anchors, the long-text paths of the matcher.
JOINED = 6


def labelled_texts(path: Path) -> Iterator[tuple[str, str, str]]:
    """(key, language, text) for each line of a labelled file, then for its joined texts."""
    by_language: dict[str, list[str]] = {}
    for example in read_labelled(path):
        yield f"{path.name}:{example.id}", example.lang, example.text
        by_language.setdefault(example.lang, []).append(example.text)
    for language, texts in sorted(by_language.items()):
        for start in range(0, len(texts), JOINED):
            yield f"{path.name}:joined:{language}:{start}", language, " ".join(texts[start : start + JOINED])


def decision_digest(language: str, text: str) -> str:
    """A short hash of the whole decision on one text."""
    decision = classify(TriageInput(language=language, text=text))
    return hashlib.sha256(msgspec.json.encode(decision)).hexdigest()[:16]


def digests(paths: list[Path]) -> dict[str, str]:
    return {key: decision_digest(lang, text) for path in paths for key, lang, text in labelled_texts(path)}


def local_sets() -> list[Path]:
    return sorted(HERE.glob("*.jsonl"))


def _pinned() -> dict[str, object]:
    return json.loads(PINNED.read_text(encoding="utf-8"))


def _compare(paths: list[Path]) -> None:
    pinned = _pinned()
    stored: dict[str, str] = pinned["decisions"]  # type: ignore[assignment]
    names = {path.name for path in paths}
    expected = {key: value for key, value in stored.items() if key.split(":", 1)[0] in names}
    actual = digests(paths)
    changed = sorted(key for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key))
    rules_note = (
        ""
        if pinned["rules"] == rules_fingerprint()
        else " (the rule files changed since the decisions were pinned: if on purpose, regenerate, see the docstring)"
    )
    assert not changed, f"{len(changed)} decisions differ{rules_note}: {changed[:20]}"


def test_every_labelled_text_classifies_as_pinned() -> None:
    _compare(local_sets())


def test_every_dev_set_text_classifies_as_pinned() -> None:
    if not DEV_SET.exists():
        pytest.skip(f"development set not found at {DEV_SET} (set SIGNALEMENT_TRIAGE_DEV)")
    _compare([DEV_SET])


# Hash seeds for the processes that classify the joined texts again (0 and 1 used to differ).
SEEDS = (0, 1, 2)


def joined_digests() -> dict[str, str]:
    """The digests of the joined texts of every set (those where many matches of a rule meet)."""
    paths = [*local_sets(), *([DEV_SET] if DEV_SET.exists() else [])]
    return {
        key: decision_digest(language, text)
        for path in paths
        for key, language, text in labelled_texts(path)
        if ":joined:" in key
    }


def test_decisions_do_not_depend_on_the_hash_seed() -> None:
    """Each seed orders sets differently; a scope or quote chosen by that order would differ here."""
    runs = [
        subprocess.Popen(
            [sys.executable, __file__, "--joined"],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in SEEDS
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    first, *others = (json.loads(output) for output in outputs)
    assert first
    for seed, other in zip(SEEDS[1:], others, strict=True):
        changed = sorted(key for key in first if first[key] != other.get(key))
        assert not changed, f"PYTHONHASHSEED={SEEDS[0]} and {seed}: {len(changed)} decisions differ: {changed[:20]}"


def write_pinned() -> None:
    """Classify every set with the current engine and rules and store the digests."""
    if not DEV_SET.exists():
        raise SystemExit(f"development set not found at {DEV_SET} (set SIGNALEMENT_TRIAGE_DEV)")
    decisions = digests([*local_sets(), DEV_SET])
    pinned = {"rules": rules_fingerprint(), "decisions": dict(sorted(decisions.items()))}
    PINNED.write_text(json.dumps(pinned, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(decisions)} decisions pinned in {PINNED.relative_to(REPO)}, rules {pinned['rules']}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--joined"]:
        print(json.dumps(joined_digests()))
    elif sys.argv[1:] == ["--write"]:
        write_pinned()
    else:
        raise SystemExit(__doc__)
