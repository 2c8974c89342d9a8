"""The triage commands, run as a worker or CI would run them: a separate process, stdin, stdout."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from signalement.triage.cli import register
from signalement.triage.evaluation import LabelledExample, evaluate
from support.pg import CI

DEV_SET = Path(os.environ.get("SIGNALEMENT_TRIAGE_DEV",
                           Path(__file__).resolve().parents[4] / "shared" / "data" / "triage" / "dev.jsonl"))


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signalement.triage.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_classify_writes_one_decision_per_line_without_quoting_the_report():
    lines = [
        {"id": "a1", "lang": "tl", "text": "Sinaktan ako ng amo ko kagabi."},
        {"id": 2, "lang": "zh", "text": "老板不让我们出去。"},
        {"id": "a3", "lang": "en", "text": "Is my employer allowed to change my schedule?"},
    ]
    result = run("classify", stdin="\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["id"], o["categories"], o["urgency"]) for o in out] == [
        ("a1", ["physical_abuse"], "immediate"),
        (2, ["confinement"], "immediate"),
        ("a3", ["other"], "standard"),
    ]
    assert set(out[0]) == {"id", "categories", "urgency", "reasons"}
    assert out[0]["reasons"][0] == {
        "source": "rule",
        "rule": "tl.physical_abuse.violence",
        "category": "physical_abuse",
        "urgency": "immediate",
    }
    assert "sinaktan" not in result.stdout.lower()


def test_matched_words_appear_only_when_asked_for():
    line = json.dumps({"id": "x", "lang": "en", "text": "We are locked inside."})
    result = run("triage", "classify", "--show-matches", stdin=line)
    reasons = json.loads(result.stdout)["reasons"]
    assert reasons[0]["matched"] == ["locked inside"]


def test_a_compositional_reason_names_its_concepts_without_quoting_words():
    line = json.dumps({"id": "x", "lang": "en", "text": "supervisor asked me to keep him company in his room"})
    reasons = json.loads(run("classify", stdin=line).stdout)["reasons"]
    combined = [r for r in reasons if r["rule"] == "en.sexual_abuse.power_intimate"]
    assert combined and combined[0]["concepts"] == ["POWER", "INTIMATE"]
    assert "matched" not in combined[0]


def test_structured_answers_are_read_too():
    line = json.dumps({"id": "x", "lang": "en", "text": "", "danger_now": "yes", "categories": ["wages"]})
    out = json.loads(run("classify", stdin=line).stdout)
    assert out["urgency"] == "immediate" and out["categories"] == ["wages"]


def test_a_bad_line_is_reported_by_number_and_the_rest_still_classified():
    result = run("classify", stdin='{"id": "ok", "text": "no pay"}\nnot json at all\n')
    assert result.returncode == 1
    assert "line 2" in result.stderr and "not json" not in result.stderr
    assert json.loads(result.stdout)["id"] == "ok"


def test_eval_prints_the_figures_and_the_check_passes_on_the_dev_set():
    if not DEV_SET.exists():
        if CI:
            pytest.fail(f"development set missing at {DEV_SET}")
        pytest.skip(f"development set not found at {DEV_SET} (set SIGNALEMENT_TRIAGE_DEV)")
    result = run("eval", str(DEV_SET), "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("immediate recall", "urgency accuracy", "micro P/R/F1", "urgency confusion", "wages"):
        assert heading in result.stdout


def test_eval_check_fails_when_the_bar_is_not_met(tmp_path):
    labelled = tmp_path / "hard.jsonl"
    labelled.write_text(
        json.dumps({"id": "h1", "lang": "en", "text": "Fine.", "categories": [], "urgency": "immediate"}) + "\n",
        encoding="utf-8",
    )
    result = run("eval", str(labelled), "--check", "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["immediate_recall"] == 0.0 and report["urgency_errors"] == ["h1"]


def test_eval_refuses_a_malformed_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    result = run("eval", str(bad))
    assert result.returncode == 2 and "line 1" in result.stderr


def test_register_adds_the_triage_command_to_a_parent_cli():
    parser = argparse.ArgumentParser(prog="signalement")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["triage", "eval", "some.jsonl", "--check"])
    assert args.func.__name__ == "run_eval" and args.file == Path("some.jsonl") and args.check
    assert parser.parse_args(["triage", "classify"]).func.__name__ == "run_classify"


def test_evaluate_counts_per_category_and_the_urgency_confusion():
    examples = [
        LabelledExample(
            id="1", lang="en", text="They locked us in.", categories=("confinement",), urgency="immediate"
        ),
        LabelledExample(
            id="2", lang="en", text="No pay.", categories=("wages", "hours_rest"), urgency="high"
        ),
    ]
    report = evaluate(examples)
    scores = {s.category: s for s in report.per_category}
    assert (scores["wages"].true_positives, scores["hours_rest"].false_negatives) == (1, 1)
    assert report.confusion["high"]["standard"] == 1
    assert report.urgency_errors == ("2",) and report.category_errors == ("2",)
    assert report.immediate_recall == 1.0 and report.urgency_accuracy == 0.5


def test_classify_help_says_categories_are_the_reporters_own_answers(capsys):
    import pytest as _pytest

    from signalement.triage.cli import main as _main

    with _pytest.raises(SystemExit):
        _main(["classify", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "REPORTER'S OWN FORM ANSWERS" in text
    assert "triage eval" in text


def test_a_categories_field_is_read_as_the_reporters_answers():
    import argparse
    import io
    import json

    from signalement.triage.cli import run_classify

    out = io.BytesIO()
    line = b'{"id": 1, "lang": "en", "text": "hello", "categories": ["wages"]}\n'
    assert run_classify(argparse.Namespace(show_matches=False), stdin=io.BytesIO(line), stdout=out) == 0
    decision = json.loads(out.getvalue())
    assert decision["categories"] == ["wages"]
    assert {"source": "answer", "rule": "answer.category", "category": "wages", "urgency": None} in decision["reasons"]
