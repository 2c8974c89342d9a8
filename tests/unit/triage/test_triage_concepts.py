"""Compositional rules (issue 12, third pass): concepts that co-occur fire a rule with its reason.

A rule with ``concepts`` fires where one word of each concept (a ``[concepts]`` class of its file)
stands within ``window`` words of the next, in any order, inside one sentence. These tests pin the
matcher (``_combine``), the loader's checks, one combination per concept pair in every language,
the denied forms (a denial adds nothing and asks for a human look), and that no compositional rule
of one language fires on the texts of another (outside the code-switching pairs).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import msgspec
import pytest

from signalement.triage.rulebook import (
    RULE_LANGUAGES,
    Rulebook,
    RuleFile,
    RuleFileError,
    _combine,
    default_rulebook,
    load_rulebook,
    rule_paths,
)
from signalement.triage.scoring import NEEDS_HUMAN_LOOK, TriageInput, classify

HERE = Path(__file__).resolve().parent
# The compositional rules every language has (docs/triage.md, "Compositional cues").
EVERY_LANGUAGE = (
    "sexual_abuse.power_intimate",
    "sexual_abuse.power_night_private",
    "physical_abuse.contact_on_person",
    "confinement.restricted_going_out",
    "confinement.only_with_power",
    "confinement.phones_and_going_out",
    "health_safety.injury_no_care",
    "danger.self_harm_wish_to_end",
    "danger.self_harm_pills_hoarded",
    "danger.self_harm_jump_from_high_place",
    "reprisal.complaint_then_cut",
    "reprisal.complaint_then_sent_away",
    "documents.power_holds_papers",
    "job_mismatch.contract_but_other_work",
    "status_threats.threat_send_back",
)


def _sentence(_position: int) -> int:
    return 0


# ---- the matcher -------------------------------------------------------------------------------
def test_concepts_combine_in_any_order_within_the_window():
    assert _combine([[(0, 0)], [(3, 3)]], 2, _sentence) == [(0, 3)]
    assert _combine([[(5, 5)], [(0, 1)]], 3, _sentence) == [(0, 5)]  # the second concept first
    assert _combine([[(0, 0)], [(4, 4)]], 2, _sentence) == []  # three words between: too far
    assert _combine([[(0, 0)], [(1, 1)], [(3, 3)]], 1, _sentence) == [(0, 3)]


def test_concepts_must_not_overlap_or_cross_a_sentence():
    assert _combine([[(2, 3)], [(3, 3)]], 5, _sentence) == []  # one word read as both concepts
    assert _combine([[(0, 0)], [(2, 2)]], 5, lambda position: position // 2) == []  # a full stop between


def test_many_matches_of_a_concept_stay_bounded():
    many = [(i, i) for i in range(0, 4000, 2)]
    # Only the first matches of each concept are combined: a hostile text repeating a concept word
    # costs at most MAX_CONCEPT_MATCHES per concept, and a late pair is not looked for.
    assert _combine([many, [(3997, 3997)]], 1, _sentence) == []
    assert _combine([many[-1:], [(3997, 3997)]], 1, _sentence) == [(3997, 3998)]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('[concepts]\nA = ["x"]\n[[rule]]\nid = "w.x"\ncategory = "wages"\nconcepts = ["A"]', "2 to 3"),
        (
            '[concepts]\nA = ["x"]\nB = ["y"]\nC = ["z"]\nD = ["w"]\n[[rule]]\nid = "w.x"\ncategory = "wages"\n'
            'concepts = ["A", "B", "C", "D"]',
            "2 to 3",
        ),
        ('[concepts]\nA = ["x"]\n[[rule]]\nid = "w.x"\ncategory = "wages"\nconcepts = ["A", "A"]', "twice"),
        (
            '[concepts]\nA = ["x"]\nB = ["y"]\n[[rule]]\nid = "w.x"\ncategory = "wages"\nconcepts = ["A", "B"]\n'
            "window = 13",
            "window",
        ),
        ('[concepts]\nA = ["x"]\n[[rule]]\nid = "w.x"\ncategory = "wages"\nconcepts = ["A", "MISSING"]', "unknown"),
        ('[classes]\nA = ["x"]\n[concepts]\nA = ["y"]\n[[rule]]\nid = "w.x"\ncategory = "wages"\npatterns = ["x"]',
         "both"),
        ('[[rule]]\nid = "w.x"\ncategory = "wages"', "no patterns"),
    ],
)
def test_a_broken_compositional_rule_is_refused_with_the_reason(tmp_path, body, problem):
    (tmp_path / "xx.toml").write_text(f'language = "xx"\nname = "Test"\n{body}\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match=problem):
        load_rulebook(tmp_path)


def test_an_analyst_can_write_a_combination_without_code(tmp_path):
    (tmp_path / "xx.toml").write_text(
        'language = "xx"\nname = "Test"\n[concepts]\nWHO = ["chefe", "patrao"]\nWHAT = ["cama", "noite"]\n'
        '[scope]\nnegation = ["nunca"]\n'
        '[[rule]]\nid = "sexual_abuse.who_what"\ncategory = "sexual_abuse"\nconcepts = ["WHO", "WHAT"]\nwindow = 3\n',
        encoding="utf-8",
    )
    book = load_rulebook(tmp_path)
    assert [h.rule.rule_id for h in book.match("a cama onde o patrao dorme")[0]] == ["xx.sexual_abuse.who_what"]
    assert book.match("o patrao trabalha muito muito longe de casa a noite")[0] == ()  # out of the window
    (denied,) = book.match("o patrao nunca veio a cama")[0]  # a negation between the concepts denies
    assert denied.scope == "negated"


# ---- every language ------------------------------------------------------------------------------
def test_every_language_has_the_same_compositional_rules():
    book = default_rulebook()
    for language in RULE_LANGUAGES:
        own = {r.rule_id.split(".", 1)[1] for r in book.rules if r.language == language and r.concepts}
        assert set(EVERY_LANGUAGE) <= own, (language, set(EVERY_LANGUAGE) - own)


# (language, text, category or None for self-harm, the concepts the reason must name)
COMBINATIONS = [
    # a person with power and an intimate context
    ("en", "the crew boss wants me to sit on his lap", "sexual_abuse", ("POWER", "INTIMATE")),
    ("fr", "le gérant m'a caressé les cuisses", "sexual_abuse", ("POWER", "INTIMATE")),
    ("es", "el capataz me quiere besar a la fuerza", "sexual_abuse", ("POWER", "INTIMATE")),
    ("tl", "niyakap ako ng amo habang naglalaba", "sexual_abuse", ("POWER", "INTIMATE")),
    ("hi", "ठेकेदार मुझे गले लगाया जबरदस्ती", "sexual_abuse", ("POWER", "INTIMATE")),
    ("hi", "thekedar raat ko kambal me ghus aaya tha", "sexual_abuse", ("POWER", "INTIMATE")),
    ("pa", "ਮਾਲਕ ਨੇ ਮੈਨੂੰ ਜੱਫਾ ਮਾਰਿਆ", "sexual_abuse", ("POWER", "INTIMATE")),
    ("pa", "supervisor ne mainu jaffi paa layi", "sexual_abuse", ("POWER", "INTIMATE")),
    ("vi", "quan ly om chat toi trong kho", "sexual_abuse", ("POWER", "INTIMATE")),
    ("zh", "主管在厨房抱住我不放", "sexual_abuse", ("POWER", "INTIMATE")),
    # a person with power, night and a private place
    ("en", "the foreman knocks at my room at midnight", "sexual_abuse", ("POWER", "NIGHT", "PRIVATE")),
    ("fr", "le patron vient à minuit près de mon lit", "sexual_abuse", ("POWER", "NIGHT", "PRIVATE")),
    ("es", "el encargado se sienta en mi cama en la noche", "sexual_abuse", ("POWER", "NIGHT", "PRIVATE")),
    ("tl", "pumupunta ang amo sa kama ko tuwing gabi", "sexual_abuse", ("POWER", "NIGHT", "PRIVATE")),
    ("hi", "मालिक आधी रात को मेरी चारपाई के पास आता है", "sexual_abuse", ("POWER", "NIGHT", "PRIVATE")),
    ("pa", "malik raat nu mere manje kol aaunda", "sexual_abuse", ("POWER", "NIGHT", "PRIVATE")),
    ("vi", "ông chủ vào phòng tôi lúc nửa đêm", "sexual_abuse", ("POWER", "NIGHT", "PRIVATE")),
    ("zh", "老板半夜坐在我床上", "sexual_abuse", ("POWER", "NIGHT", "PRIVATE")),
    # an everyday contact verb and a person
    ("en", "the supervisor smacked my coworker", "physical_abuse", ("CONTACT", "VICTIM")),
    ("fr", "le chef m'a bousculé", "physical_abuse", ("CONTACT", "VICTIM")),
    ("es", "el jefe me empujó contra la pared", "physical_abuse", ("CONTACT", "VICTIM")),
    ("tl", "tinulak ako ng amo", "physical_abuse", ("CONTACT", "VICTIM")),
    ("hi", "मालिक ने मुझे धक्का दिया", "physical_abuse", ("CONTACT", "VICTIM")),
    ("pa", "ਮਾਲਕ ਨੇ ਮੈਨੂੰ ਧੱਕਾ ਦਿੱਤਾ", "physical_abuse", ("CONTACT", "VICTIM")),
    ("vi", "quan doc xo toi nga", "physical_abuse", ("CONTACT", "VICTIM")),
    ("zh", "工头扇了我一个耳光", "physical_abuse", ("CONTACT", "VICTIM")),
    # not allowed, and going out
    ("en", "we are never allowed to go to town", "confinement", ("RESTRICT", "GOOUT")),
    ("fr", "c'est interdit de sortir du camp", "confinement", ("RESTRICT", "GOOUT")),
    ("es", "está prohibido salir del rancho", "confinement", ("RESTRICT", "GOOUT")),
    ("tl", "bawal kaming lumabas ng bahay", "confinement", ("RESTRICT", "GOOUT")),
    ("hi", "hume shehar jaane ki ijazat nahi", "confinement", ("RESTRICT", "GOOUT")),
    ("pa", "ਸਾਨੂੰ ਬਾਹਰ ਜਾਣ ਨਹੀਂ ਦਿੰਦੇ", "confinement", ("RESTRICT", "GOOUT")),
    ("vi", "chúng tôi bị cấm ra ngoài", "confinement", ("RESTRICT", "GOOUT")),
    ("zh", "禁止我们出门", "confinement", ("RESTRICT", "GOOUT")),
    # an injury and care not given
    ("en", "blood everywhere and the boss said keep working", "health_safety", ("INJURY", "NOCARE")),
    ("fr", "il y avait du sang, le chef a dit continuer à travailler", "health_safety", ("INJURY", "NOCARE")),
    ("es", "le salía sangre y el jefe dijo siga trabajando", "health_safety", ("INJURY", "NOCARE")),
    ("tl", "nabali ang daliri niya pero walang doktor", "health_safety", ("INJURY", "NOCARE")),
    ("hi", "haddi toot gayi par malik bola kaam karte raho", "health_safety", ("INJURY", "NOCARE")),
    ("pa", "ਹੱਡੀ ਟੁੱਟ ਗਈ ਪਰ ਮਾਲਕ ਕਹਿੰਦਾ ਕੰਮ ਕਰੋ", "health_safety", ("INJURY", "NOCARE")),
    ("vi", "bạn tôi bị gãy tay mà chủ bắt làm tiếp", "health_safety", ("INJURY", "NOCARE")),
    ("zh", "他骨折了，老板叫他接着干", "health_safety", ("INJURY", "NOCARE")),
    # a wish and an end
    ("en", "sometimes i wish i could just disappear", None, ("WISH", "END")),
    ("fr", "je voudrais disparaître pour toujours", None, ("WISH", "END")),
    ("es", "quisiera desaparecer de este mundo", None, ("WISH", "END")),
    ("tl", "gusto ko na lang mamatay", None, ("WISH", "END")),
    ("hi", "kabhi lagta hai mar jaun", None, ("WISH", "END")),
    ("pa", "ਕਦੇ ਲੱਗਦਾ ਮਰ ਜਾਵਾਂ", None, ("WISH", "END")),
    ("vi", "toi muon chet cho roi", None, ("WISH", "END")),
    ("zh", "我希望自己消失", None, ("WISH", "END")),
    # a complaint, then a punishment
    ("en", "i complained about the pay and they fired me", "reprisal", ("COMPLAIN", "SENTAWAY")),
    ("fr", "j'ai appelé le syndicat et il m'a viré", "reprisal", ("COMPLAIN", "SENTAWAY")),
    ("es", "me quejé del pago y me corrieron", "reprisal", ("COMPLAIN", "SENTAWAY")),
    ("tl", "nagreklamo ako kaya sinisante ako", "reprisal", ("COMPLAIN", "SENTAWAY")),
    ("hi", "शिकायत की तो निकाल दिया", "reprisal", ("COMPLAIN", "SENTAWAY")),
    ("pa", "ਸ਼ਿਕਾਇਤ ਕੀਤੀ ਤਾਂ ਕੱਢ ਦਿੱਤਾ", "reprisal", ("COMPLAIN", "SENTAWAY")),
    ("vi", "tôi khiếu nại nên bị đuổi việc", "reprisal", ("COMPLAIN", "SENTAWAY")),
    ("zh", "我去投诉以后就被开除了", "reprisal", ("COMPLAIN", "SENTAWAY")),
]


@pytest.mark.parametrize(("language", "text", "category", "concepts"), COMBINATIONS, ids=lambda v: str(v)[:24])
def test_each_concept_pair_fires_in_each_language_with_its_concepts_as_the_reason(language, text, category, concepts):
    decision = classify(TriageInput(text=text, language=language))
    fired = [r for r in decision.reasons if r.concepts == concepts and r.scope is None]
    assert fired, [(r.rule, r.concepts, r.scope) for r in decision.reasons]
    # Its own language's rule, or one that reads it by code-switching (English, Hindi-Punjabi).
    assert any(r.rule.startswith(language + ".") for r in fired)
    if category:
        assert category in decision.categories
    if category in {"sexual_abuse", "physical_abuse", "confinement", "health_safety", None}:
        assert decision.urgency == "immediate"


# A combination that is denied adds neither its category nor urgency; a sensitive one asks for a look.
DENIED = [
    ("en", "the boss never came to my bed at night"),
    ("fr", "le patron n'est jamais venu dans mon lit la nuit"),
    ("es", "el patrón nunca me ha tocado la cintura"),
    ("tl", "hindi ako niyakap ng amo"),
    ("hi", "मालिक ने कभी मेरी कमर नहीं पकड़ी"),
    ("pa", "ਮਾਲਕ ਨੇ ਕਦੇ ਜੱਫੀ ਨਹੀਂ ਪਾਈ"),
    ("vi", "ông chủ không bao giờ ôm tôi"),
    ("zh", "老板从来没有抱住我"),
]


@pytest.mark.parametrize(("language", "text"), DENIED, ids=lambda v: str(v)[:24])
def test_a_denied_combination_adds_nothing_and_asks_for_a_human_look(language, text):
    decision = classify(TriageInput(text=text, language=language))
    denied = [r for r in decision.reasons if r.concepts and r.scope == "negated"]
    assert denied, [(r.rule, r.scope) for r in decision.reasons]
    assert "sexual_abuse" not in decision.categories
    assert decision.urgency == "high"
    assert NEEDS_HUMAN_LOOK in {r.rule for r in decision.reasons}


# Words that fold or read alike across languages must not fire another language's combinations.
LOOKALIKES = [
    ("tl", "palaging sumisigaw ang employer, sinasabihan akong bobo"),  # "bobo" folds like "boobs"
    ("vi", "ông chủ bị ốm nên quản lý làm thay"),  # ốm (sick) folds like ôm (hug)
    ("vi", "chủ đã trả lương cho tôi rồi"),  # đã (already) folds like đá (kick)
    ("es", "me pegó la gripa y el patrón me dio el día libre"),
    ("fr", "le contremaître travaille la nuit seul dans son bureau"),
    ("en", "we can only go to town on sunday because there is no bus"),
    ("zh", "主管晚上一个人在办公室值班"),
    ("hi", "supervisor raat ko akele office me kaam karta hai"),
]


@pytest.mark.parametrize(("language", "text"), LOOKALIKES, ids=lambda v: str(v)[:24])
def test_ordinary_sentences_with_concept_words_fire_no_combination(language, text):
    hits, _ = default_rulebook().match(text)
    assert [h.rule.rule_id for h in hits if h.rule.concepts] == []
    assert classify(TriageInput(text=text, language=language)).urgency != "immediate"


# English rules read Taglish, Hinglish and Punjabi-English; Hindi and Punjabi read each other.
CODE_SWITCH = {("en", "tl"), ("en", "hi"), ("en", "pa"), ("hi", "pa"), ("pa", "hi")}


def test_no_combination_of_one_language_fires_on_the_labelled_texts_of_another():
    book = default_rulebook()
    crossed = []
    for path in sorted(HERE.glob("heldout*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            example = json.loads(line)
            for hit in book.match(example["text"])[0]:
                language = hit.rule.language
                if hit.rule.concepts and language != example["lang"] and (language, example["lang"]) not in CODE_SWITCH:
                    crossed.append((example["id"], hit.rule.rule_id))
    assert crossed == []


def test_chinese_concept_words_do_not_change_how_texts_are_segmented():
    """A new Chinese word re-cuts every text (送回国 would swallow the rule word 回国): the concepts
    are written as phrases of existing words (不让_去_医院), so segmentation is that of the other rules."""
    files = []
    for path in rule_paths():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        data.pop("concepts", None)
        data["rule"] = [rule for rule in data["rule"] if "concepts" not in rule]
        files.append(msgspec.convert(data, RuleFile))
    without = Rulebook(files)
    book = default_rulebook()
    texts = [
        json.loads(line)["text"]
        for path in sorted(HERE.glob("heldout*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if json.loads(line)["lang"] == "zh"
    ]
    assert len(texts) > 150
    assert [book.tokens(t) for t in texts] == [without.tokens(t) for t in texts]

