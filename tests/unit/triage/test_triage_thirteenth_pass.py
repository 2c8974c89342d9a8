"""Issue 12, thirteenth pass: families blind round 21 showed, probes and counter-probes written for this file.

1. "bahar na jaan deve/dende", "bahar na jaane dete" (pa, hi romanised): the short "na" before letting someone go
   out is a refusal to let them leave, like "nahi"; "bahar na jaana, thand hai" (advice, no "let") is not;
2. a hand put on the lower back, the waist, the hips (en fr es vi): "puts his hand on my lower back" is sexual
   touching; a worker's own hand on their own sore back is not;
3. a summons at night to the office or a room with "or else" (hi pa fr es, "raat ko office aao warna ..."): sexual
   coercion, `immediate`; a morning summons with "or else" about pay is not.
4. hours no longer given after a complaint, "ne me donne plus d'heures" (fr, its "ne" is the act, not a denial),
   "does not give me hours anymore" (en), "hindi na binibigyan ng oras" (tl), "shift nahi dete/dinde" (hi pa): a
   reprisal, `high`; the same without a complaint (the season is over) is not.
5. an issue raised ("raised the issue/concern", en; "soulevé le problème", fr) or pay asked for ("paisa maanga", hi,
   the noun first) is a complaint: hours cut after it are a reprisal; the issue raised and resolved is not.
"""

from __future__ import annotations

import pytest

from support.triage import decide as _decide


# ---- 1. "bahar na jaan de" ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "malik sanu bahar na jaan deve, passport vi rakh leya"),
        ("pa", "farm wala sanu bahar na jaan dinda, sara din kamm"),
        ("pa", "supervisor kudiyan nu bahar na jaan dende raat nu"),
        ("hi", "malik hume bahar na jaane deta, passport bhi le liya"),
        ("hi", "ye log hume bahar na jane dete hain"),
    ],
)
def test_not_letting_go_out_with_na_is_confinement(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "confinement" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "supervisor kehnda bahar na jaana, thand bahut hai, te overtime da paisa nahi dinda"),
        ("hi", "doctor ne kaha bahar na jaana thand mein, bas pay slip ka sawal hai"),
    ],
)
def test_advice_not_to_go_out_is_not_confinement(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "confinement" not in categories and urgency != "immediate", text


# ---- 2. a hand on the lower back, the waist, the hips ---------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the supervisor puts his hand on my lower back, then lower, i move away"),
        ("en", "he put his hands on my hips when i was bending in the cooler"),
        ("en", "my lead hand keeps putting his hand on my waist"),
        ("fr", "le superviseur met sa main sur le bas de mon dos quand je suis seule"),
        ("fr", "il pose ses mains sur mes hanches dans la chambre froide"),
        ("es", "el encargado pone su mano en mi espalda baja cuando paso"),
        ("vi", "quản lý hay đặt tay lên eo em"),
        ("vi", "anh to truong dat tay len hong em"),
    ],
)
def test_a_hand_on_the_lower_back_or_waist_is_sexual_touching(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "sexual_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I put my hand on my lower back all night, it hurts from lifting, is there sick pay"),
        ("fr", "j'ai mal, je mets ma main sur le bas de mon dos toute la journée, la paie est en retard"),
        ("es", "me duele, pongo mi mano en mi espalda baja al levantar cajas, no pagan extras"),
    ],
)
def test_a_workers_own_hand_on_a_sore_back_is_not(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "sexual_abuse" not in categories and urgency != "immediate", text


# ---- 3. a night summons "or else" -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("hi", "supervisor meri wife ko bolta hai raat ko office aao warna visa extend nahi hoga"),
        ("hi", "मैनेजर कहता है रात को ऑफिस आओ वरना काम से निकाल दूंगा"),
        ("pa", "supervisor kehnda raat nu office aa ja nahi ta visa nahi milega"),
        ("fr", "le patron lui dit de venir au bureau le soir sinon pas de visa"),
        ("es", "el mayordomo le dice que venga a la oficina en la noche o si no la regresa a Mexico"),
    ],
)
def test_a_night_summons_or_else_is_sexual_coercion(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "sexual_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("hi", "manager bolta hai kal subah office aao warna is hafte ka paisa nahi milega"),
        ("pa", "supervisor kehnda savere office aa ja nahi ta pay cheque nahi milega"),
        ("fr", "le patron dit de venir au bureau le matin sinon la paie est en retard"),
    ],
)
def test_a_morning_summons_about_pay_is_not(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "sexual_abuse" not in categories and urgency != "immediate", text


# ---- 4. hours no longer given after a complaint -----------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Depuis que j'ai parlé à l'inspecteur de la CNESST, l'hôtel ne me donne plus d'heures"),
        ("fr", "depuis ma plainte le patron ne nous donne plus de quarts"),
        ("en", "since I called the labour inspector the hotel does not give me hours anymore"),
        ("tl", "simula nung nag-report ako sa inspector hindi na nila ako binibigyan ng oras"),
        ("hi", "inspector se complaint karne ke baad ab mujhe shift nahi dete"),
        ("pa", "inspector kol complaint karan ton baad hun sanu shift nahi dinde"),
    ],
)
def test_hours_no_longer_given_after_a_complaint_are_a_reprisal(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "high" and "reprisal" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "je n'ai jamais porté plainte, le patron ne me donne plus d'heures parce que la saison est finie"),
        ("en", "the season is over so the farm does not give me hours anymore, can I get EI"),
        ("tl", "tapos na ang season kaya hindi na kami binibigyan ng oras, pwede ba mag EI"),
    ],
)
def test_hours_no_longer_given_without_a_complaint_are_not(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "reprisal" not in categories, text


# ---- 5. an issue raised, pay asked for, then hours cut ------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "after I raised the issue of unpaid overtime with HR my shifts were cut to two days"),
        ("en", "I raised my concern about the missing pay and now my hours are reduced"),
        ("fr", "après avoir soulevé le problème des heures supplémentaires, on m'a coupé mes heures"),
        ("hi", "overtime ka paisa maanga to meri shifts 40 se 15 ghante kar di"),
    ],
)
def test_hours_cut_after_an_issue_raised_are_a_reprisal(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "high" and "reprisal" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I raised the issue of the broken heater with the manager and he fixed it, thanks"),
        ("fr", "j'ai soulevé le problème du chauffage et le patron l'a réparé"),
        ("hi", "overtime ka paisa maanga to boss ne de diya, bas ek sawal hai chhutti ka"),
    ],
)
def test_an_issue_raised_and_resolved_is_not(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "reprisal" not in categories, text
