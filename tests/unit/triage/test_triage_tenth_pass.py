"""Issue 12, tenth pass: the ninth pass's known risk and the failure families blind round 18 showed.

Probes and counter-probes written for this file (not round 18's texts):

1. a reporter's own account that *compares itself* to fiction ("it was like a movie", "como en una
   película", "parang pelikula", "फिल्म जैसा", "giống như phim", 像电影一样) is stated, not reported: it
   keeps its categories, its urgency and the human-look net; a film plot or news story the worker only
   watched stays reported, even beside a comparison word;
2. locked in for the night with no key: the door shut "with a key from the outside", or the shutter or gate
   closed and the key taken home (en fr es tl hi pa zh; vi and es already read it); a key one carries for a
   shop or a truck is not confinement;
3. seized by the neck or the hair (fr, hi, zh; the other languages already read it) is violence; a sore
   neck, hair tied back for hygiene, a head bumped by accident are not;
4. shouting "fire" in a drill (en fr es tl) is not an insult, now that "like a disaster movie" no longer
   hides the sentence;
5. film genres in Chinese (恐怖片, 鬼片, 动作片…) are fiction as 电影 is; Hindi and Punjabi "goliyan" beside
   guns are bullets, not pills hoarded; Spanish "dice que soy burra" is an insult;
6. "killing myself with work" (en) and "nagpapakamatay sa trabaho" (tl) say worn out, not self-harm; a wish to
   die beside them, or "kill myself at work", still is;
7. overcrowding said as a count: "we are 8 in 2 rooms" (six or more people in one or two rooms), in every
   language; hours worked in a room, or four people in two rooms, are not.
"""

from __future__ import annotations

import pytest

from signalement.triage.scoring import TriageInput, classify
from support.triage import decide_stated as _decide

# ---- 1. an account compared to fiction is still the reporter's own -------------------------------
COMPARED = [
    ("en", "my boss beat me and locked me in the shed, it was like a movie", {"physical_abuse", "confinement"}),
    (
        "en",
        "The supervisor hit me with a pipe. Honestly it felt like something out of a horror movie.",
        {"physical_abuse"},
    ),
    ("en", "they locked us in the container all night just like in the movies", {"confinement"}),
    (
        "fr",
        "Le patron m'a frappé et m'a enfermé dans la grange, c'était comme dans un film.",
        {"physical_abuse", "confinement"},
    ),
    (
        "es",
        "El patrón me golpeó y me encerró en la bodega, fue como una película de terror.",
        {"physical_abuse", "confinement"},
    ),
    ("es", "nos encerraron en el cuarto igual que en las películas", {"confinement"}),
    ("tl", "Binugbog ako ng amo ko at ikinulong sa bodega, parang pelikula.", {"physical_abuse", "confinement"}),
    ("tl", "ikinulong kami ng amo namin parang sa teleserye", {"confinement"}),
    ("hi", "मालिक ने मुझे मारा और कमरे में बंद कर दिया, बिल्कुल फिल्म जैसा।", {"physical_abuse", "confinement"}),
    ("hi", "malik ne mujhe kamre mein band kar diya jaise film mein hota hai", {"confinement"}),
    ("pa", "ਮਾਲਕ ਨੇ ਮੈਨੂੰ ਕਮਰੇ ਵਿੱਚ ਬੰਦ ਕਰ ਦਿੱਤਾ, ਬਿਲਕੁਲ ਫਿਲਮ ਵਰਗਾ", {"confinement"}),
    ("pa", "malik ne sanu shed vich band kar ditta, jiven film vich hunda", {"confinement"}),
    ("vi", "ông chủ đánh tôi rồi nhốt tôi trong kho, giống như phim vậy", {"physical_abuse", "confinement"}),
    ("vi", "ong chu nhot tui em trong kho y nhu trong phim", {"confinement"}),
    ("zh", "老板打我，还把我锁在仓库里，像电影一样。", {"physical_abuse", "confinement"}),
    ("zh", "工头把我们锁在宿舍里，跟电影里一样", {"confinement"}),
]


@pytest.mark.parametrize(("language", "text", "expected"), COMPARED)
def test_an_account_compared_to_fiction_keeps_its_danger(language: str, text: str, expected: set[str]) -> None:
    urgency, categories, _ = _decide(language, text)
    assert urgency == "immediate", text
    assert expected <= categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "nobody hit me, it was like a bad movie"),
        ("es", "nadie me golpeó pero fue como una película"),
    ],
)
def test_a_compared_account_keeps_the_human_look(language: str, text: str) -> None:
    decision = classify(TriageInput(language=language, text=text))
    assert decision.urgency != "standard", text


WATCHED = [
    (
        "en",
        "We watched a movie like a documentary where a farmer beats his workers and locks them in a barn. "
        "My question is about vacation pay.",
    ),
    (
        "en",
        "I read in the news that workers were locked in a barn and beaten, it was like a horror movie. "
        "My own question is about vacation pay.",
    ),
    (
        "fr",
        "J'ai vu aux infos que des ouvriers étaient enfermés et frappés, comme dans un film. "
        "Mon souci: mes heures sup.",
    ),
    (
        "es",
        "Vi en las noticias que a unos trabajadores los golpeaban y encerraban, como en una película. "
        "Lo mío es lo de las horas extra.",
    ),
    (
        "tl",
        "Nabalitaan ko sa balita na binugbog at ikinulong ang mga trabahador, parang pelikula. "
        "Ang tanong ko lang ay sa sahod.",
    ),
    ("hi", "खबर में पढ़ा कि मज़दूरों को कमरे में बंद करके मारा गया, बिल्कुल फिल्म जैसा। मेरा सवाल ओवरटाइम का है।"),
    ("pa", "ਖ਼ਬਰ ਵਿੱਚ ਸੁਣਿਆ ਕਿ ਮਜ਼ਦੂਰਾਂ ਨੂੰ ਕਮਰੇ ਵਿੱਚ ਬੰਦ ਕਰ ਦਿੱਤਾ, ਫਿਲਮ ਵਰਗਾ। ਮੇਰਾ ਸਵਾਲ ਤਨਖਾਹ ਦਾ ਹੈ।"),
    ("vi", "Em đọc báo thấy công nhân bị đánh đập và nhốt trong kho, giống như phim. Còn em chỉ bị trả lương trễ."),
    ("zh", "看新闻说有工人被老板锁在仓库里打，像电影一样。我的问题是加班费没给。"),
]


@pytest.mark.parametrize(("language", "text"), WATCHED)
def test_a_story_only_watched_stays_reported(language: str, text: str) -> None:
    urgency, categories, _ = _decide(language, text)
    assert urgency != "immediate", text
    assert not categories & {"physical_abuse", "confinement"}, text


# ---- 2. locked in for the night: a key from outside, the key taken home ------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "at night the boss closes the door of the bunkhouse with a key from the outside and opens it at 5"),
        (
            "en",
            "after 9 pm the shutter is pulled down and the boss takes the key home, he opens it at 6 in the morning",
        ),
        ("fr", "le soir le patron ferme la porte de la maison avec une clé de l'extérieur"),
        ("fr", "après 21h le patron ferme le portail et part avec la clé, il revient ouvrir le matin"),
        ("es", "a las 9 bajan la cortina y el patrón se lleva la llave a su casa, abre a las 6 de la mañana"),
        (
            "tl",
            "pagkatapos ng 9 ng gabi binababa ang shutter at iniuuwi ng amo ang susi, binubuksan niya ng 6 ng umaga",
        ),
        ("hi", "रात 9 बजे के बाद नीचे का शटर गिरा दिया जाता है और चाबी मालिक अपने घर ले जाता है"),
        ("hi", "raat ko malik gate band karke chabi apne ghar le jata hai, subah 6 baje kholta hai"),
        ("pa", "raat nu malik gate band karke chabi apne ghar lai janda, savere 6 vaje kholda"),
        ("pa", "ਰਾਤ ਨੂੰ ਮਾਲਕ ਸ਼ਟਰ ਸੁੱਟ ਕੇ ਚਾਬੀ ਆਪਣੇ ਘਰ ਲੈ ਜਾਂਦਾ ਹੈ"),
        ("vi", "sau 9 giờ tối ông chủ kéo cửa cuốn xuống và cầm chìa khóa về nhà"),
        ("zh", "晚上九点以后老板把卷帘门拉下来，钥匙带回家，早上六点才开"),
    ],
)
def test_locked_in_for_the_night_is_confinement(language: str, text: str) -> None:
    urgency, categories, _ = _decide(language, text)
    assert urgency == "immediate" and "confinement" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I forgot my key so I waited outside until the boss came, he opens the shop at 6"),
        ("en", "my roommate took the key home by mistake, I locked myself out"),
        ("fr", "le patron ramène la clé du camion chez lui le soir"),
        ("es", "el patrón se lleva las llaves de la camioneta a su casa"),
        ("tl", "iniuuwi ng amo ang susi ng van para walang gumamit"),
        ("hi", "malik truck ki chabi ghar le jata hai"),
        ("hi", "मैं दुकान की चाबी घर ले जाता हूँ क्योंकि मैं सुबह खोलता हूँ"),
        ("pa", "main dukan di chabi ghar lai janda haan, savere kholda haan"),
        ("zh", "老板把车钥匙带回家了，我们周末没法去超市"),
    ],
)
def test_a_key_carried_home_is_not_confinement(language: str, text: str) -> None:
    urgency, categories, _ = _decide(language, text)
    assert "confinement" not in categories and urgency != "immediate", text


# ---- 3. seized by the neck or the hair --------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "he grabbed me by the hair and slammed my head into the wall"),
        ("fr", "le gérant m'a attrapé par le cou et m'a tenu contre la porte du frigo"),
        ("fr", "le contremaître m'a saisi par les cheveux"),
        ("es", "me jaló del pelo y me estrelló la cabeza contra la pared"),
        ("tl", "sinabunutan ako ng foreman at inuntog ang ulo ko sa pader"),
        ("hi", "supervisor ne mera gala pakda aur deewar se laga diya"),
        ("hi", "मालिक ने मेरे बाल पकड़कर सिर दीवार पर मारा"),
        ("pa", "ਮਾਲਕ ਨੇ ਮੇਰੇ ਵਾਲ ਫੜ ਕੇ ਸਿਰ ਕੰਧ ਨਾਲ ਮਾਰਿਆ"),
        ("vi", "quản lý túm tóc em đập đầu vào tường"),
        ("zh", "他抓着我的头发往墙上撞了一下"),
        ("zh", "工头掐住我的脖子把我按在墙上"),
    ],
)
def test_seized_by_the_neck_or_hair_is_violence(language: str, text: str) -> None:
    urgency, categories, _ = _decide(language, text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "j'ai mal au cou à force de porter des caisses"),
        ("zh", "车间要求戴帽子，头发要扎起来"),
        ("zh", "我不小心头撞到墙了，有点晕"),
        ("zh", "墙上贴着通知说下个月涨工资"),
        ("hi", "humne poster deewar se laga diya"),
        ("hi", "garmi mein gala sookh jata hai aur paani nahi milta"),
    ],
)
def test_a_neck_or_hair_without_a_hand_on_it_is_not_violence(language: str, text: str) -> None:
    _, categories, _ = _decide(language, text)
    assert "physical_abuse" not in categories, text


# ---- 4. shouting "fire" in a drill --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "fire drill this morning, everyone was yelling fire, it was like a disaster movie"),
        ("fr", "exercice d'incendie ce matin, tout le monde crie au feu, on aurait dit un film catastrophe"),
        ("es", "hubo simulacro y todos gritando fuego, como una película"),
        ("tl", "may fire drill kanina, lahat sumisigaw ng sunog, parang pelikula"),
    ],
)
def test_shouting_fire_is_not_an_insult(language: str, text: str) -> None:
    _, categories, _ = _decide(language, text)
    assert "psychological_abuse" not in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the boss yells at us every day"),
        ("fr", "le patron nous crie dessus tous les jours"),
        ("es", "el mayordomo nos grita todo el día"),
        ("tl", "sinisigawan kami ng amo araw-araw"),
    ],
)
def test_yelling_at_workers_is_still_psychological_abuse(language: str, text: str) -> None:
    _, categories, _ = _decide(language, text)
    assert "psychological_abuse" in categories, text


# ---- 5. Chinese film genres; bullets beside guns; "dice que soy burra" --------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh", "昨晚宿舍大家一起看了一部杀人的恐怖片，吓死我了。想问一下加班费怎么算？"),
        ("zh", "周末看了个鬼片，里面有人被锁在地下室。我的问题是工资晚发。"),
        ("pa", "raat nu bunkhouse vich gangster gaane chalde rahe, goliyan te bandookan wale, sab nachde rahe"),
    ],
)
def test_fiction_and_bullets_are_not_danger(language: str, text: str) -> None:
    urgency, _, _ = _decide(language, text)
    assert urgency != "immediate", text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh", "老板把我们锁在宿舍里，跟恐怖片一样"),
        ("pa", "main goliyan ikathiyan kar rahi haan, hun jeena nahi"),
        ("hi", "maine neend ki goliyan jama kar li hain, ab jeena nahi chahti"),
        ("pa", "malik ne bandook dikha ke dhamki ditti"),
    ],
)
def test_real_danger_beside_them_is_still_immediate(language: str, text: str) -> None:
    urgency, _, _ = _decide(language, text)
    assert urgency == "immediate", text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("hi", "raat bhar gaane chale, goliyan aur bandook wale, sab naache"),
        ("pa", "gaane vich goliyan te bandookan di gall si"),
    ],
)
def test_bullets_beside_guns_are_not_pills_hoarded(language: str, text: str) -> None:
    _, _, stated = _decide(language, text)
    assert f"{language}.danger.self_harm_pills_hoarded" not in stated, text


def test_dice_que_soy_burra_is_an_insult() -> None:
    _, categories, _ = _decide("es", "la encargada dice todos los días que soy burra y que huelo mal")
    assert "psychological_abuse" in categories
    _, categories, _ = _decide("es", "soy burra para las matemáticas, ¿cómo calculo mis horas?")
    assert "psychological_abuse" not in categories


# ---- 6. "killing myself with work" --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "im killing myself with work just to pay back the recruiter"),
        ("en", "I am killing myself working 80 hours to send money home"),
        ("tl", "nagpapakamatay ako sa trabaho para lang mabayaran sila"),
    ],
)
def test_worn_out_by_work_is_not_self_harm(language: str, text: str) -> None:
    urgency, _, stated = _decide(language, text)
    assert f"{language}.danger.self_harm" not in stated and urgency != "immediate", text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I'm killing myself with work and some nights I want to kill myself"),
        ("en", "I want to kill myself at work, nobody cares"),
        ("en", "some nights I think about killing myself"),
        ("tl", "gusto kong magpakamatay sa trabaho"),
    ],
)
def test_a_wish_to_die_is_still_immediate(language: str, text: str) -> None:
    urgency, _, _ = _decide(language, text)
    assert urgency == "immediate", text


# ---- 7. "we are 8 in 2 rooms" ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "we are 8 people in 2 rooms and one bathroom"),
        ("es", "Somos 9 en 2 cuartos y un solo baño."),
        ("fr", "on est 8 dans 2 chambres au-dessus du garage"),
        ("tl", "8 kami sa 2 kwarto sa bahay ng employer"),
        ("hi", "hum 8 log 2 kamron mein rehte hain"),
        ("pa", "asi 7 bande 2 kamrean vich rehnde haan"),
        ("vi", "8 người ở 2 phòng nhỏ"),
        ("zh", "8个人住两个房间"),
    ],
)
def test_many_people_in_few_rooms_is_housing(language: str, text: str) -> None:
    _, categories, _ = _decide(language, text)
    assert "housing" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I worked 10 hours in one room cleaning"),
        ("en", "we are 4 people in 2 rooms, it is fine"),
        ("es", "trabajo 8 horas en 2 cuartos fríos"),
    ],
)
def test_hours_in_a_room_are_not_overcrowding(language: str, text: str) -> None:
    _, categories, _ = _decide(language, text)
    assert "housing" not in categories, text
