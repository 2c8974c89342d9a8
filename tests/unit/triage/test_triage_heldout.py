"""The quality bar on held-out sets written apart from the development set.

``heldout.jsonl`` (204 lines, about 25 per language) was written before its author read the
rule files, in the style of ``dev.jsonl`` but with other vocabulary: synonyms, slang,
misspellings and missing accents, Taglish/Hinglish, romanized and Gurmukhi Punjabi, SMS-short
texts, and ordinary texts that must stay ``standard``. ``heldout_probes.jsonl`` (240 lines) holds
three later probe rounds of 80, and ``heldout_benign.jsonl`` ordinary texts that reuse risky
words. ``heldout_blind_r2_<n>.jsonl`` are the five blind rounds of the second pass (80 lines
each, 10 per language, about a quarter ordinary; each written before that round's rule
changes), and ``heldout_benign_r2.jsonl`` ordinary texts reusing the words that pass added.
The rules were then improved against all of them, so these tests guard against
regressions; they are not an unbiased estimate (docs/triage.md gives the blind figures).

The sets are scored with the evaluation code and thresholds of ``signalement triage eval
--check``.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import pytest

from signalement.triage.cli import MIN_IMMEDIATE_RECALL, MIN_MICRO_F1, MIN_URGENCY_ACCURACY, main
from signalement.triage.evaluation import evaluate, read_labelled
from signalement.triage.rulebook import RULE_LANGUAGES as LANGUAGES
from signalement.triage.scoring import classify
from signalement.triage.taxonomy import CATEGORIES, URGENCIES

HERE = Path(__file__).resolve().parent
HELDOUT = HERE / "heldout.jsonl"
PROBES = HERE / "heldout_probes.jsonl"
BENIGN = HERE / "heldout_benign.jsonl"
BENIGN_R2 = HERE / "heldout_benign_r2.jsonl"
BLIND_R2 = sorted(HERE.glob("heldout_blind_r2_*.jsonl"))
# Round 5 (issue 12): scored once untouched (docs/triage.md), then its misses were fixed.
BLIND_R3 = sorted(HERE.glob("heldout_blind_r3_*.jsonl"))
# Issue 12, second pass: probes written by the engineer widening the families (TUNING, not blind:
# the author had read the rules; docs/triage.md gives its figures before and after).
TUNING_S6 = HERE / "heldout_tuning_s6.jsonl"
# Round 6 (issue 12): written blind and scored once untouched (docs/triage.md: 0.792 / 0.812 / 0.801), then
# its misses were fixed by family: now a regression set under the same bar, with the untouched floor kept.
BLIND_R6 = HERE / "heldout_blind_r6.jsonl"
# Issue 12, third pass (compositional rules): probes written before that pass changed any rule, scored
# untouched (docs/triage.md: 0.738 / 0.794 / 0.859), then tuned on; and ordinary texts reusing the
# concept words. TUNED, not blind.
TUNING_S7 = HERE / "heldout_tuning_s7.jsonl"
BENIGN_S7 = HERE / "heldout_benign_s7.jsonl"
# Round 7 (issue 12): written blind, scored untouched by the lead on the rules before and after the third
# pass (docs/triage.md: 0.857 / 0.875 / 0.868 and 0.870), then its misses were fixed by family: TUNED since.
BLIND_R7 = HERE / "heldout_blind_r7.jsonl"
# Round 8 (issue 12): written blind by another writer at the same time as round 7, kept from every engineer
# of the third pass and scored once by the lead after it (docs/triage.md: 0.893 / 0.836 / 0.810), then its
# misses were fixed by family in the fourth pass: TUNED since, its untouched floor kept.
BLIND_R8 = HERE / "heldout_blind_r8.jsonl"
# Issue 12, fourth pass: probes written by the engineer of that pass after the round-8 fixes (not round 8's
# texts): hinted self-harm, coercion by euphemism, jokes and heat idioms, conditional threats, humiliation
# without touch, and look-alikes (insurance questions, contracts to the end of the harvest). TUNED, not blind.
TUNING_S8 = HERE / "heldout_tuning_s8.jsonl"
# Round 9 (issue 12): written blind by a separate writer, kept from the fourth pass and scored untouched by
# the lead after it (docs/triage.md: 47/56, 107/128, 0.779), then its misses were fixed by family in the
# fifth pass: TUNED since, its untouched floor kept.
BLIND_R9 = HERE / "heldout_blind_r9.jsonl"
# Issue 12, fifth pass: probes written by the engineer of that pass (not round 9's texts): escorted
# confinement, coercion by images, marriage forced, injuries with care refused, hinted self-harm, and
# look-alikes (questions about being sent home, rumours, jokes, alarmed-but-routine mismatches). TUNED.
TUNING_S9 = HERE / "heldout_tuning_s9.jsonl"
# Round 10 (issue 12): the newest blind round, written by another separate writer who read only taxonomy.md and
# a style brief, kept from the fifth pass (its engineer never saw it), scored untouched by the lead before and
# once after that pass (docs/triage.md: 54/56, 117/128, 0.851 after). NOT tuned on: only a floor holds it, and
# the bar of the issue is not met on it (0.964 / 0.914 / 0.851 against 0.97 / 0.90 / 0.88).
BLIND_R10 = HERE / "heldout_blind_r10.jsonl"
# Round 11 (issue 12): written blind on 2026-12-04 by another separate writer (taxonomy.md and a style brief
# only), scored once untouched by the lead on the fifth pass's rules (docs/triage.md: 50/56, 114/128, 0.825)
# before any sixth-pass change. Round 12 is written, sealed, before tuning on rounds 10 and 11.
BLIND_R11 = HERE / "heldout_blind_r11.jsonl"
# Round 12 (issue 12): written blind on 2026-12-04 by another separate writer (taxonomy.md and the style brief,
# asked for more calm and indirect reports), sealed outside the repository during the sixth pass, scored
# untouched by the lead on the fifth and sixth passes' rules (docs/triage.md: 43/56, 104/128, 0.769 and 43/56,
# 105/128, 0.785). The round the sixth pass is judged on: the bar is not met.
BLIND_R12 = HERE / "heldout_blind_r12.jsonl"
# Round 13 (issue 12): the newest blind round, written on 2026-12-04 by another separate writer (taxonomy.md and
# the brief of round 12), sealed outside the repository during the seventh pass, scored untouched by the lead on
# the sixth and seventh passes' rules (docs/triage.md: 44/56, 103/128, 0.792 and 45/56, 104/128, 0.795), then its
# misses were fixed by family in the eighth pass: TUNED since, its untouched floor kept. Round 14, sealed from
# that pass, is the round it is judged on.
BLIND_R13 = HERE / "heldout_blind_r13.jsonl"
# Issue 12, sixth pass: probes written by the engineer of that pass before any of its rule changes (not the
# texts of rounds 10 and 11): weapons shown as threats, coercion by a consultant or the owner's son, sexual
# messages, reprisal by numbers, papers against money, contract-then-other-work, and look-alikes (insurance-if-hurt
# questions, cries for help over pay, a door locked by the worker, news joined by "and"). TUNED.
TUNING_S10 = HERE / "heldout_tuning_s10.jsonl"
# Issue 12, seventh pass: probes written by the engineer of that pass before any of its rule changes (not round
# 12's texts): serious reports asked as questions or beside a reassurance, confinement without lock words, hinted
# self-harm as an image, care refused in code-switched words, a relative's account, a favour against papers, and
# look-alikes (insurance-if-hurt questions, news, a joke). 4 a language. TUNED.
TUNING_S11 = HERE / "heldout_tuning_s11.jsonl"
# Issue 12, eighth pass: probes written by the engineer of that pass before any of its rule changes (not round 13's
# texts): passive self-harm (better off without me, farewell letters, "if I were gone"), confinement without lock
# words (hidden from visitors, brought back, escorted), sexual abuse told indirectly, debts to recruiters, and
# look-alikes (heat and "dying to" idioms, a friend beaten on another farm, questions about pay). 4 a language.
# TUNED, held at its own figures rather than the bar: six of its routine texts are questions about overtime or
# holiday pay labelled `wages`, which the earlier sets (heldout_benign, s8, probes) label `other` and the rules
# follow; recounting them would be tuning the labels.
TUNING_S12 = HERE / "heldout_tuning_s12.jsonl"
# Rounds 14 and 15 (issue 12): the newest blind rounds, written on 2026-12-05 by two more separate writers
# (taxonomy.md and round 12's brief: calm and indirect reports, alarm words in routine ones), sealed outside the
# repository while the eighth pass and the fast second opinion (decision 0020) were made, then scored once each by
# the lead, untouched (docs/triage.md "Rounds 14 and 15"). Never tuned on; the next pass needs a round 16.
BLIND_R14 = HERE / "heldout_blind_r14.jsonl"
BLIND_R15 = HERE / "heldout_blind_r15.jsonl"
# Round 16 (issue 12): written on 2026-12-05 (03:05 UTC) by another separate writer with the same brief, sealed while
# the second opinion was retrained with rounds 14 and 15 (model v2, decision 0020), then scored once untouched by
# the lead with the rules, model v1 and model v2 (docs/triage.md "Round 16"). Never tuned on.
BLIND_R16 = HERE / "heldout_blind_r16.jsonl"
# Round 17 (issue 12): written on 2026-12-05 (03:50 UTC) by another separate writer with the same brief (taxonomy.md
# only), sealed while the category opinion (decision 0021) was trained and committed (2f2c099), then scored once
# untouched by the lead: rules alone, + the second opinion, + the category opinion, + both (docs/triage.md
# "Round 17"). Tuned on since by the ninth rules pass; round 18 judges that pass and the retrained category opinion.
BLIND_R17 = HERE / "heldout_blind_r17.jsonl"
# Round 18 (issue 12): written on 2026-12-05 (03:50 UTC) by another separate writer with the same brief, sealed while
# the ninth rules pass (tuned on round 17) and category opinion v2 were made, then scored once untouched by the lead
# (docs/triage.md "Round 18"). Never tuned on.
BLIND_R18 = HERE / "heldout_blind_r18.jsonl"
# Round 19 (issue 12): written on 2026-12-05 (06:27 UTC) by another separate writer with the same brief, sealed while
# the tenth rules pass (tuned on round 18) was made and both opinions were retrained with rounds 16-18 (v3), then
# scored once untouched by the lead (docs/triage.md "Round 19"). Round 20 was written at the same time and stays
# sealed while the eleventh pass is tuned on this one.
BLIND_R19 = HERE / "heldout_blind_r19.jsonl"
# Round 20 (issue 12): written on 2026-12-05 (06:27 UTC) by a fourth writer with the same brief (asked for more long
# rambling and very short messages, code-switching and implied danger), sealed while the eleventh pass was tuned on
# round 19, then scored once untouched by the lead (docs/triage.md "Round 20"). Never tuned on.
BLIND_R20 = HERE / "heldout_blind_r20.jsonl"
# Round 21 (issue 12): written on 2026-12-05 (07:30 UTC) by a fifth writer with the same brief (asked for questions,
# reports about a co-worker, several problems at once and minimised danger), sealed while the twelfth pass was tuned
# on round 20, then scored once untouched by the lead (docs/triage.md "Round 21").
BLIND_R21 = HERE / "heldout_blind_r21.jsonl"
# Round 22 (issue 12): written on 2026-12-05 (07:48 UTC) by a sixth writer with the same brief (asked for voice
# dictation without punctuation, reports forwarded by a relative, a routine start that reveals the real problem at
# the end, and very short messages), sealed while the thirteenth pass was tuned on round 21, then scored once
# untouched by the lead (docs/triage.md "Round 22"). Never tuned on.
BLIND_R22 = HERE / "heldout_blind_r22.jsonl"
# Round 23 (issue 12): written on 2026-12-05 (08:10 UTC) by a seventh writer with the same brief, as a confirmation
# round: nothing changed in the rules or the models between round 22's score and this one's. Scored once untouched
# (docs/triage.md "Round 23").
BLIND_R23 = HERE / "heldout_blind_r23.jsonl"
# Rounds 24 and 25 (issue 12): written on 2026-12-05 (09:10 UTC) by an eighth and a ninth writer with the same brief
# (round 24: hurried messages on a watched phone, reports about a co-worker, several problems where one is serious;
# round 25: replies to a follow-up, questions that reveal the act, thanks and apologies, slang and regional words,
# family euphemisms), a second and third confirmation of the thirteenth pass's configuration. Each scored once
# untouched (docs/triage.md "Rounds 24 and 25"): round 24 met the bar, round 25 fell short on category micro-F1.
BLIND_R24 = HERE / "heldout_blind_r24.jsonl"
BLIND_R25 = HERE / "heldout_blind_r25.jsonl"
# Round 26 (issue 12): written on 2026-12-05 (09:25 UTC) by a tenth writer with the same brief (long accounts told
# week by week, 3-10 word replies, the boss quoted in his own words, minimisers and exaggerators), sealed while the
# fourteenth pass was tuned on rounds 24 and 25, then scored once untouched (docs/triage.md "Round 26").
BLIND_R26 = HERE / "heldout_blind_r26.jsonl"
# Rounds 27 and 28 (issue 12): written on 2026-12-05 (09:40 UTC) by an eleventh and a twelfth writer with the same
# brief (round 27: plain medium-length reports across sectors, a spouse back home, a worker who has left; round 28:
# SMS bursts, heavy code-switching, the act told by its consequence), sealed while the fifteenth pass was tuned on
# round 26, then each scored once untouched on the fifteenth pass's configuration (docs/triage.md "Rounds 27 and 28").
BLIND_R27 = HERE / "heldout_blind_r27.jsonl"
BLIND_R28 = HERE / "heldout_blind_r28.jsonl"
# Rounds 29 and 30 (issue 12): written on 2026-12-05 (10:10 UTC) by a thirteenth and a fourteenth writer with the same
# brief (round 29: a balanced week of messages; round 30: phonetic spelling by workers with little schooling), sealed
# while the sixteenth pass was tuned on rounds 27 and 28, then each scored once untouched (docs/triage.md "Rounds 29
# and 30").
BLIND_R29 = HERE / "heldout_blind_r29.jsonl"
BLIND_R30 = HERE / "heldout_blind_r30.jsonl"
# Rounds 31 and 32 (issue 12): written on 2026-12-05 (10:15 UTC) by a fifteenth and a sixteenth writer with the same
# brief, in styles the lead chose after reading rounds 29-30's errors (31: money-heavy, loose "scam" talk; 32: how
# workers are spoken to, what followed a complaint), sealed while the seventeenth pass was tuned on rounds 29 and 30,
# then each scored once untouched (docs/triage.md "Rounds 31 and 32").
BLIND_R31 = HERE / "heldout_blind_r31.jsonl"
BLIND_R32 = HERE / "heldout_blind_r32.jsonl"
# Rounds 33 and 34 (issue 12): written on 2026-12-05 (10:20 UTC) by a seventeenth and an eighteenth writer with the same
# brief in neutral styles (33: the brief's styles alone; 34: one harvest week's messages), as confirmation rounds:
# nothing changed since rounds 31 and 32 were scored. Each scored once untouched (docs/triage.md "Rounds 33 and 34").
# The newest blind rounds: `triage eval --check --second-opinion` is judged on them.
BLIND_R33 = HERE / "heldout_blind_r33.jsonl"
BLIND_R34 = HERE / "heldout_blind_r34.jsonl"


@pytest.fixture(scope="module")
def heldout_report():
    return evaluate(read_labelled(HELDOUT))


@pytest.fixture(scope="module")
def probes_report():
    return evaluate(read_labelled(PROBES))


@pytest.mark.parametrize(
    "path",
    [HELDOUT, PROBES, BENIGN, BENIGN_R2, *BLIND_R2, *BLIND_R3, TUNING_S6, BLIND_R6, TUNING_S7, BENIGN_S7, BLIND_R7,
     BLIND_R8, TUNING_S8, BLIND_R9, TUNING_S9, BLIND_R10, BLIND_R11, BLIND_R12, TUNING_S10, TUNING_S11,
     BLIND_R13, TUNING_S12, BLIND_R14, BLIND_R15, BLIND_R16, BLIND_R17, BLIND_R18, BLIND_R19, BLIND_R20, BLIND_R21,
     BLIND_R22, BLIND_R23, BLIND_R24, BLIND_R25, BLIND_R26, BLIND_R27, BLIND_R28,
     BLIND_R29, BLIND_R30, BLIND_R31, BLIND_R32, BLIND_R33, BLIND_R34],
    ids=lambda p: p.name,
)
def test_labelled_sets_are_well_formed(path):
    examples = read_labelled(path)
    assert len({e.id for e in examples}) == len(examples), "duplicate ids"
    for example in examples:
        assert example.lang in LANGUAGES, example.id
        assert example.text.strip(), example.id
        assert example.categories and set(example.categories) <= set(CATEGORIES), example.id
        assert example.urgency in URGENCIES, example.id
        assert "other" not in example.categories or len(example.categories) == 1, example.id


def test_heldout_covers_every_language_with_about_25_lines():
    per_language = Counter(e.lang for e in read_labelled(HELDOUT))
    assert set(per_language) == set(LANGUAGES)
    assert min(per_language.values()) >= 25, per_language
    urgencies = Counter(e.urgency for e in read_labelled(HELDOUT))
    assert min(urgencies[u] for u in URGENCIES) >= 50, urgencies


def test_no_immediate_heldout_report_is_missed(heldout_report):
    assert heldout_report.immediate_recall == 1.0, heldout_report.urgency_errors
    assert heldout_report.immediate_recall >= MIN_IMMEDIATE_RECALL


def test_heldout_urgency_accuracy_is_at_least_ninety_percent(heldout_report):
    assert heldout_report.urgency_accuracy >= 0.90, heldout_report.urgency_errors
    assert heldout_report.urgency_accuracy >= MIN_URGENCY_ACCURACY


def test_heldout_category_micro_f1_is_at_least_085(heldout_report):
    assert heldout_report.micro_f1 >= 0.85, heldout_report.category_errors
    assert heldout_report.micro_f1 >= MIN_MICRO_F1


def test_the_eval_command_passes_its_check_on_the_heldout_set(capsys):
    assert main(["eval", str(HELDOUT), "--check"]) == 0
    assert "quality bar: met" in capsys.readouterr().err


@pytest.mark.parametrize(
    "path", [BLIND_R22, BLIND_R23, BLIND_R24, BLIND_R31, BLIND_R32, BLIND_R33, BLIND_R34], ids=lambda p: p.name
)
def test_the_eval_command_passes_its_check_on_the_blind_rounds_that_met_the_bar(path, capsys):
    # The bar, "on the newest blind round": rounds 22-24 and 31-34 met it when each was the newest, scored
    # once untouched with both opinions on, as the service runs by default, and they still do; 33 and 34, the newest,
    # are confirmation rounds of 31-32's configuration. Rounds 25-30 fell short on urgency or micro-F1 by one to a few
    # reports (docs/triage.md "What rounds 17-34 say together"): the bar is not held on every round by construction,
    # and this test does not claim it is; it holds the rounds that met it.
    assert main(["eval", str(path), "--check", "--second-opinion"]) == 0
    assert "quality bar: met" in capsys.readouterr().err
    # The rules alone do not meet it: the opinions are part of what meets it.
    assert main(["eval", str(path), "--check"]) == 1


def test_the_eval_check_says_when_the_bar_is_not_met(capsys):
    # Round 29, the newest with the sixteenth pass, misses micro-F1 by 0.003 (0.877): the check must fail and say so,
    # or the figures above could not be trusted.
    assert main(["eval", str(BLIND_R29), "--check", "--second-opinion"]) == 1
    assert "quality bar: NOT met" in capsys.readouterr().err


def test_probe_rounds_meet_the_same_bar(probes_report):
    assert probes_report.immediate_recall == 1.0, probes_report.urgency_errors
    assert probes_report.urgency_accuracy >= MIN_URGENCY_ACCURACY, probes_report.urgency_errors
    assert probes_report.micro_f1 >= MIN_MICRO_F1, probes_report.category_errors


def test_second_pass_has_at_least_three_blind_rounds_of_ten_per_language():
    assert len(BLIND_R2) >= 3, BLIND_R2
    for path in BLIND_R2:
        per_language = Counter(e.lang for e in read_labelled(path))
        assert set(per_language) == set(LANGUAGES), path.name
        assert min(per_language.values()) >= 10, (path.name, per_language)


# Round 6 joined after its misses were fixed by family (TUNED figures in docs/triage.md, not blind).
# Round 8 and s8 joined in the fourth pass (round 8's misses fixed by family: TUNED, not blind).
@pytest.mark.parametrize(
    "path",
    [*BLIND_R2, *BLIND_R3, TUNING_S6, BLIND_R6, TUNING_S7, BLIND_R7, BLIND_R8, TUNING_S8, BLIND_R9, TUNING_S9,
     TUNING_S10, TUNING_S11],
    ids=lambda p: p.name,
)
def test_second_pass_blind_rounds_meet_the_same_bar(path):
    report = evaluate(read_labelled(path))
    assert report.immediate_recall == 1.0, report.urgency_errors
    assert report.immediate_recall >= MIN_IMMEDIATE_RECALL
    assert report.urgency_accuracy >= MIN_URGENCY_ACCURACY, report.urgency_errors
    assert report.micro_f1 >= MIN_MICRO_F1, report.category_errors


@pytest.mark.parametrize("path", [BENIGN, BENIGN_R2, BENIGN_S7], ids=lambda p: p.name)
def test_ordinary_texts_with_risky_words_mostly_stay_standard(path):
    report = evaluate(read_labelled(path))
    # Over-flagging is cheaper than missing danger, but ordinary texts must not flood the queue.
    assert report.urgency_accuracy >= 0.95, report.urgency_errors
    assert report.micro_precision >= 0.95, report.category_errors


# Ordinary sentences written against the round-7 rules (renewals asked about, a roommate in the
# bathroom, a wife away while he cooks): the narrowed patterns must leave them routine.
ROUND_7_ORDINARY = [
    ("en", "the boss's wife is away this week so he cooks for us"),
    ("en", "my hours went from 40 to 30 instead of 45 this month, is that legal"),
    ("en", "the renewal of my permit is coming, do I need to pay a fee"),
    ("fr", "le renouvellement de mon permis coute combien?"),
    ("es", "cuando la senora no esta cocinamos nosotros"),
    ("es", "quiero colgar la ropa afuera pero no hay tendedero"),
    ("tl", "pag wala si mam ako ang nagluluto"),
    ("vi", "gia han giay phep lao dong het bao nhieu tien"),
    ("zh", "我洗澡的时候室友进来拿东西"),
    ("pa", "raat di shift vadiya hai, paise zyada"),
    ("hi", "night shift me kaam karta hu, koi problem nahi"),
]


@pytest.mark.parametrize(("lang", "text"), ROUND_7_ORDINARY)
def test_round_7_ordinary_sentences_stay_routine(lang, text):
    from signalement.triage.scoring import TriageInput, classify

    result = classify(TriageInput(language=lang, text=text))
    assert result.urgency == "standard", [reason.rule for reason in result.reasons]
    assert set(result.categories) <= {"other"}, result.categories


def test_the_s7_probes_cover_every_language_and_were_scored_untouched():
    """160 probes, 20 per language, written before the third pass changed a rule (docs/triage.md)."""
    per_language = Counter(e.lang for e in read_labelled(TUNING_S7))
    assert per_language == dict.fromkeys(LANGUAGES, 20)


def test_the_s8_probes_cover_every_language_with_look_alikes():
    """72 probes, 9 per language, a third of them ordinary texts that reuse the words of the new families."""
    examples = read_labelled(TUNING_S8)
    assert Counter(e.lang for e in examples) == dict.fromkeys(LANGUAGES, 9)
    assert sum(e.urgency == "standard" for e in examples) >= 24


# Over-raising named by the fourth pass: a joke or the heat "killing" someone is no threat, a contract that
# runs to the end of the harvest is no confinement, hanging clothes is no hanging.
FOURTH_PASS_ORDINARY = [
    ("en", "my boss will kill me if im late again lol, he's joking. when is the stat holiday?"),
    ("en", "this heat is killing me today, how much water break time do we get"),
    ("en", "I need to hang my clothes but there is no line in the bunkhouse"),
    ("en", "we can't leave until the harvest is over, that's in the contract, can I change employer after?"),
    ("es", "jaja mi jefe dice que nos mata si llegamos tarde, es broma. cuando pagan vacaciones?"),
    ("fr", "la chaleur me tue aujourd'hui, on a droit a combien de pauses?"),
    ("hi", "garmi se mar raha hu yaar, paani ka break kitna milta hai?"),
    ("vi", "sếp nói đi trễ là giết đó haha, đùa thôi. khi nào có lương?"),
    ("zh", "老板开玩笑说迟到就杀了我，哈哈。什么时候发工资？"),
    ("tl", "haha papatayin daw kami ni boss pag late, biro lang. kailan ang sahod?"),
    # Look-alikes of coercion by euphemism and of the insurance hint, narrowed during the pass.
    ("en", "my supervisor asked me for a favour, to cover his shift or he would be short staffed"),
    ("en", "my kids get insurance through my wife's job, do I need more?"),
    ("tl", "sabi ng supervisor pwede akong sumama sa kanya sa bayan kung gusto ko bumili ng pagkain"),
    ("vi", "ông chủ nói nếu ai muốn đi chợ thì lên xe của ông"),
    ("vi", "quản lý nói hôm nay phải đi khách sạn để dọn phòng"),
    ("zh", "老板说如果想去超市可以坐他的车，不然要走路"),
]


@pytest.mark.parametrize(("lang", "text"), FOURTH_PASS_ORDINARY)
def test_fourth_pass_ordinary_sentences_stay_routine(lang, text):
    from signalement.triage.scoring import TriageInput, classify

    result = classify(TriageInput(language=lang, text=text))
    assert result.urgency == "standard", [reason.rule for reason in result.reasons]
    assert set(result.categories) <= {"other", "wages", "hours_rest"}, result.categories


# Fifth pass: a cry for help followed by a routine complaint the reporter calls fair otherwise (pay as in the
# contract, a kind boss, normal hours) is a job mismatch, not danger. Not round 9's texts.
ALARMED_BUT_ROUTINE = [
    ("vi", "cứu tôi với!!! hợp đồng ghi làm bếp nhưng họ bắt tôi đi rửa xe. lương đúng như hợp đồng, chủ cũng tử tế"),
    ("zh", "救命!!!合同写的是厨师,现在让我去搬货。工资按合同给,老板人也挺客气"),
    ("en", "HELP ME PLEASE!!! i came as a cook but i clean the motel. the pay is what the contract says, boss is nice"),
]


@pytest.mark.parametrize(("lang", "text"), ALARMED_BUT_ROUTINE)
def test_a_cry_for_help_over_a_routine_mismatch_stays_standard(lang, text):
    from signalement.triage.scoring import TriageInput, classify

    result = classify(TriageInput(language=lang, text=text))
    assert result.urgency == "standard", [reason.rule for reason in result.reasons]
    assert "job_mismatch" in result.categories, result.categories


# The cry still counts when something dangerous is said beside it, however kind the boss is otherwise.
ALARMED_AND_DANGEROUS = [
    ("vi", "cứu em với, họ khóa cửa ngoài không cho ra, lương đúng như hợp đồng"),
    ("zh", "救命,老板把我们锁在宿舍里,工资按合同给"),
]


@pytest.mark.parametrize(("lang", "text"), ALARMED_AND_DANGEROUS)
def test_a_reassured_report_with_danger_stays_immediate(lang, text):
    from signalement.triage.scoring import TriageInput, classify

    result = classify(TriageInput(language=lang, text=text))
    assert result.urgency == "immediate", [reason.rule for reason in result.reasons]


@pytest.mark.parametrize("path", [TUNING_S9, TUNING_S10], ids=lambda p: p.name)
def test_the_tuning_probes_cover_every_language_with_look_alikes(path):
    """48 probes, 6 per language, at least a third of them ordinary or routine texts."""
    examples = read_labelled(path)
    assert Counter(e.lang for e in examples) == dict.fromkeys(LANGUAGES, 6)
    assert sum(e.urgency == "standard" for e in examples) >= 16


def test_the_seventh_pass_probes_cover_every_language_with_look_alikes():
    """32 probes, 4 per language, at least 12 of them routine look-alikes."""
    examples = read_labelled(TUNING_S11)
    assert Counter(e.lang for e in examples) == dict.fromkeys(LANGUAGES, 4)
    assert sum(e.urgency == "standard" for e in examples) >= 12


def test_the_eighth_pass_probes_cover_every_language_half_serious_half_look_alikes():
    """32 probes, 4 per language: 2 serious reports said indirectly and 2 routine look-alikes each."""
    examples = read_labelled(TUNING_S12)
    assert Counter(e.lang for e in examples) == dict.fromkeys(LANGUAGES, 4)
    for language in LANGUAGES:
        urgencies = Counter(e.urgency for e in examples if e.lang == language)
        assert urgencies == {"immediate": 2, "standard": 2}, (language, urgencies)


# Floors, not the bar: each blind round's untouched score (docs/triage.md), which no rule change may lose.
# (immediate recall, urgency accuracy, category micro-F1). Round 6 was scored before micro-F1 was kept.
# Each round is added here when it is scored; a pass may tune on it only after the next round is written blind.
UNTOUCHED = {
    BLIND_R6: (38 / 48, 91 / 112, 0.0),
    BLIND_R7: (48 / 56, 112 / 128, 0.868),  # the lead's untouched score
    BLIND_R8: (50 / 56, 107 / 128, 0.810),  # scored once, after the third pass
    BLIND_R9: (47 / 56, 107 / 128, 0.779),  # scored after the fourth pass
    BLIND_R10: (54 / 56, 117 / 128, 0.850),  # scored after the fifth pass
    BLIND_R11: (50 / 56, 114 / 128, 0.825),  # scored on the fifth pass's rules, before the sixth
    BLIND_R12: (43 / 56, 105 / 128, 0.785),  # scored on the sixth pass's rules, sealed during it
    BLIND_R13: (45 / 56, 104 / 128, 0.794),  # scored on the seventh pass's rules, sealed during it
    BLIND_R14: (50 / 56, 102 / 128, 0.774),  # scored on the eighth pass's rules, sealed during it
    BLIND_R15: (48 / 56, 98 / 128, 0.734),  # the same
    BLIND_R16: (46 / 56, 100 / 128, 0.755),  # scored on the eighth pass's rules (39c89c5507cd51a4)
    BLIND_R17: (46 / 56, 99 / 128, 0.832),  # the same rules, before the ninth pass
    BLIND_R18: (49 / 56, 103 / 128, 0.762),  # scored on the ninth pass's rules (4c94075067581eba)
    BLIND_R19: (50 / 56, 111 / 128, 0.861),  # scored on the tenth pass's rules (6207969b20923c87)
    BLIND_R20: (46 / 56, 104 / 128, 0.824),  # scored on the eleventh pass's rules (2803caa1024e9d01)
    BLIND_R21: (53 / 56, 114 / 128, 0.857),  # scored on the twelfth pass's rules (59fa434ee545eede)
    BLIND_R22: (54 / 56, 112 / 128, 0.899),  # scored on the thirteenth pass's rules (03b6be9a75b77039)
    BLIND_R23: (52 / 56, 109 / 128, 0.846),  # the same rules, a confirmation round
    BLIND_R24: (52 / 56, 117 / 128, 0.840),  # the same rules, a second confirmation round
    BLIND_R25: (50 / 56, 110 / 128, 0.805),  # the same rules, a third
    BLIND_R26: (46 / 56, 104 / 128, 0.788),  # scored on the fourteenth pass's rules (ad0eb0ade995e45d)
    BLIND_R27: (51 / 56, 117 / 128, 0.835),  # scored on the fifteenth pass's rules (77bb02bc02288bac)
    BLIND_R28: (46 / 56, 107 / 128, 0.784),  # the same
    BLIND_R29: (47 / 56, 110 / 128, 0.797),  # scored on the sixteenth pass's rules (2db7a562c1ea7456)
    BLIND_R30: (46 / 56, 109 / 128, 0.802),  # the same
    BLIND_R31: (51 / 56, 117 / 128, 0.831),  # scored on the seventeenth pass's rules (cb6a8bbeb0773384)
    BLIND_R32: (49 / 56, 115 / 128, 0.826),  # the same
    BLIND_R33: (50 / 56, 118 / 128, 0.814),  # the same rules, a confirmation round
    BLIND_R34: (49 / 56, 116 / 128, 0.859),  # the same rules, a second confirmation round
}
# The shipped combination, the rules and the second opinion (decision 0020, on by default), on the rounds that
# judged it: (immediate recall, urgency accuracy), scored once untouched. Categories are the rules' alone. Rounds
# 14 and 15 judged model v1 (these figures) and are in model v2's training data since; round 16 judged v2.
UNTOUCHED_WITH_SECOND_OPINION = {
    BLIND_R14: (54 / 56, 106 / 128),
    BLIND_R15: (49 / 56, 99 / 128),
    BLIND_R16: (55 / 56, 105 / 128),
    # round 17 judged the category opinion (decision 0021) with v2: from here on ``second_opinion=True`` runs both
    BLIND_R17: (55 / 56, 114 / 128),
    BLIND_R18: (52 / 56, 109 / 128),  # category opinion v2 with the second opinion v2
    BLIND_R19: (54 / 56, 115 / 128),  # both opinions v3 (retrained with rounds 16-18)
    BLIND_R20: (56 / 56, 114 / 128),  # both opinions v3, the eleventh pass's rules
    BLIND_R21: (54 / 56, 117 / 128),  # both opinions v3, the twelfth pass's rules
    BLIND_R22: (55 / 56, 117 / 128),  # both opinions v3, the thirteenth pass's rules: the bar, met
    BLIND_R23: (56 / 56, 116 / 128),  # the same configuration: the bar, met again
    BLIND_R24: (56 / 56, 123 / 128),  # the same configuration: the bar, met a third time
    BLIND_R25: (56 / 56, 118 / 128),  # the same configuration: micro-F1 short of the bar
    BLIND_R26: (56 / 56, 113 / 128),  # both opinions v3, the fourteenth pass's rules: urgency and F1 short
    BLIND_R27: (56 / 56, 118 / 128),  # both opinions v3, the fifteenth pass's rules: F1 short by 0.0004
    BLIND_R28: (56 / 56, 113 / 128),  # the same configuration: urgency and F1 short
    BLIND_R29: (56 / 56, 120 / 128),  # both opinions v3, the sixteenth pass's rules: F1 short (0.877)
    BLIND_R30: (55 / 56, 119 / 128),  # the same configuration: F1 short (0.879)
    BLIND_R31: (56 / 56, 123 / 128),  # both opinions v3, the seventeenth pass's rules: the bar, met
    BLIND_R32: (55 / 56, 118 / 128),  # the same configuration: the bar, met
    BLIND_R33: (56 / 56, 126 / 128),  # the same configuration, confirmation: the bar, met
    BLIND_R34: (56 / 56, 120 / 128),  # the same configuration, confirmation: the bar, met
}
# The shipped combination's category micro-F1 on the round that judged the category opinion, scored once untouched
# (the rules alone: 0.833).
UNTOUCHED_WITH_OPINIONS_F1 = {
    BLIND_R17: 0.880,
    BLIND_R18: 0.855,  # category opinion v2 (the rules alone: 0.763)
    BLIND_R19: 0.877,  # category opinion v3 (the rules alone: 0.862)
    BLIND_R20: 0.893,  # category opinion v3 (the rules alone: 0.824)
    BLIND_R21: 0.894,  # category opinion v3 (the rules alone: 0.858)
    BLIND_R22: 0.929,  # category opinion v3 (the rules alone: 0.900)
    BLIND_R23: 0.927,  # the same (the rules alone: 0.847)
    BLIND_R24: 0.888,  # the same (the rules alone: 0.840)
    BLIND_R25: 0.850,  # the same (the rules alone: 0.805): short of the bar, 0.88
    BLIND_R26: 0.857,  # the fourteenth pass's rules (alone: 0.789): short of the bar
    BLIND_R27: 0.879,  # the fifteenth pass's rules (alone: 0.836): 0.8796, short of 0.88
    BLIND_R28: 0.861,  # the same (alone: 0.784)
    BLIND_R29: 0.876,  # the sixteenth pass's rules (alone: 0.798)
    BLIND_R30: 0.879,  # the same (alone: 0.802)
    BLIND_R31: 0.887,  # the seventeenth pass's rules (alone: 0.832)
    BLIND_R32: 0.885,  # the same (alone: 0.826)
    BLIND_R33: 0.885,  # the same (alone: 0.815)
    BLIND_R34: 0.909,  # the same (alone: 0.860)
}
# The bar on rounds whose misses were fixed by family since (TUNED, docs/triage.md): every report in danger
# caught, and (urgency accuracy, category micro-F1) at least these.
TUNED = {
    BLIND_R7: (122 / 128, 0.939),
    BLIND_R8: (126 / 128, 0.964),
    BLIND_R9: (127 / 128, 0.892),
    BLIND_R10: (128 / 128, 0.965),  # sixth pass
    BLIND_R11: (127 / 128, 0.979),  # sixth pass
    BLIND_R12: (125 / 128, 0.896),  # seventh pass (118/128, 0.820), eighth pass
    BLIND_R13: (121 / 128, 0.899),  # eighth pass
    TUNING_S12: (30 / 32, 0.688),  # eighth pass: its own figures, not the bar (see TUNING_S12)
}


@pytest.mark.parametrize("path", list(UNTOUCHED), ids=lambda p: p.name)
def test_a_blind_round_never_falls_below_its_untouched_score(path):
    immediate, urgency, micro_f1 = UNTOUCHED[path]
    report = evaluate(read_labelled(path))
    assert report.immediate_recall >= immediate, report.urgency_errors
    assert report.urgency_accuracy >= urgency, report.urgency_errors
    assert report.micro_f1 >= micro_f1, report.category_errors


@pytest.mark.parametrize("path", list(TUNED), ids=lambda p: p.name)
def test_a_tuned_blind_round_keeps_its_tuned_figures(path):
    urgency, micro_f1 = TUNED[path]
    report = evaluate(read_labelled(path))
    assert report.immediate_recall == 1.0, report.urgency_errors
    assert report.urgency_accuracy >= urgency, report.urgency_errors
    assert report.micro_f1 >= micro_f1, report.category_errors


@pytest.mark.parametrize("path", list(UNTOUCHED_WITH_SECOND_OPINION), ids=lambda p: p.name)
def test_the_rules_with_the_second_opinion_keep_their_blind_score(path):
    immediate, urgency = UNTOUCHED_WITH_SECOND_OPINION[path]
    report = evaluate(read_labelled(path), functools.partial(classify, second_opinion=True))
    alone = evaluate(read_labelled(path))
    assert report.immediate_recall >= immediate, report.urgency_errors
    assert report.urgency_accuracy >= urgency, report.urgency_errors
    # the model's raises are what this holds, unless the rules alone catch every report in danger since
    # (round 21 after the thirteenth pass): then there is nothing left to raise
    assert report.immediate_recall > alone.immediate_recall or alone.immediate_recall == 1.0


@pytest.mark.parametrize("path", list(UNTOUCHED_WITH_OPINIONS_F1), ids=lambda p: p.name)
def test_the_category_opinion_keeps_its_blind_micro_f1(path):
    report = evaluate(read_labelled(path), functools.partial(classify, second_opinion=True))
    alone = evaluate(read_labelled(path))
    assert report.micro_f1 >= UNTOUCHED_WITH_OPINIONS_F1[path], report.category_errors
    assert report.micro_f1 > alone.micro_f1  # the category opinion's additions are what this holds


BLIND_ROUNDS_OF_128 = [BLIND_R7, BLIND_R8, BLIND_R9, BLIND_R10, BLIND_R11, BLIND_R12, BLIND_R13, BLIND_R14,
                       BLIND_R15, BLIND_R16, BLIND_R17, BLIND_R18, BLIND_R19,
                       BLIND_R20, BLIND_R21, BLIND_R22, BLIND_R23, BLIND_R24, BLIND_R25,
                       BLIND_R26, BLIND_R27, BLIND_R28, BLIND_R29, BLIND_R30,
                       BLIND_R31, BLIND_R32, BLIND_R33, BLIND_R34]


@pytest.mark.parametrize("path", BLIND_ROUNDS_OF_128, ids=lambda p: p.name)
def test_a_blind_round_has_sixteen_texts_a_language(path):
    assert Counter(e.lang for e in read_labelled(path)) == dict.fromkeys(LANGUAGES, 16)


# Sixth pass: each family fixed on rounds 10 and 11 checked in the languages those rounds did not show it in
# (written by the engineer of the pass after the fixes: breadth checks, not a measure).
SIXTH_PASS_FAMILIES = [
    ("vi", "chủ nói không gia hạn hợp đồng cho em nếu em không chịu đi khách sạn với ông ấy", "sexual_abuse"),
    ("tl", "sabi ng amo hindi na daw ire-renew ang contract ko kung hindi ako sasama sa kanya sa hotel",
     "sexual_abuse"),
    ("hi", "एजेंट बोला पासपोर्ट तभी मिलेगा जब 2 लाख और दोगे", "financial_abuse"),
    ("vi", "môi giới nói phải trả thêm 2000 đô mới trả lại hộ chiếu", "financial_abuse"),
    ("en", "the recruiter says I get my passport back when I pay him another 3000", "financial_abuse"),
    ("fr", "l'agence dit qu'elle me rendra mon passeport quand j'aurai payé encore 2000$", "financial_abuse"),
    ("es", "la agencia dice que me devuelve el pasaporte cuando le pague otros 2000", "financial_abuse"),
    ("fr", "mon talon de paie dit 35 heures mais j'en ai fait 50", "wages"),
    ("es", "el recibo de pago dice 40 horas pero trabajé 55", "wages"),
    ("zh", "工资单上写的是40个小时，我其实做了55个小时", "wages"),
    ("vi", "phiếu lương ghi 40 giờ nhưng em làm 55 giờ", "wages"),
    ("tl", "sa payslip ko 40 hours lang pero 55 hours ako nagtrabaho", "wages"),
    ("hi", "payslip mein 40 ghante likhe hain par maine 55 ghante kaam kiya", "wages"),
    ("pa", "payslip te 40 ghante likhe ne par main 55 ghante kamm kita", "wages"),
]


@pytest.mark.parametrize(("lang", "text", "category"), SIXTH_PASS_FAMILIES, ids=lambda v: str(v)[:24])
def test_sixth_pass_families_hold_in_every_language(lang, text, category):
    from signalement.triage.scoring import TriageInput, classify

    result = classify(TriageInput(language=lang, text=text))
    assert category in result.categories, [reason.rule for reason in result.reasons]


# Look-alikes of the same families: a door the worker locks, fear of trouble with immigration, a joke.
SIXTH_PASS_LOOK_ALIKES = [
    ("en", "I'm scared I'll have problems with immigration when my permit expires, how do I renew?"),
    ("vi", "em tự khóa cửa phòng vì bạn cùng phòng hay say xỉn, cho em hỏi có được đổi phòng không"),
    ("en", "i lock my door at night because the bunkhouse is noisy, can i ask for another room?"),
    ("vi", "cuối tuần ở đây buồn chán muốn chết haha, cho em hỏi về tiền nghỉ phép"),
    ("es", "tengo miedo de tener problemas con migración cuando se venza mi permiso"),
]


@pytest.mark.parametrize(("lang", "text"), SIXTH_PASS_LOOK_ALIKES, ids=lambda v: str(v)[:24])
def test_sixth_pass_look_alikes_stay_routine(lang, text):
    from signalement.triage.scoring import TriageInput, classify

    result = classify(TriageInput(language=lang, text=text))
    assert result.urgency == "standard", [(reason.rule, reason.scope) for reason in result.reasons]
