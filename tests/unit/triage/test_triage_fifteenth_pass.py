"""Issue 12, fifteenth pass: families blind round 26 showed, probes and counter-probes written for this file.

1. hyperbole: "this is modern slavery", "c'est de l'esclavage", "esto es esclavitud" said about hours or pay is a
   cry, not trafficking (no `financial_abuse`, no `immediate`); "slavery" next to passports kept or "we cannot
   leave" still counts;
2. negation after the verb without "ne" (fr "il nous frappe pas", "y nous touche pas"; vi "có đánh ai đâu"): not
   an act stated, but a denial (a sensitive family gets its human look); the same verb without it still counts, and
   so does "il me frappe pas mal" ("pas mal" is "a lot": the scope's ``not_negation``);
3. confinement said as a quoted threat and its effect ("if you go to town you dont come back", "el que se vaya al
   pueblo ya no regresa", "je shehar gaya taan wapas na aayin", 你敢去镇上就别想回来, "đứa nào ra thị trấn thì đừng
   có quay về") with nobody going out since; said with a weapon in hand it is psychological abuse too; a ride
   back from town before ten is not;
4. a status threat by one phone call ("un seul coup de fil et tu repars à Douala") in every language; a call to
   one's mother is not;
5. hearsay about documents: a cousin's boss who took his passport years ago, "not me", is not this report; the
   reporter's own passport taken still counts;
6. health: no harness at height (pa hi), a minimised push and arm pulled hard (zh) is physical abuse, pa
   self-harm "ਆਪਣੇ ਆਪ ਨੂੰ ਮੁਕਾ ਲਵਾਂ" (to finish oneself off; not ਮੁੱਕਾ, a punch);
7. asking whether one may work for another employer is `other`, not a job mismatch; being sent to another
   employer still is.
"""

from __future__ import annotations

import pytest

from signalement.triage.scoring import NEEDS_HUMAN_LOOK, TriageInput, classify
from support.triage import decide as _decide


# ---- 1. "slavery" as a cry about hours or pay -----------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "this is modern slavery, we work 14 hours a day and no overtime pay"),
        ("en", "its slavery man, 70 hours a week at straight time"),
        ("fr", "C'EST DE L'ESCLAVAGE, 65 heures par semaine et pas de congé"),
        ("fr", "on fait 60 heures sans temps supplémentaire, c'est de l'esclavage moderne"),
        ("es", "esto es esclavitud, 14 horas diarias sin pago de horas extras"),
    ],
)
def test_slavery_said_about_hours_is_not_trafficking(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency != "immediate" and "financial_abuse" not in categories, text


@pytest.mark.parametrize(
    ("language", "text", "category"),
    [
        ("en", "they keep our passports, this is slavery", "documents"),
        ("en", "we cannot leave, it is slavery", "confinement"),
        ("fr", "ils gardent nos passeports, c'est de l'esclavage", "documents"),
        ("es", "no podemos salir, es esclavitud", "confinement"),
    ],
)
def test_slavery_next_to_papers_kept_or_no_leaving_still_counts(language: str, text: str, category: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and {"financial_abuse", category} <= categories, text


# ---- 2. negation after the verb ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "le boss est correct, il nous frappe pas, c'est la paye le problème"),
        ("fr", "y nous touche pas, y crie juste un peu"),
        ("fr", "le patron me bat jamais, mais la paye arrive en retard"),
        ("vi", "ổng có đánh ai đâu, chỉ là trả lương trễ"),
    ],
)
def test_an_act_denied_after_the_verb_is_not_stated(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency != "immediate" and not categories & {"physical_abuse", "sexual_abuse"}, text


@pytest.mark.parametrize(
    ("language", "text", "category"),
    [
        ("fr", "le contremaître nous frappe avec un bâton", "physical_abuse"),
        ("fr", "le patron me frappe quand je parle", "physical_abuse"),
        ("fr", "le patron me frappe, personne dit rien", "physical_abuse"),
        ("fr", "le contremaître me touche, personne me croit", "sexual_abuse"),
        ("vi", "ông chủ đánh em ở đâu cũng được", "physical_abuse"),
    ],
)
def test_the_act_without_a_negation_after_it_still_counts(language: str, text: str, category: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and category in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "le boss est correct, il nous frappe pas, c'est la paye le problème"),
        ("fr", "y nous touche pas, y crie juste un peu"),
    ],
)
def test_an_act_denied_after_the_verb_still_gets_a_human_look(language: str, text: str) -> None:
    # A scope negation (``negation_after``), not an ``unless``: an ``unless`` drops the match silently, and the issue
    # asks that a sensitive family denied still reaches ``high`` with "needs a human look" (lead's review).
    decision = classify(TriageInput(language=language, text=text))
    assert decision.urgency == "high" and NEEDS_HUMAN_LOOK in {r.rule for r in decision.reasons}, text


@pytest.mark.parametrize(
    "text",
    [
        "le contremaître me frappe pas mal fort quand il est saoul",  # "pas mal": a lot
        "il m'a frappé pas loin de l'oeil",  # "pas loin": near
        "le boss nous frappe pas juste moi, tout le monde",  # "pas juste": not only
        "il nous frappe pas, mais hier il a giflé mon collègue",  # the denial ends at "mais"
    ],
)
def test_pas_mal_and_its_kin_after_the_verb_deny_nothing(text: str) -> None:
    urgency, categories = _decide("fr", text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


# ---- 3. confinement said by a quoted threat -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "he said if you go to town you dont come back. since then nobody goes past the gate"),
        ("es", "el patron dijo que el que se vaya al pueblo ya no regresa, y desde entonces nadie sale del rancho"),
        ("pa", "malik kehnda je shehar gaya taan wapas na aayin, hun koi farm ton bahar nahi janda"),
        ("hi", "malik ne kaha jo shehar gaya wapas nahi aayega, ab koi farm se bahar nahi jata"),
        ("zh", "老板说你敢去镇上就别想回来，从那以后我们没人出过农场大门"),
        ("vi", "ông chủ nói đứa nào ra thị trấn thì đừng có quay về, từ đó không ai dám ra khỏi trang trại"),
        ("fr", "le patron a dit que celui qui va en ville ne revient pas, depuis personne sort de la ferme"),
    ],
)
def test_a_threat_against_going_to_town_is_confinement(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "confinement" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "el patrón dijo con la escopeta en la mano que el que se vaya al pueblo ya no regresa"),
        ("en", "he had the rifle in his hand when he said if you go to town you dont come back"),
        ("vi", "ông chủ nói đứa nào ra thị trấn thì đừng có quay về, tao thả chó cắn"),
    ],
)
def test_that_threat_with_a_weapon_or_dogs_is_psychological_abuse_too(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and {"confinement", "psychological_abuse"} <= categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "if you go to town tonight come back before ten, the bus leaves at six"),
        ("es", "el que se vaya al pueblo el sábado que regrese antes de las diez para cenar"),
    ],
)
def test_going_to_town_and_coming_back_for_dinner_is_not(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "confinement" not in categories, text


# ---- 4. a status threat by one phone call ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "elle m'a dit : un seul coup de fil et tu repars à Douala"),
        ("en", "one phone call and you go back to Manila, she told me"),
        ("es", "una sola llamada y te regresas a Guatemala, me dijo el patrón"),
        ("tl", "isang tawag ko lang, uuwi ka sa Pilipinas sabi ni ma'am"),
        ("hi", "ek phone call aur tu wapas India, malik ne kaha"),
        ("vi", "ông chủ nói chỉ một cuộc điện thoại là mày về Việt Nam"),
        ("zh", "老板说我一个电话你就回国"),
    ],
)
def test_one_phone_call_and_you_go_back_is_a_status_threat(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency in {"high", "immediate"} and "status_threats" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "one phone call to my mom and i feel better"),
        ("fr", "un seul coup de fil à ma mère et ça va mieux"),
    ],
)
def test_a_call_home_is_not(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "status_threats" not in categories, text


# ---- 5. hearsay about documents --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "mi primo hace años tuvo un patrón que le quitó el pasaporte, a mí no me ha pasado. me pagan tarde"),
        ("en", "my cousin years ago had a boss who took his passport, that didnt happen to me. pay is late"),
        ("fr", "mon cousin avait un patron qui lui a pris son passeport, pas moi. la paye est en retard"),
    ],
)
def test_a_relatives_passport_taken_elsewhere_is_not_this_report(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "documents" not in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "el patrón me quitó el pasaporte y no me lo devuelve"),
        ("en", "my boss took my passport and my cousin's too"),
    ],
)
def test_ones_own_passport_taken_still_counts(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "documents" in categories, text


# ---- 6. health, a minimised push, self-harm ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "sanu bina harness de chhat te kamm karaunde ne"),
        ("hi", "hame bina harness ke chhat pe kaam karwate hain"),
    ],
)
def test_no_harness_at_height_is_health(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "health_safety" in categories, text


def test_a_minimised_push_and_arm_pulled_is_physical_abuse() -> None:
    urgency, categories = _decide("zh", "其实也没什么，就是工头有时候推我一下，拽我胳膊拽得很疼")
    assert urgency == "immediate" and "physical_abuse" in categories


def test_to_finish_oneself_off_is_self_harm_not_a_punch() -> None:
    urgency, categories = _decide("pa", "ਕਈ ਵਾਰ ਸੋਚਦਾ ਹਾਂ ਕਿ ਆਪਣੇ ਆਪ ਨੂੰ ਮੁਕਾ ਲਵਾਂ")
    assert urgency == "immediate" and "physical_abuse" not in categories


def test_a_punch_is_still_a_punch() -> None:
    urgency, categories = _decide("pa", "ਸੁਪਰਵਾਈਜ਼ਰ ਨੇ ਮੈਨੂੰ ਮੁੱਕਾ ਮਾਰਿਆ")
    assert urgency == "immediate" and "physical_abuse" in categories


# ---- 7. a question about another employer --------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "ਕੀ ਮੈਂ ਦੂਜੇ ਮਾਲਕ ਕੋਲ ਕੰਮ ਕਰ ਸਕਦਾ ਹਾਂ?"),
        ("hi", "kya main dusre malik ke paas kaam kar sakta hoon?"),
        ("en", "can i work for another employer?"),
    ],
)
def test_asking_to_work_for_another_employer_is_other(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert categories == {"other"}, text
