"""Issue 12, eleventh pass: families blind round 19 showed, probes and counter-probes written for this file.

1. a blade carried around, "walking around with a knife", "chaku lekar ghoom raha hai", "se promène avec un
   couteau" (en fr hi pa; es tl vi zh already read it) is a weapon, and "sabko dekh lega" beside it a threat;
   a knife carried to cut vegetables, or a walk and a knife bought, are not;
2. a demand for pictures of the body, "send me pics of your body", "litrato ng katawan mo", "photos de ton
   corps", "fotos de tu cuerpo", "body ki photo bhejo" (en tl fr es hi pa; vi and zh already read it) is
   sexual abuse; a photo of a burn or of a permit is not;
3. taken somewhere "instead of the hospital" (en fr es tl hi pa), and "dalhin sa ER" refused (tl), is care not
   given; the clinic "instead of the hospital" is care given;
4. "not an emergency" said by the reporter (en es) is not care refused; said by the boss about an injury it
   still is;
5. the "kill floor" of a slaughterhouse (en) is a place: knives there are tools, not a threat;
6. pay below what was promised said as two figures, "they pay 16.50 not 19", "17 dollar bola tha aur 14 de
   rahe hain" (en hi pa es fr tl), and pay "two weeks late" in French, are wages; two figures of hours or
   days are not;
7. a club held while threatening, "outside the door with a stick yelling he'll kill us" (en fr es tl vi; hi and
   zh already read it), is a weapon; a stick to a schedule, a broom in hand, are not; a knife held while
   shouting (vi) is a threat too;
8. a permit kept only "if I want" to give in sexually (en vi) is a threat to status, not papers kept;
9. "je me suis brûlé avec l'huile" (fr) is an accident, not someone burning the worker; "il m'a brûlé avec
   une cigarette" still is violence;
10. a hazard still not repaired after an accident, "the step is still broken", "wala pa ring rubber mat",
    "ajje tak theek nahi kiti" (en fr es tl hi pa), is health and safety; a worker "still not fine" after
    an injury is not a repair;
11. taken off the work after a complaint, "hours went from 40 to 10", "schedule se hata diya", "kamm ton hata
    ditta" (en hi pa; fr es tl already read it), is reprisal; the same without a complaint is not.
"""

from __future__ import annotations

import pytest

from support.triage import decide as _decide


# ---- 1. a blade carried around ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the supervisor is walking around the kitchen with a knife saying he will get us all"),
        ("en", "the foreman was going around the bunkhouse with a machete last night"),
        ("fr", "le chef se promène dans la cuisine avec un couteau et dit qu'il va nous régler notre compte"),
        ("fr", "le contremaître tourne dans le dortoir avec une machette"),
        ("hi", "supervisor chaku lekar ghoom raha hai, kitchen mein sab dare hue hain"),
        ("hi", "मालिक चाकू लेकर घूम रहा है"),
        ("pa", "supervisor chaku lai ke ghum reha hai, sab dar gaye"),
        ("pa", "ਸੁਪਰਵਾਈਜ਼ਰ ਚਾਕੂ ਲੈ ਕੇ ਘੁੰਮ ਰਿਹਾ ਹੈ"),
        ("es", "el capataz anda con un cuchillo por la cocina"),
        ("tl", "may dalang kutsilyo ang foreman at paikot-ikot sa kusina"),
        ("vi", "quản lý cầm dao đi lòng vòng trong bếp"),
        ("zh", "工头拿着刀在厨房里走来走去"),
    ],
)
def test_a_blade_carried_around_is_a_weapon(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("hi", "malik chaku lekar ghoom raha hai aur bol raha hai sabko dekh lega"),
        ("hi", "ठेकेदार चाकू लेकर घूम रहा है, कह रहा है सबको देख लेगा"),
    ],
)
def test_a_blade_carried_with_a_threat_is_both(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and {"physical_abuse", "psychological_abuse"} <= categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "on sunday we walk around the market, I bought a new kitchen knife"),
        ("fr", "dimanche on se promène au marché, j'ai acheté un couteau de cuisine"),
        ("hi", "sunday ko market ghoomne gaye, maine naya chaku kharida"),
        ("hi", "main chaku lekar sabzi kaat raha tha"),
        ("pa", "aitvar nu bazaar ghumne gaye, ik chaku khareedeya"),
        ("hi", "doctor kal sabko dekh lega, line mein baitho"),
    ],
)
def test_a_knife_bought_or_a_walk_is_not_a_weapon(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "physical_abuse" not in categories and urgency != "immediate", text


# ---- 2. pictures of the body demanded ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the manager keeps asking me to send him photos of my body"),
        ("en", "boss texted me: send me pics of your body tonight"),
        ("tl", "nag-text ang amo ko, send pic ng katawan mo daw"),
        ("tl", "pinapadala ako ng amo ng litrato ng katawan ko"),
        ("fr", "le patron me demande de lui envoyer des photos de mon corps"),
        ("fr", "le gérant m'écrit: envoie-moi une photo de ton corps"),
        ("es", "el patrón me pide que le mande fotos de mi cuerpo"),
        ("es", "el mayordomo me escribe mándame una foto de tu cuerpo"),
        ("hi", "malik bolta hai apni body ki photo bhejo"),
        ("hi", "मालिक कहता है अपने बदन की फोटो भेजो"),
        ("pa", "malik kehnda apni body di photo bhej"),
        ("vi", "ông chủ nhắn tin đòi em gửi ảnh cơ thể"),
    ],
)
def test_pictures_of_the_body_demanded_are_sexual_abuse(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "sexual_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the nurse asked me to send a photo of the burn on my arm"),
        ("en", "send a photo of your work permit to the agency"),
        ("tl", "pinadala ko ang litrato ng sugat ko sa nurse"),
        ("fr", "la clinique m'a demandé une photo de la brûlure"),
        ("es", "me pidieron una foto de mi permiso de trabajo"),
        ("hi", "agent ne passport ki photo bhejne ko bola"),
        ("pa", "agent ne passport di photo mangi"),
    ],
)
def test_a_photo_of_a_wound_or_a_paper_is_not_sexual(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "sexual_abuse" not in categories, text


# ---- 3. taken anywhere but care ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I fell off the ladder and passed out, the foreman drove me to the bunkhouse instead of the hospital"),
        ("en", "my hand was bleeding, they sent me home instead of to a doctor"),
        ("fr", "je me suis coupé la main, le contremaître m'a ramené au dortoir au lieu de l'hôpital"),
        ("es", "me corté la mano y el capataz me llevó a la casa en vez del hospital"),
        ("es", "me corté la mano y me mandaron a la casa en lugar de llevarme al médico"),
        ("tl", "nahulog ako sa hagdan, iniuwi ako ng foreman imbes na sa ospital"),
        ("tl", "naputol ang daliri niya, ayaw kami payagan na dalhin siya sa ER"),
        ("hi", "mera haath kat gaya, supervisor ne hospital ki jagah room pe bhej diya"),
        ("pa", "main pauri ton dig gaya, malik ne hospital di jagah trailer bhej ditta"),
    ],
)
def test_anywhere_but_care_is_care_not_given(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "health_safety" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I twisted my ankle, they took me to the walk-in clinic instead of the hospital, it was quick"),
        ("fr", "je me suis tordu la cheville, on m'a amené à la clinique au lieu de l'hôpital, ça va"),
        ("es", "me lastimé el tobillo, me atendieron en la clínica en vez del hospital y ya estoy bien"),
        ("tl", "na-sprain ako, dinala ako sa clinic imbes na sa ospital, ok na ako"),
        ("en", "instead of the hospital job I was offered, I work in a laundry"),
    ],
)
def test_another_place_of_care_is_care_given(language: str, text: str) -> None:
    urgency, _ = _decide(language, text)
    assert urgency != "immediate", text


# ---- 4. "not an emergency" --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Not an emergency!! my question is about my cheque, it is short"),
        ("en", "this is not an emergency, I just want to know about vacation pay"),
        ("es", "No es una emergencia, solo quiero saber de mi pago de vacaciones"),
    ],
)
def test_not_an_emergency_from_the_reporter_is_not_care_refused(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "health_safety" not in categories and urgency == "standard", text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I cut my hand deep, the boss said it is not an emergency and told me to keep working"),
        ("en", "my arm is broken and the foreman says no emergency, no hospital"),
    ],
)
def test_not_an_emergency_from_the_boss_after_an_injury_is(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "health_safety" in categories, text


# ---- 5. the kill floor ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "I work on the kill floor at the plant, knives all day, my question is about overtime",
        "we use knives on the kill line every shift, it is the job",
    ],
)
def test_knives_on_the_kill_floor_are_tools(text: str) -> None:
    urgency, categories = _decide("en", text)
    assert "physical_abuse" not in categories and urgency != "immediate", text


def test_a_knife_pulled_on_the_kill_floor_is_still_a_weapon() -> None:
    urgency, categories = _decide("en", "on the kill floor the lead hand pulled a knife on me and threatened me")
    assert urgency == "immediate" and "physical_abuse" in categories


# ---- 6. pay below what was promised, in two figures --------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "they pay me 15.75 not 18 like the offer says"),
        ("en", "they promised 19 an hour and pay 16"),
        ("hi", "18 dollar bola tha aur 15 de rahe hain"),
        ("hi", "contract mein 18 dollar likha hai par 15 de rahe hain"),
        ("pa", "18 dollar keha si te 15 de rahe ne"),
        ("es", "me dijeron 18 la hora y me pagan 15"),
        ("fr", "on m'avait promis 18$ de l'heure et je reçois 15$"),
        ("tl", "sabi 18 dollars kada oras pero 15 lang binibigay"),
        ("fr", "ma paye arrive toujours 3 semaines en retard"),
    ],
)
def test_pay_below_the_promise_in_figures_is_wages(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "wages" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "they said 6 days a week but we work 7"),
        ("en", "the agent said 3 weeks and we waited 8 weeks for the visa"),
        ("hi", "10 din bola tha, visa mein 15 din lage"),
        ("es", "me dijeron 8 horas y trabajamos 12"),
        ("tl", "sabi 8 oras lang pero 12 oras kami nagtatrabaho"),
    ],
)
def test_two_figures_of_time_are_not_wages(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "wages" not in categories, text


# ---- 7. a club held while threatening --------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the foreman is outside our trailer with a stick yelling that he will kill us"),
        ("en", "he came back drunk with a metal pipe, shouting threats at everyone"),
        ("fr", "le patron est devant le dortoir avec un gros bâton, il hurle qu'il va nous tuer"),
        ("es", "el capataz está afuera con un palo gritando que nos va a matar"),
        ("tl", "nasa labas ang foreman may hawak na pamalo, sumisigaw na papatayin kami"),
        ("vi", "quản lý cầm gậy đứng trước phòng la hét đòi giết tụi em"),
        ("hi", "supervisor danda lekar bahar khada hai, chilla raha hai ki maar dalega"),
        ("zh", "工头拿着棍子站在门口喊要杀了我们"),
    ],
)
def test_a_club_held_while_threatening_is_a_weapon(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and {"physical_abuse", "psychological_abuse"} <= categories, text


def test_a_knife_held_while_shouting_is_a_threat_too() -> None:
    urgency, categories = _decide("vi", "anh quản lý cầm dao đứng ngoài phòng la hét")
    assert urgency == "immediate" and {"physical_abuse", "psychological_abuse"} <= categories


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the supervisor yells at us to stick to the schedule"),
        ("en", "I was sweeping with a broom and the boss was yelling about the floor"),
        ("fr", "le chef crie qu'on doit tenir le bâton de colle droit"),
        ("es", "el capataz grita que pongamos el palo de la escoba en su lugar"),
    ],
)
def test_a_stick_without_a_threat_is_not_a_weapon(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "physical_abuse" not in categories, text


# ---- 8. a permit kept only if she gives in --------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the owner says if I want to keep my work permit I have to be nice to him at night"),
        ("en", "he said if you want your permit renewed you will sleep with me"),
        ("vi", "ông chủ nói nếu muốn gia hạn giấy phép thì phải ngủ với ông ta"),
    ],
)
def test_a_permit_kept_only_if_she_gives_in_is_a_status_threat(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and {"sexual_abuse", "status_threats"} <= categories, text
    assert "documents" not in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the boss keeps my work permit in his office"),
        ("vi", "tôi muốn gia hạn giấy phép lao động, cần giấy tờ gì?"),
    ],
)
def test_papers_kept_or_a_renewal_question_are_not_a_status_threat(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "status_threats" not in categories, text


# ---- 9. burned by accident ----------------------------------------------------------------------------
def test_a_burn_from_the_fryer_oil_is_an_accident() -> None:
    _, categories = _decide("fr", "je me suis brûlé la main avec l'huile de la friteuse, on m'a soigné à la clinique")
    assert "physical_abuse" not in categories and "health_safety" in categories


def test_a_burn_given_with_a_cigarette_is_violence() -> None:
    urgency, categories = _decide("fr", "le contremaître m'a brûlé le bras avec une cigarette")
    assert urgency == "immediate" and "physical_abuse" in categories


# ---- 10. a hazard still not repaired -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I slipped last month, the step of the trailer is still broken and nobody fixed it"),
        ("fr", "je suis tombé le mois passé, la marche est toujours cassée"),
        ("es", "me caí el mes pasado y la escalera sigue rota"),
        ("tl", "nadulas ako noong isang linggo, wala pa ring rubber mat sa kusina hanggang ngayon"),
        ("hi", "main pichle mahine gira tha, seedhi abhi tak theek nahi ki"),
        ("pa", "main pichle mahine dig gaya si, trailer di pauri ajje tak theek nahi kiti"),
    ],
)
def test_a_hazard_still_not_repaired_is_health_and_safety(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "health_safety" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the step counter app is still broken on my phone"),
        ("hi", "mera visa abhi tak nahi aaya, agent ne kaha theek hai"),
        ("pa", "ajje tak tankhah nahi aayi"),
    ],
)
def test_other_things_not_done_are_not_a_hazard(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "health_safety" not in categories, text


# ---- 11. taken off the work after a complaint ----------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "after I complained to the labour board my hours went from 40 to 10 a week"),
        ("hi", "labour office mein shikayat ki to mujhe schedule se hata diya"),
        ("hi", "शिकायत करने के बाद मुझे काम से हटा दिया"),
        ("pa", "labour office nu complaint kiti, mainu kamm ton hata ditta"),
        ("pa", "ਸ਼ਿਕਾਇਤ ਕਰਨ ਤੋਂ ਬਾਅਦ ਮੈਨੂੰ ਕੰਮ ਤੋਂ ਹਟਾ ਦਿੱਤਾ"),
        ("fr", "après ma plainte aux normes, le gérant m'a retiré de l'horaire"),
        ("es", "después de poner la queja me quitaron del horario"),
        ("tl", "pagkatapos kong magreklamo sa ESDC, tinanggal ako sa schedule"),
    ],
)
def test_taken_off_the_work_after_a_complaint_is_reprisal(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "reprisal" in categories and urgency != "standard", text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the season ended so my hours went from 40 to 20 a week"),
        ("hi", "season khatam hua to mujhe schedule se hata diya"),
        ("pa", "season khatam, mainu kamm ton hata ditta"),
    ],
)
def test_taken_off_the_work_without_a_complaint_is_not_reprisal(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "reprisal" not in categories, text


# ---- 12. a Vietnamese sentence is not silenced by "la" (the lead, after the helper found it) --------------
# "la" (French and Spanish "the"; Vietnamese "la hét", to shout, and "là" folded) made a Vietnamese sentence with
# no other marker word read as French and Spanish only, so no Vietnamese rule could fire on it: "the manager holds
# a knife and shouts" was filed `standard`. Letters are now read in every sentence, and common folded Vietnamese
# words show the language.
@pytest.mark.parametrize(
    "text",
    [
        "quản lý cầm dao la hét",
        "quan ly cam dao la het",
        "quản lý đánh tôi, la hét cả ngày",
        "quan ly danh toi la het ca ngay",
    ],
)
def test_a_vietnamese_sentence_with_la_is_read_by_vietnamese_rules(text: str) -> None:
    urgency, categories = _decide("vi", text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text", "category"),
    [
        ("fr", "le patron la frappe devant tout le monde", "physical_abuse"),
        ("es", "el jefe la golpea cuando no termina", "physical_abuse"),
    ],
)
def test_la_still_shows_french_and_spanish(language: str, text: str, category: str) -> None:
    urgency, categories = _decide(language, text)
    assert category in categories and urgency == "immediate", text
