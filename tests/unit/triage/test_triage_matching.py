"""Pattern semantics, on small rule books an analyst might write."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from signalement.triage.rulebook import load_rulebook


def book(tmp_path: Path, rules: str, classes: str = ""):
    (tmp_path / "xx.toml").write_text(
        f'language = "xx"\nname = "Test"\n[classes]\n{classes}\n{rules}', encoding="utf-8"
    )
    return load_rulebook(tmp_path)


def fired(rulebook, text: str) -> list[str]:
    hits, _ = rulebook.match(text)
    return [hit.rule.rule_id for hit in hits]


def test_a_gap_allows_up_to_three_words_and_no_more(tmp_path):
    rules = book(tmp_path, '[[rule]]\nid = "w.x"\ncategory = "wages"\npatterns = ["not ~ paid"]')
    assert fired(rules, "we were not paid") == ["xx.w.x"]
    assert fired(rules, "not ever once been paid") == ["xx.w.x"]
    assert fired(rules, "not ever once yet been paid") == []
    assert fired(rules, "paid not") == []


def test_a_numbered_gap_sets_the_distance(tmp_path):
    rules = book(tmp_path, '[[rule]]\nid = "w.x"\ncategory = "wages"\npatterns = ["refuses ~5 doctor"]')
    assert fired(rules, "refuses to take me to a doctor") == ["xx.w.x"]
    assert fired(rules, "refuses to take me and him to a doctor") == []


def test_word_families_match_prefix_suffix_and_infix(tmp_path):
    rules = book(
        tmp_path,
        '[[rule]]\nid = "a.lock"\ncategory = "confinement"\npatterns = ["lock*"]\n'
        '[[rule]]\nid = "b.pay"\ncategory = "wages"\npatterns = ["*bayar*"]\n'
        '[[rule]]\nid = "c.ing"\ncategory = "other"\npatterns = ["*ung"]\n',
    )
    assert fired(rules, "LOCKED in") == ["xx.a.lock"]
    assert fired(rules, "hindi binabayaran") == ["xx.b.pay"]
    assert fired(rules, "kutung") == ["xx.c.ing"]
    assert fired(rules, "blocked") == []


def test_numbers_match_a_range(tmp_path):
    rules = book(tmp_path, '[[rule]]\nid = "h.long"\ncategory = "hours_rest"\npatterns = ["<12-24> hours"]')
    assert fired(rules, "we work 14 hours") == ["xx.h.long"]
    assert fired(rules, "we work 8 hours") == []
    assert fired(rules, "9" * 5000 + " hours") == []


def test_classes_and_alternatives_including_phrases(tmp_path):
    rules = book(
        tmp_path,
        '[[rule]]\nid = "d.kept"\ncategory = "documents"\npatterns = ["@KEEP ~3 passport|work_permit"]',
        classes='KEEP = ["keeps", "took"]',
    )
    assert fired(rules, "he keeps my work permit") == ["xx.d.kept"]
    assert fired(rules, "he took our passport") == ["xx.d.kept"]
    assert fired(rules, "he keeps my permit") == []


def test_an_exception_cancels_only_the_match_it_overlaps(tmp_path):
    rules = book(
        tmp_path,
        '[[rule]]\nid = "p.hit"\ncategory = "physical_abuse"\npatterns = ["kick*"]\n'
        'unless = ["kick* ~2 out"]',
    )
    assert fired(rules, "they kicked us out") == []
    assert fired(rules, "they kicked us out and then kicked my friend") == ["xx.p.hit"]


def test_a_gated_rule_needs_its_signal_from_any_language(tmp_path):
    rules = book(
        tmp_path,
        '[[rule]]\nid = "r.signal"\nsignal = "complaint"\npatterns = ["complained"]\n'
        '[[rule]]\nid = "r.fired"\ncategory = "reprisal"\nwhen = ["complaint"]\npatterns = ["fired"]\n',
    )
    assert fired(rules, "I was fired") == []
    assert fired(rules, "I complained and was fired") == ["xx.r.signal", "xx.r.fired"]


def test_matched_words_are_quoted_as_typed_not_as_collapsed(tmp_path):
    rules = book(tmp_path, '[[rule]]\nid = "w.x"\ncategory = "wages"\npatterns = ["not ~ paid"]')
    hits, _ = rules.match("We have NOT been paid")
    assert hits[0].matched == ("not been paid",)


@pytest.mark.parametrize("size", [1, 10_000])
def test_repeated_anchors_do_not_blow_up(tmp_path, size):
    rules = book(tmp_path, '[[rule]]\nid = "w.x"\ncategory = "wages"\npatterns = ["no ~12 no ~12 paid"]')
    assert fired(rules, "no " * size) == []


def test_a_text_built_to_make_patterns_backtrack_stays_fast(tmp_path):
    rules = book(tmp_path, '[[rule]]\nid = "w.x"\ncategory = "wages"\npatterns = ["x ~12 y ~12 z ~12 paid"]')
    hostile = ("y z " * 6 + "paid ") * 5000 + " x"
    started = time.process_time()
    assert fired(rules, hostile) == []
    assert time.process_time() - started < 5
