"""The rule files: they parse, cover every category in every language, and their examples fire."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from signalement.triage.rulebook import (
    POLICY_SIGNALS,
    RULE_LANGUAGES,
    RULES_DIR,
    Rulebook,
    RuleFileError,
    default_rulebook,
    load_rulebook,
    read_rule_file,
    rule_paths,
)
from signalement.triage.taxonomy import CATEGORIES

RULE_FILES = rule_paths()


def test_there_is_one_rule_file_per_reporter_language():
    assert [p.stem for p in RULE_FILES] == list(RULE_LANGUAGES)
    assert RULE_LANGUAGES == ("en", "fr", "es", "tl", "hi", "pa", "vi", "zh")


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_every_rule_file_parses_and_compiles(path):
    spec = read_rule_file(path)
    assert spec.language == path.stem
    assert spec.rule, path.name
    Rulebook([spec])  # compiling alone catches bad patterns


@pytest.mark.parametrize("language", RULE_LANGUAGES)
def test_every_category_has_rules_in_every_language(language):
    spec = read_rule_file(RULES_DIR / f"{language}.toml")
    covered = {rule.category for rule in spec.rule if rule.category}
    assert covered == set(CATEGORIES), f"{language} lacks {sorted(set(CATEGORIES) - covered)}"


@pytest.mark.parametrize("language", RULE_LANGUAGES)
def test_every_language_has_danger_and_injury_rules(language):
    spec = read_rule_file(RULES_DIR / f"{language}.toml")
    signals = {rule.signal for rule in spec.rule if rule.signal}
    assert {"now", "injury", "injury_serious", "care_refused", "complaint", "trafficking"} <= signals
    assert any(rule.urgency == "immediate" and rule.id == "danger.self_harm" for rule in spec.rule)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_gated_rules_wait_for_a_signal_that_the_same_file_can_raise(path):
    spec = read_rule_file(path)
    raised = {rule.signal for rule in spec.rule if rule.signal}
    for rule in spec.rule:
        assert set(rule.when) <= raised, f"{path.name}: {rule.id} waits for {rule.when}"
    assert raised - POLICY_SIGNALS == set(), "a new signal needs a reader (the policy or a 'when')"


def _examples():
    for path in RULE_FILES:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        for rule in spec.get("rule", []):
            for example in rule.get("examples", []):
                rule_id = f"{spec['language']}.{rule['id']}"
                yield pytest.param(rule_id, example, id=rule_id)


@pytest.mark.parametrize(("rule_id", "example"), list(_examples()))
def test_each_rule_fires_on_its_own_examples(rule_id, example):
    hits, _ = default_rulebook().match(example)
    assert rule_id in {hit.rule.rule_id for hit in hits}


def _write(tmp_path: Path, body: str, language: str = "xx") -> Path:
    path = tmp_path / f"{language}.toml"
    path.write_text(f'language = "{language}"\nname = "Test"\n{body}', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('[[rule]]\nid = "wages.x"\ncategory = "wage"\npatterns = ["unpaid"]', "unknown category"),
        ('[[rule]]\nid = "wages.x"\npatterns = ["unpaid"]', "category, an urgency or a signal"),
        ('[[rule]]\nid = "wages.x"\nurgency = "soon"\npatterns = ["unpaid"]', "urgency"),
        ('[[rule]]\nid = "Wages"\ncategory = "wages"\npatterns = ["unpaid"]', "dotted"),
        ('[[rule]]\nid = "wages.x"\ncategory = "wages"\npatterns = []', "no patterns"),
        ('[[rule]]\nid = "wages.x"\ncategory = "wages"\npatterns = ["unpaid"]\ncolour = "red"', "colour"),
        (
            '[[rule]]\nid = "w.x"\ncategory = "wages"\npatterns = ["a"]\n'
            '[[rule]]\nid = "w.x"\ncategory = "wages"\npatterns = ["b"]',
            "twice",
        ),
        ('[[rule]]\nid = "w.x"\ncategory = "wages"\nsignal = "s"\nwhen = ["t"]\npatterns = ["a"]',
         "cannot also"),
        ('[[rule]]\nid = "w.x"\ncategory = "wages"\npatterns = ["unpaid"\n', "xx.toml"),
    ],
)
def test_a_broken_rule_file_is_refused_with_the_reason(tmp_path, body, problem):
    with pytest.raises(RuleFileError, match=problem):
        read_rule_file(_write(tmp_path, body))


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("pa*", "too short"),
        ("~ paid", "misplaced gap"),
        ("not ~", "must start and end"),
        ("not ~ ~ paid", "misplaced gap"),
        ("not ~40 paid", "gap larger"),
        ("@MISSING ~ paid", "unknown class"),
        ("<9-2> hours", "empty range"),
        ("工资*", "one non-Chinese word"),
    ],
)
def test_a_pattern_that_would_match_too_much_or_nothing_is_refused(tmp_path, pattern, problem):
    path = _write(tmp_path, f'[[rule]]\nid = "wages.x"\ncategory = "wages"\npatterns = ["{pattern}"]')
    with pytest.raises(RuleFileError, match=problem):
        load_rulebook(tmp_path)
    assert path.exists()


def test_a_file_named_for_another_language_is_refused(tmp_path):
    path = tmp_path / "fr.toml"
    path.write_text('language = "en"\nname = "x"\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match="expected 'fr'"):
        read_rule_file(path)


def test_an_analyst_can_add_a_language_without_touching_code(tmp_path):
    _write(
        tmp_path,
        '[classes]\nNEG = ["nao", "nunca"]\n[[rule]]\nid = "wages.not_paid"\ncategory = "wages"\n'
        'patterns = ["@NEG ~3 pag*|salario"]\n',
        language="pt",
    )
    book = load_rulebook(tmp_path)
    hits, _ = book.match("O patrão não pagou o salário")
    assert [hit.rule.rule_id for hit in hits] == ["pt.wages.not_paid"]


def test_the_rules_fingerprint_changes_when_a_rule_file_changes(tmp_path):
    _write(tmp_path, '[[rule]]\nid = "w.x"\ncategory = "wages"\npatterns = ["unpaid"]')
    before = load_rulebook(tmp_path).fingerprint
    assert before == load_rulebook(tmp_path).fingerprint
    _write(tmp_path, '[[rule]]\nid = "w.x"\ncategory = "wages"\npatterns = ["unpaid", "no pay"]')
    assert load_rulebook(tmp_path).fingerprint != before
    assert len(default_rulebook().fingerprint) == 16
