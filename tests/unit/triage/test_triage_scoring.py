"""classify: answers, rules and the urgency policy, in every reporter language."""

from __future__ import annotations

import pytest

from signalement.triage import CATEGORIES, URGENCY_RANK, TriageInput, classify, read_text
from signalement.triage.scoring import MAX_TEXT_CHARS

# Per language: a report that is `high` on its own (documents kept), words saying the danger
# is now, and phrases that are `immediate` on their own (weapon, bleeding, self-harm,
# locked in, "we are in danger"). Written for these tests, not taken from the dev set.
DANGER = {
    "en": ("The boss keeps our passports.", "Please help us now.",
           ["He has a knife.", "My friend is bleeding.", "I want to kill myself.",
            "We are locked in the trailer.", "We are in danger."]),
    "fr": ("Le patron garde nos passeports.", "Aidez-nous maintenant, c'est urgent.",
           ["Il a un couteau.", "Mon collègue saigne beaucoup.", "Je vais me suicider.",
            "Nous sommes enfermés dans la roulotte.", "Nous sommes en danger."]),
    "es": ("El patrón guarda nuestros pasaportes.", "Ayúdenos ahora mismo.",
           ["Tiene un cuchillo.", "Mi compañero está sangrando.", "Me quiero morir.",
            "Nos tienen encerrados.", "Estamos en peligro."]),
    "tl": ("Hawak ng amo ang pasaporte namin.", "Tulungan ninyo kami ngayon na.",
           ["May kutsilyo siya.", "Dumudugo ang kamay ng kasama ko.", "Gusto ko nang magpakamatay.",
            "Ikinulong kami sa bahay.", "Nasa panganib kami."]),
    "hi": ("मालिक ने मेरा पासपोर्ट रख लिया है।", "अभी मदद करो।",
           ["उसके पास चाकू है।", "मेरे साथी का खून बह रहा है।", "मैं आत्महत्या कर लूंगा।",
            "हमें कमरे में बंद कर दिया है।", "हमारी जान खतरे में है।"]),
    "pa": ("ਮਾਲਕ ਨੇ ਮੇਰਾ ਪਾਸਪੋਰਟ ਰੱਖ ਲਿਆ ਹੈ।", "ਹੁਣੇ ਮਦਦ ਕਰੋ।",
           ["ਉਸ ਕੋਲ ਚਾਕੂ ਹੈ।", "ਮੇਰੇ ਸਾਥੀ ਦਾ ਖੂਨ ਵਗ ਰਿਹਾ ਹੈ।", "ਮੈਂ ਖੁਦਕੁਸ਼ੀ ਕਰ ਲਵਾਂਗਾ।",
            "ਸਾਨੂੰ ਕਮਰੇ ਵਿੱਚ ਬੰਦ ਕਰ ਦਿੱਤਾ।", "ਸਾਡੀ ਜਾਨ ਖਤਰੇ ਵਿੱਚ ਹੈ।"]),
    "vi": ("Chủ giữ hộ chiếu của chúng tôi.", "Xin giúp chúng tôi ngay bây giờ.",
           ["Hắn cầm dao.", "Bạn tôi đang chảy máu.", "Tôi muốn tự tử.", "Chủ nhốt chúng tôi trong phòng.",
            "Cứu tôi với."]),
    "zh": ("老板把我们的护照拿走了。", "请马上帮助我们。",
           ["他拿着刀。", "我的同事在流血。", "我想自杀。", "老板把我们锁在宿舍里。", "救命！"]),
}


def decide(text: str = "", **answers) -> object:
    return classify(TriageInput(text=text, **answers))


@pytest.mark.parametrize("language", DANGER)
def test_words_of_present_danger_raise_a_high_report_to_immediate(language):
    base, now, _ = DANGER[language]
    assert decide(base, language=language).urgency == "high"
    decision = decide(f"{base} {now}", language=language)
    assert decision.urgency == "immediate"
    assert f"{language}.danger.now" in {r.rule for r in decision.reasons}
    assert decision.police_referral


@pytest.mark.parametrize(
    ("language", "phrase"), [(lang, phrase) for lang, (_, _, phrases) in DANGER.items() for phrase in phrases]
)
def test_danger_phrases_are_immediate_by_the_rules_of_their_own_language(language, phrase):
    decision = decide(phrase, language=language)
    assert decision.urgency == "immediate"
    assert any(r.rule.startswith(f"{language}.") and r.urgency == "immediate" for r in decision.reasons), [
        r.rule for r in decision.reasons
    ]


def test_present_danger_words_do_not_raise_a_standard_report():
    # "now" in a wage complaint is not danger; the officer still sees the wage rule.
    assert decide("He has not paid us and now he says the money comes later.").urgency == "standard"


def test_a_danger_now_answer_of_yes_is_immediate_whatever_the_text():
    decision = decide("I have a question about my schedule.", danger_now="yes")
    assert decision.urgency == "immediate"
    assert decision.reasons[0].rule == "answer.danger_now"
    assert decision.police_referral


def test_an_unsure_danger_answer_is_at_least_high():
    assert decide("I have a question.", danger_now="unsure").urgency == "high"


def test_an_unsure_danger_answer_with_a_high_report_is_immediate():
    decision = decide("The boss keeps our passports.", danger_now="Unsure ")
    assert decision.urgency == "immediate"
    assert "policy.unsure_danger_raises_high" in {r.rule for r in decision.reasons}


def test_ticked_categories_count_with_their_own_urgency():
    decision = decide("", categories=("wages", "confinement", "not_a_category"))
    assert decision.categories == ("wages", "confinement")
    assert decision.urgency == "immediate"
    first_two = [(r.source, r.category) for r in decision.reasons[:2]]
    assert first_two == [("answer", "wages"), ("answer", "confinement")]


def test_a_report_with_nothing_recognisable_is_other_and_standard():
    decision = decide("Hello, I would like some information.")
    assert decision.categories == ("other",)
    assert decision.urgency == "standard"
    assert not decision.police_referral


def test_other_is_dropped_when_a_real_category_applies():
    decision = decide("I want to know if this is allowed: they did not pay my overtime.")
    assert decision.categories == ("wages",)


def test_an_injury_without_care_is_immediate_even_when_severity_is_not_stated():
    decision = decide("I was injured at work and the boss refused to take me to the hospital.")
    assert decision.urgency == "immediate"
    assert "policy.injury_without_care" in {r.rule for r in decision.reasons}


def test_pain_without_an_injury_and_without_care_stays_high():
    # The policy's "serious injury without care"; a sore back is not that.
    decision = decide("I hurt my back lifting boxes and the manager refuses to take me to a doctor.")
    assert (decision.categories, decision.urgency) == (("health_safety",), "high")


def test_a_serious_injury_with_care_given_is_high():
    decision = decide("I cut my hand on the machine and the nurse stitched it.")
    assert decision.urgency == "high"


def test_a_threat_of_deportation_for_complaining_is_status_threats_not_reprisal():
    decision = decide("If you complain I will send you back home, he said.")
    assert decision.categories == ("status_threats",)


def test_punishment_after_a_complaint_is_reprisal():
    decision = decide("After I complained to the labour ministry they cut my hours.")
    assert "reprisal" in decision.categories
    assert decision.urgency == "high"


def test_a_weapon_threat_is_physical_and_psychological_abuse():
    decision = decide("He threatened me with a knife.")
    assert {"physical_abuse", "psychological_abuse"} <= set(decision.categories)


def test_kept_documents_with_debt_bondage_suggest_the_police_without_raising_urgency():
    decision = decide("The recruiter keeps my passport until I repay my debt.")
    assert {"documents", "financial_abuse"} <= set(decision.categories)
    assert decision.urgency == "high"
    assert decision.police_referral
    assert "policy.trafficking_indicators" in {r.rule for r in decision.reasons}


def test_the_urgency_is_the_most_urgent_reason():
    for text in ["We are locked inside.", "They keep our passports.", "No pay for weeks.", "Hola"]:
        decision = decide(text)
        levels = [r.urgency for r in decision.reasons if r.urgency]
        assert decision.urgency == min(levels, key=URGENCY_RANK.__getitem__)


def test_categories_are_in_taxonomy_order_and_never_empty():
    decision = decide("They took my passport, they don't pay me and they hit me.")
    assert list(decision.categories) == sorted(decision.categories, key=CATEGORIES.index)
    assert decide("").categories == ("other",)


def test_rules_of_the_text_language_come_first_in_the_reasons():
    text = "They took my passport. Kinuha ng amo ang pasaporte ko."
    english_first = [r.rule for r in decide(text, language="en").reasons if r.source == "rule"]
    tagalog = decide(text, language="en", text_language="tl")
    tagalog_first = [r.rule for r in tagalog.reasons if r.source == "rule"]
    assert english_first[0].startswith("en.") and tagalog_first[0].startswith("tl.")
    assert sorted(english_first) == sorted(tagalog_first)


def test_code_switched_text_is_read_with_every_language():
    decision = decide("Sinaktan ako ng boss and he took my passport", language="tl")
    assert {"physical_abuse", "documents"} <= set(decision.categories)


def test_matched_words_come_with_the_rule_that_used_them():
    decision = decide("The supervisor keeps our passports in his office.")
    reason = next(r for r in decision.reasons if r.category == "documents")
    assert reason.rule == "en.documents.kept"
    assert reason.matched == ("keeps our passports",)


def test_a_huge_report_is_read_at_both_ends():
    filler = "We pick apples every day. " * (MAX_TEXT_CHARS // 10)
    decision = decide(f"They locked us in. {filler} He took our passports.")
    assert {"confinement", "documents"} <= set(decision.categories)
    assert "default.text_truncated" in {r.rule for r in decision.reasons}


def test_the_same_input_always_gives_the_same_decision():
    inp = TriageInput(text="Le patron nous crie dessus et garde nos passeports.", language="fr")
    assert classify(inp) == classify(inp)


@pytest.mark.parametrize("lang", sorted(DANGER))
def test_a_story_read_text_by_text_is_triaged_like_the_whole_story(lang: str) -> None:
    """SMS seals each text as it comes: what triage kept of each (no words) decides as the joined text would."""
    high, now, immediate = DANGER[lang]
    for parts in ([high, now], [immediate[0], high], [high]):
        whole = classify(TriageInput(language=lang, text="\n\n".join(parts)))
        readings = tuple(read_text(p, lang)[0] for p in parts)
        pieced = classify(TriageInput(language=lang, readings=readings))
        assert (pieced.urgency, pieced.categories, pieced.police_referral) == (
            whole.urgency, whole.categories, whole.police_referral), parts
        assert {r.rule for r in pieced.reasons} == {r.rule for r in whole.reasons}
        assert not any(r.matched for reading in readings for r in reading.reasons)  # no word is kept
        matched = [w for p in parts for ws in read_text(p, lang)[1].values() for w in ws]
        assert matched  # ...they are handed back, to be sealed with the text
