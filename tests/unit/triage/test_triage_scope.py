"""Negation, hypotheses, reported news and clause boundaries, in all eight languages.

A denied ("nobody hit me"), hypothetical ("if I get sick") or reported ("I read in the news")
act adds no category and never makes a report ``immediate``; a denial of one thing does not
cancel the next clause; a conditional *threat* stays a threat. Each probe is paired with the
stated form of the same act, which must fire: a test that passes because no rule matched at
all would prove nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from signalement.triage.rulebook import default_rulebook
from signalement.triage.scoring import NEEDS_HUMAN_LOOK, TriageInput, classify

# (language, the act stated, the act denied / hypothetical / reported, category)
PAIRS = [
    ("en", "my boss hit me", "nobody hit me", "physical_abuse"),
    ("en", "they took my passport", "they did NOT take my passport", "documents"),
    ("en", "I got sick and they will not pay me", "if I get sick will they pay me", "health_safety"),
    ("en", "workers are locked in on the farm", "I read in the news that workers were locked in on a farm",
     "confinement"),
    ("fr", "le patron m'a frappé", "personne ne m'a frappé", "physical_abuse"),
    ("fr", "le patron m'a frappé", "le patron ne m'a jamais frappé", "physical_abuse"),
    ("fr", "ils ont pris mon passeport", "ils n'ont pas pris mon passeport", "documents"),
    ("fr", "je suis tombé malade au travail", "si je tombe malade au travail, est-ce que je suis payé",
     "health_safety"),
    ("es", "el patrón me pegó", "nadie me pegó", "physical_abuse"),
    ("es", "me quitaron el pasaporte", "no me quitaron el pasaporte", "documents"),
    ("es", "me enfermé en el trabajo", "si me enfermo en el trabajo me pagan?", "health_safety"),
    ("es", "nos tienen encerrados en la granja",
     "vi en las noticias que tienen encerrados a trabajadores en una granja", "confinement"),
    ("tl", "sinaktan ako ng amo ko", "walang nanakit sa akin", "physical_abuse"),
    ("tl", "kinuha ng amo ang passport ko", "hindi kinuha ng amo ang passport ko", "documents"),
    ("tl", "ikinulong kami sa bukid", "nabasa ko sa balita na ikinulong ang mga manggagawa sa bukid", "confinement"),
    ("hi", "malik ne mujhe maara", "kisi ne mujhe nahi maara", "physical_abuse"),
    ("hi", "मालिक ने मुझे मारा", "किसी ने मुझे नहीं मारा", "physical_abuse"),
    ("hi", "malik ne mera passport le liya", "malik ne mera passport nahi liya", "documents"),
    ("hi", "main kaam par bimaar ho gaya", "agar main bimaar ho gaya to kya paise milenge", "health_safety"),
    ("pa", "malik ne menu kuttya", "kise ne menu nahi kuttya", "physical_abuse"),
    ("pa", "ਮਾਲਕ ਨੇ ਮੈਨੂੰ ਕੁੱਟਿਆ", "ਕਿਸੇ ਨੇ ਮੈਨੂੰ ਨਹੀਂ ਕੁੱਟਿਆ", "physical_abuse"),
    ("pa", "malik ne passport rakh lya", "malik ne passport nahi rakhya", "documents"),
    ("vi", "chủ đánh tôi", "không ai đánh tôi", "physical_abuse"),
    ("vi", "chu danh toi", "khong ai danh toi", "physical_abuse"),
    ("vi", "họ lấy hộ chiếu của tôi", "họ không lấy hộ chiếu của tôi", "documents"),
    ("vi", "tôi bị bệnh ở chỗ làm", "nếu tôi bị bệnh thì có được trả lương không", "health_safety"),
    ("zh", "老板打我", "没有人打我", "physical_abuse"),
    ("zh", "他们拿走了我的护照", "他们没有拿走我的护照", "documents"),
    ("zh", "我在农场被锁在房间里", "我在新闻上看到有农场把工人锁在房间里，我这里没事", "confinement"),
    ("zh", "我生病了", "如果我生病了，老板会给工资吗", "health_safety"),
]


def _decide(text: str, language: str):
    return classify(TriageInput(text=text, language=language))


@pytest.mark.parametrize(("language", "stated", "weak", "category"), PAIRS, ids=lambda v: str(v)[:30])
def test_a_denied_hypothetical_or_reported_act_adds_no_category_and_is_never_immediate(
    language, stated, weak, category
):
    assert category in _decide(stated, language).categories, "the stated form must fire, or the test proves nothing"
    decision = _decide(weak, language)
    assert category not in decision.categories, decision.reasons
    assert decision.urgency != "immediate", decision.reasons
    # The rule that fired weakly is still shown, with why it did not count.
    assert any(r.scope in {"negated", "hypothetical", "reported"} for r in decision.reasons), decision.reasons


def test_every_language_has_scope_probes():
    assert {p[0] for p in PAIRS} == set(default_rulebook().languages)


# A denial of one thing does not cancel the next clause.
NEXT_CLAUSE = [
    ("en", "nobody hit me but they took my passport"),
    ("fr", "personne ne m'a frappé mais ils ont pris mon passeport"),
    ("es", "nadie me pegó pero me quitaron el pasaporte"),
    ("tl", "walang nanakit sa akin pero kinuha ng amo ang passport ko"),
    ("hi", "kisi ne mujhe nahi maara lekin malik ne mera passport le liya"),
    ("pa", "kise ne menu nahi kuttya par malik ne passport rakh lya"),
    ("vi", "không ai đánh tôi nhưng họ lấy hộ chiếu của tôi"),
    ("zh", "没有人打我，但是他们拿走了我的护照"),
]


@pytest.mark.parametrize(("language", "text"), NEXT_CLAUSE)
def test_a_denial_does_not_cancel_the_next_clause(language, text):
    decision = _decide(text, language)
    assert "documents" in decision.categories, decision.reasons
    assert "physical_abuse" not in decision.categories, decision.reasons


AFTER_A_NEGATION = [
    ("en", "they did not pay us and the boss hit me"),
    ("fr", "ils ne nous paient pas et le patron m'a frappé"),
    ("es", "no nos pagan y el patrón me pegó"),
    ("tl", "hindi kami binabayaran at sinaktan ako ng amo"),
    ("hi", "paise nahi diye aur malik ne mujhe maara"),
    ("pa", "paise nahi ditte ate malik ne menu kuttya"),
    ("vi", "không trả lương và chủ đánh tôi"),
    ("zh", "不发工资，然后老板打我"),
]


@pytest.mark.parametrize(("language", "text"), AFTER_A_NEGATION)
def test_an_act_after_a_negated_clause_still_counts(language, text):
    decision = _decide(text, language)
    assert {"wages", "physical_abuse"} <= set(decision.categories), decision.reasons
    assert decision.urgency == "immediate"


# Negative facts and conditional threats are what the report says, not denials or hypotheses.
STILL_STATED = [
    ("en", "the boss says if we complain he will send us back home", "status_threats"),
    ("en", "if you tell anyone I will kill you", "psychological_abuse"),
    ("en", "they did not pay me for 6 weeks", "wages"),
    ("en", "he fell, hes confused and the boss wont call 911", "health_safety"),
    ("es", "dice que si nos quejamos nos regresa a México", "status_threats"),
    ("es", "Dice que si no nos gusta nos regresa a México.", "status_threats"),
    ("tl", "hindi ko alam kung bakit kinuha ng amo ang passport ko", "documents"),
    ("hi", "agar kisi ko bataya to jaan se maar denge", "psychological_abuse"),
    ("pa", "ਮੈਨੇਜਰ ਕਹਿੰਦਾ ਮੇਰੇ ਨਾਲ ਹੋਟਲ ਚੱਲ ਨਹੀਂ ਤਾਂ ਨੌਕਰੀ ਗਈ", "sexual_abuse"),
    ("vi", "họ không cho tụi em ra khỏi trang trại", "confinement"),
    ("zh", "老板说不听话就取消我们的工签", "status_threats"),
]


@pytest.mark.parametrize(("language", "text", "category"), STILL_STATED)
def test_negative_facts_and_conditional_threats_still_count(language, text, category):
    decision = _decide(text, language)
    assert category in decision.categories, decision.reasons


def test_self_harm_said_with_a_negation_stays_immediate():
    for language, text in [
        ("fr", "il vaut mieux ne plus me réveiller"),
        ("en", "I don't want to live anymore"),
        ("es", "ya no quiero vivir"),
        ("zh", "我不想活了"),
    ]:
        assert _decide(text, language).urgency == "immediate", text


def test_a_weak_sensitive_match_asks_for_a_human_look_instead_of_standard():
    decision = _decide("nobody hit me, I only want to ask about my vacation pay", "en")
    assert decision.urgency == "high"
    assert "physical_abuse" not in decision.categories
    assert any(r.rule == NEEDS_HUMAN_LOOK and r.urgency == "high" for r in decision.reasons)
    # A weak match of a family that is not sensitive does not raise anything.
    decision = _decide("they did not take my passport", "en")
    assert decision.urgency == "standard"
    assert not any(r.rule == NEEDS_HUMAN_LOOK for r in decision.reasons)


# ---- safety net: a sensitive family that fires only weakly -----------------------------------

WEAKLY_SENSITIVE = [
    ("en", "nobody hit me, I only want to ask about my vacation pay"),
    ("en", "the supervisor is creepy and makes me uncomfortable"),
    ("fr", "le contremaître me met mal à l'aise"),
    ("es", "el mayordomo me hace sentir incómoda"),
    ("es", "nadie me pegó"),
    ("tl", "naiilang ako sa supervisor namin"),
    ("tl", "walang nanakit sa akin"),
    ("hi", "supervisor mujhe ghoorta rehta hai"),
    ("hi", "किसी ने मुझे नहीं मारा"),
    ("pa", "supervisor menu ghoorda rehnda"),
    ("pa", "ਕਿਸੇ ਨੇ ਮੈਨੂੰ ਨਹੀਂ ਕੁੱਟਿਆ"),
    ("vi", "quản lý cứ nhìn em chằm chằm"),
    ("vi", "khong ai danh toi"),
    ("zh", "组长总是盯着我看"),
    ("zh", "没有人打我"),
]


@pytest.mark.parametrize(("language", "text"), WEAKLY_SENSITIVE)
def test_a_sensitive_family_firing_only_weakly_goes_to_high_for_a_human_look(language, text):
    decision = _decide(text, language)
    assert decision.urgency == "high", decision.reasons
    assert any(r.rule == NEEDS_HUMAN_LOOK and r.urgency == "high" for r in decision.reasons), decision.reasons
    weak = [r for r in decision.reasons if r.scope]
    assert weak and all(r.category is None and r.urgency is None for r in weak)
    assert not {"sexual_abuse", "physical_abuse", "confinement"} & set(decision.categories)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "saw on the news about workers locked in a bunkhouse, here we come and go as we want"),
        ("fr", "j'ai lu dans le journal qu'un patron a frappé un travailleur"),
        ("zh", "我在新闻上看到有农场把工人锁在房间里，我这里没事"),
    ],
)
def test_reported_news_alone_asks_for_no_human_look(language, text):
    # The net is for negation, hypotheses and ambiguous words: news is not the reporter's account.
    decision = _decide(text, language)
    assert decision.urgency == "standard", decision.reasons
    assert any(r.scope == "reported" for r in decision.reasons)
    assert not any(r.rule == NEEDS_HUMAN_LOOK for r in decision.reasons)


def test_an_ambiguous_word_beside_a_clear_one_changes_nothing():
    decision = _decide("he is creepy and he touched my breast", "en")
    assert decision.urgency == "immediate"
    assert "sexual_abuse" in decision.categories
    assert not any(r.rule == NEEDS_HUMAN_LOOK for r in decision.reasons)


def test_the_cli_shows_the_scope_and_the_human_look_reason():
    import argparse
    import io
    import json

    from signalement.triage.cli import run_classify

    out = io.BytesIO()
    source = io.BytesIO(b'{"id": 1, "lang": "en", "text": "nobody hit me"}\n')
    assert run_classify(argparse.Namespace(show_matches=False), stdin=source, stdout=out) == 0
    line = json.loads(out.getvalue())
    assert line["urgency"] == "high"
    assert {
        "source": "rule",
        "rule": "en.physical_abuse.violence",
        "category": None,
        "urgency": None,
        "scope": "negated",
    } in line["reasons"]
    assert any(r["rule"] == NEEDS_HUMAN_LOOK for r in line["reasons"])


# ---- rules fire on text in their own language ------------------------------------------------

def _rules(text: str) -> set[str]:
    return {r.rule for r in _decide(text, "en").reasons if r.source == "rule" and not r.scope}


@pytest.mark.parametrize(
    "text",
    [
        "Tôi phải hít hóa chất cả ngày mà không có khẩu trang",  # hít: to inhale
        "toi phai hit hoa chat ca ngay ma khong co khau trang",  # the same, without accents
        "em bi hit khoi thuoc tru sau, kho tho",
    ],
)
def test_an_english_rule_does_not_read_a_vietnamese_syllable(text):
    decision = _decide(text, "vi")
    assert not any(rule.startswith("en.") for rule in _rules(text))
    assert "physical_abuse" not in decision.categories
    assert decision.urgency == "high"  # breathing chemicals without protection: health_safety
    assert "health_safety" in decision.categories


def test_a_news_question_from_someone_who_is_fine_is_not_immediate():
    text = "我在新闻上看到有个农场把工人锁起来了，我想问一下，我这边没事，老板对我们很好"
    decision = _decide(text, "zh")
    assert decision.urgency != "immediate"
    assert "confinement" not in decision.categories


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("sinuntok ako ng supervisor namin, he punched me in the face", "en.physical_abuse.violence"),  # Taglish
        ("boss ne mujhe hit kiya aur passport rakh liya", "en.physical_abuse.violence"),  # Hinglish
        ("malik ne passport rakh lya", "hi.documents.kept"),  # Hindi rule, Punjabi sentence
        ("老板打我", "zh.physical_abuse.violence"),  # a script shows its language by itself
    ],
)
def test_code_switched_segments_keep_their_rules(text, rule):
    assert rule in _rules(text)


def test_a_sentence_in_another_language_keeps_its_own_rules_in_a_mixed_text():
    text = "Tôi làm ở trang trại. The boss hit me yesterday."
    assert "en.physical_abuse.violence" in _rules(text)
    assert "physical_abuse" in _decide(text, "vi").categories


def test_a_text_that_shows_no_language_is_read_by_every_rule_file():
    # No marker word, no accent, no script: nothing is gated (the safe side).
    assert "en.physical_abuse.violence" in _rules("boss punched")


def _violence_hit_per_seed(text: str, field: str) -> set[str]:
    """``field`` of the en.physical_abuse.violence hit on ``text``, printed by four processes with
    different hash seeds (set iteration orders): one value when the answer does not depend on it."""
    code = (
        "from signalement.triage.rulebook import default_rulebook as d;"
        f"print([h.{field} for h in d().match({text!r})[0] if h.rule.rule_id == 'en.physical_abuse.violence'])"
    )
    return {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in (0, 1, 2, 3)
    }


def test_the_quoted_words_do_not_depend_on_the_order_matches_are_read():
    """A rule matched once denied and once stated quotes both, whatever order the spans come in
    (it used to depend on set iteration order, so two processes could quote differently)."""
    text = "Nobody punched me in June. Yesterday the supervisor hit me in the face."
    seen = _violence_hit_per_seed(text, "matched")
    assert len(seen) == 1, seen
    hits = [h for h in default_rulebook().match(text)[0] if h.rule.rule_id == "en.physical_abuse.violence"]
    assert hits and hits[0].scope is None and len(hits[0].matched) == 2, hits


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        # Denied and hypothetical: the denial's narrower cue names the rule.
        ("If he beats me I will leave. Nobody punched me.", "negated"),
        # Reported and hypothetical: not "reported", which would drop the policy's human look.
        ("I read in the news that the boss hit workers. If he beats me I will leave.", "hypothetical"),
    ],
)
def test_a_rule_weakened_differently_by_its_matches_takes_the_narrowest_cue(text, scope):
    """Not the weakness of the match read first, which followed set iteration order: two hash
    seeds gave one Hindi report "negated" and "hypothetical" (``scope.WEAKNESS_PRECEDENCE``)."""
    assert _violence_hit_per_seed(text, "scope") == {repr([scope])}


def test_a_french_denial_between_pronoun_and_verb_asks_for_a_human_look():
    """'Il m'a jamais touché': the negation stands inside the match (rules with negation_inside = true)."""
    from signalement.triage.scoring import TriageInput, classify

    result = classify(TriageInput(language="fr", text="Le chef crie sur moi. Il m'a jamais touché mais j'ai peur."))
    assert "sexual_abuse" not in result.categories
    assert result.urgency == "high"
    assert any(reason.rule == "policy.needs_human_look" for reason in result.reasons)
    stated = classify(TriageInput(language="fr", text="Le chef m'a touché les fesses hier."))
    assert "sexual_abuse" in stated.categories and stated.urgency == "immediate"


# Sixth pass: a conditional question ("if I get hurt, will they send me home?") asks, it states nothing,
# to the end of its sentence and in the question right after it. Each is paired with the same words
# stated, which must give the category, so the test cannot pass because no rule matched at all.
CONDITIONAL_QUESTIONS = [
    ("en", "if I get hurt at work does the insurance pay or do they send me home?", "they will send me home",
     "status_threats"),
    ("fr", "si je me blesse au travail, est-ce que la CNESST paie ou est-ce qu'on me renvoie au pays ?",
     "le patron va me renvoyer au pays", "status_threats"),
    ("es", "si me lastimo en el trabajo, ¿el seguro paga o me regresan a México?",
     "el patrón dice que me regresan a México", "status_threats"),
    ("tl", "kung maaksidente ako sa trabaho, sagot ba ng insurance o pauuwiin ako?", "pauuwiin daw ako ng amo",
     "status_threats"),
    ("hi", "अगर काम पर चोट लग जाए तो इलाज का पैसा कौन देगा या वापस भेज देंगे?", "मालिक बोला वापस भेज देंगे",
     "status_threats"),
    ("pa", "je kamm te satt lag jave ta insurance milu ya wapas bhej denge?", "malik kehnda wapas bhej denge",
     "status_threats"),
    ("vi", "nếu em bị thương khi làm việc thì có được bảo hiểm không hay bị đuổi về nước?", "chủ dọa đuổi về nước",
     "status_threats"),
    ("zh", "请问如果在工作时受伤，保险会赔吗？还是会被送回国？", "老板说要把我送回国", "status_threats"),
]


@pytest.mark.parametrize(("language", "asked", "stated", "category"), CONDITIONAL_QUESTIONS, ids=lambda v: str(v)[:30])
def test_a_conditional_question_states_nothing_to_its_end(language, asked, stated, category):
    assert category in classify(TriageInput(language=language, text=stated)).categories
    result = classify(TriageInput(language=language, text=asked))
    assert category not in result.categories, [(r.rule, r.scope) for r in result.reasons]
    assert result.urgency == "standard", [(r.rule, r.scope) for r in result.reasons]


# A sensitive family in a conditional question still counts: the question may be about what already happened.
SENSITIVE_QUESTIONS = [
    ("en", "if I complain to the office, will they lock us in the trailer again like last night?"),
    ("zh", "如果我去投诉，老板会不会又把我们锁在宿舍里？"),
]


@pytest.mark.parametrize(("language", "text"), SENSITIVE_QUESTIONS)
def test_a_sensitive_act_in_a_conditional_question_is_not_weakened(language, text):
    assert classify(TriageInput(language=language, text=text)).urgency == "immediate"


# Reported news ends at a contrast ("but"), not at "and": "locked in and beaten" is all news.
NEWS_WITH_AND = [
    ("en", "I saw on the news that workers were locked in a house and beaten. My question is about vacation pay."),
    ("fr", "J'ai vu aux infos que des ouvriers ont été enfermés et frappés dans une ferme. "
     "Ma question porte sur les congés."),
]


@pytest.mark.parametrize(("language", "text"), NEWS_WITH_AND)
def test_news_joined_by_and_stays_news(language, text):
    result = classify(TriageInput(language=language, text=text))
    assert result.urgency == "standard", [(r.rule, r.scope) for r in result.reasons]


# Seventh pass: a question about an act that keeps happening is not a hypothesis (`habitual` in [scope]), and
# the same question about what might happen still is.
HABITUAL_QUESTIONS = [
    ("en", "I want to know if the boss can lock us in the bunkhouse every night like he does?",
     "if the boss could lock us in the bunkhouse, what would I do?"),
    ("tl", "tanong ko lang po kung normal na kinukulong kami ng amo tuwing gabi?",
     "tanong ko lang po kung kinulong kami ng amo, ano ang gagawin?"),
    ("vi", "em muốn hỏi nếu chủ nhốt tụi em trong nhà mỗi đêm thì có đúng luật không",
     "em muốn hỏi nếu chủ nhốt tụi em trong nhà thì em làm gì"),
    ("hi", "ek sawal, agar malik roz raat ko kamre mein taala laga ke band karta hai to kya ye sahi hai?",
     "ek sawal, agar malik kamre mein taala laga ke band kare to main kya karoon?"),
]


@pytest.mark.parametrize(("language", "habitual", "hypothetical"), HABITUAL_QUESTIONS)
def test_a_question_about_what_keeps_happening_is_stated(language, habitual, hypothetical):
    assert _decide(habitual, language).urgency == "immediate"
    weak = _decide(hypothetical, language)
    assert weak.urgency == "high" and "confinement" not in weak.categories


# Eighth pass: Cantonese 冇 ("have not") denies like 没有; "kung tama ba" ("whether it is right") is an indirect
# question in Tagalog, like "kung bakit", so the act asked about is stated.
def test_a_cantonese_denial_asks_for_a_human_look_not_immediate():
    assert "physical_abuse" in _decide("佢打過我，仲日日鬧我", "zh").categories
    decision = _decide("佢冇打過我，但係日日鬧我廢柴", "zh")
    assert "physical_abuse" not in decision.categories, decision.reasons
    assert decision.urgency == "high", decision.reasons


def test_a_tagalog_question_whether_it_is_right_states_the_deduction():
    decision = _decide("tanong ko lang po kung tama ba na kinakaltas ang upa sa sweldo namin", "tl")
    assert "wages" in decision.categories, decision.reasons
