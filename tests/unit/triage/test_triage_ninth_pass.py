"""Issue 12, ninth pass: the failure families blind round 17 showed, as general rules.

Each family has probes written for this file (not round 17's texts) in several languages, and
counter-probes proving the real danger is still caught:

1. fiction and media (a film, a TV drama, a teleserye, phim, 电视剧) are not the reporter's
   account: the act seen there is *reported*, as news is;
2. unaccented Vietnamese "dam" is also đám cưới (wedding), đảm bảo (ensure), dám (dare);
3. Hindi and Punjabi "<infinitive> band kar" is "stopped doing", not "locked";
4. a knife on a meat line is a work tool: a blade is a weapon when turned on a person;
5. care already given "right away", or 现在 meaning "these days", is not present danger;
6. romanised and native Hindi/Punjabi: pressing against from behind (chipak, sat ke khada).
"""

from __future__ import annotations

import pytest

from support.triage import decide_stated as _decide

# ---- 1. fiction and media ------------------------------------------------------------------
FICTION = [
    (
        "en",
        "Last night we watched a movie where the boss beat the maid and locked her in the basement. "
        "My problem is just that my overtime is never paid.",
    ),
    (
        "en",
        "My roommate loves that Netflix series where a farmer keeps workers chained in a barn. "
        "Anyway, my question is about vacation pay.",
    ),
    (
        "fr",
        "Hier on a vu une série où le patron frappe et enferme sa domestique. "
        "Mon souci à moi: mes heures sup ne sont pas payées.",
    ),
    (
        "es",
        "Anoche vimos una película donde el patrón golpeaba y encerraba a los trabajadores. "
        "Lo mío es que no me pagan las horas extra.",
    ),
    (
        "tl",
        "Nanood kami ng pelikula kagabi kung saan binugbog at ikinulong ang kasambahay. "
        "Ang tanong ko lang, kulang ang sahod ko.",
    ),
    (
        "hi",
        "कल हमने एक फिल्म देखी जिसमें मालिक ने मजदूरों को कमरे में बंद कर दिया। मेरा सवाल ओवरटाइम के पैसे के बारे में है।",
    ),
    (
        "vi",
        "Tối qua em xem phim, có cảnh ông chủ đánh đập và nhốt người làm trong kho. Còn em thì chỉ bị trả lương trễ.",
    ),
    ("zh", "昨天看了一部电视剧，里面老板把工人锁在仓库里。我的问题是加班费一直没给。"),
]


@pytest.mark.parametrize(("language", "text"), FICTION)
def test_fiction_is_not_the_reporters_account(language: str, text: str) -> None:
    urgency, categories, _ = _decide(language, text)
    assert urgency != "immediate", text
    assert not categories & {"physical_abuse", "confinement"}, text


STATED = [
    ("en", "he locked me in the container"),
    ("en", "my boss beat me and locked me in the basement, it was like a horror show"),
    ("fr", "le patron m'a enfermée dans la cave"),
    ("es", "el patrón nos encerró en la bodega"),
    ("tl", "ikinulong ako ng amo ko sa bodega"),
    ("hi", "मालिक ने मुझे कमरे में बंद कर दिया"),
    ("vi", "ông chủ nhốt tôi trong kho"),
    ("zh", "老板把我锁在仓库里"),
]


@pytest.mark.parametrize(("language", "text"), STATED)
def test_the_same_act_told_as_ones_own_is_still_immediate(language: str, text: str) -> None:
    urgency, _, _ = _decide(language, text)
    assert urgency == "immediate", text


# ---- 2. Vietnamese folded 'dam' -------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "chu giu ho chieu, toi xin ve dam cuoi anh trai ma khong cho",
        "sep dam bao voi tui em la se tra du luong nhung roi khong tra",
        "em khong dam noi voi chu ve viec bi tru luong",
        "thang truoc em di dam tang ba noi, ve tre mot ngay thi bi tru luong",
    ],
)
def test_vietnamese_dam_is_not_always_a_punch(text: str) -> None:
    _, _, stated = _decide("vi", text)
    assert "vi.physical_abuse.violence" not in stated, text


@pytest.mark.parametrize("text", ["ong chu dam toi vao mat", "quản đốc đấm em một cái", "no dam vao bung toi"])
def test_vietnamese_punch_still_fires(text: str) -> None:
    urgency, categories, _ = _decide("vi", text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


# ---- 3. Hindi / Punjabi: infinitive + band kar ------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "ਸ਼ਿਕਾਇਤ ਤੋਂ ਬਾਅਦ ਮਾਲਕ ਨੇ ਮੈਨੂੰ ਓਵਰਟਾਈਮ ਦੇਣਾ ਬੰਦ ਕਰ ਦਿੱਤਾ"),
        ("pa", "shikayat ton baad malik ne mainu shifts dene band kar ditte"),
        ("hi", "शिकायत के बाद कंपनी ने मुझे ओवरटाइम देना बंद कर दिया"),
        ("hi", "shikayat ke baad malik ne mujhe kaam dena band kar diya"),
    ],
)
def test_stopped_giving_is_not_confinement(language: str, text: str) -> None:
    urgency, categories, _ = _decide(language, text)
    assert "confinement" not in categories and urgency != "immediate", text
    assert "reprisal" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "ਮਾਲਕ ਨੇ ਮੈਨੂੰ ਕਮਰੇ ਵਿੱਚ ਬੰਦ ਕਰ ਦਿੱਤਾ"),
        ("pa", "malik ne sanu shed vich band kar ditta"),
        ("hi", "मालिक ने मुझे कमरे में बंद कर दिया"),
        ("hi", "seth ne mujhe kamre mein band kar diya"),
    ],
)
def test_locked_in_a_room_is_still_confinement(language: str, text: str) -> None:
    urgency, categories, _ = _decide(language, text)
    assert urgency == "immediate" and "confinement" in categories, text


# ---- 4. a blade is a work tool until it is turned on a person -----------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "no cut resistant gloves on the deboning line and the knives are razor sharp"),
        ("fr", "pas de gants anti-coupure et les couteaux sont très tranchants sur la chaîne"),
        ("es", "en la empacadora no nos dan guantes y los cuchillos están muy afilados"),
        ("tl", "walang gloves sa planta at sobrang talas ng mga kutsilyo"),
        ("hi", "factory mein gloves nahi dete aur chaku bahut tez hain"),
        ("vi", "xưởng không phát găng tay mà con dao rất bén"),
    ],
)
def test_a_work_knife_is_not_a_weapon(language: str, text: str) -> None:
    _, categories, _ = _decide(language, text)
    assert "physical_abuse" not in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the foreman pulled a knife on me"),
        ("en", "he threatened us with a machete"),
        ("fr", "le contremaître m'a menacé avec un couteau"),
        ("fr", "il a sorti un couteau et l'a pointé sur moi"),
        ("es", "el mayordomo sacó un cuchillo y me amenazó"),
        ("es", "el patrón anda borracho con un machete"),
        ("tl", "tinutukan ako ng kutsilyo ng foreman"),
        ("hi", "supervisor ne chaku dikha ke dhamkaya"),
        ("pa", "ਮਾਲਕ ਨੇ ਚਾਕੂ ਕੱਢ ਕੇ ਧਮਕੀ ਦਿੱਤੀ"),
        ("vi", "quản lý rút con dao ra chĩa vào em"),
        ("zh", "工头拿着刀指着我"),
    ],
)
def test_a_knife_turned_on_a_person_is_still_immediate(language: str, text: str) -> None:
    urgency, categories, _ = _decide(language, text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


# ---- 5. care already given right away; 现在 = these days ------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "I broke my ankle on the ladder. My supervisor took me to the hospital right away. "
            "Now I have no pay for six weeks.",
        ),
        ("en", "I cut my hand badly and the boss drove me to emergency immediately, but who pays my days off?"),
        ("fr", "Je me suis cassé le bras, le patron m'a emmené à l'hôpital tout de suite. Qui paie mes jours?"),
        ("zh", "上个月我摔断了手，老板送我去医院。现在回来上班了，可是工资少了。"),
    ],
)
def test_past_care_is_not_present_danger(language: str, text: str) -> None:
    urgency, _, stated = _decide(language, text)
    assert urgency == "high", text
    assert f"{language}.danger.now" not in stated, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "he broke my arm, please come right away"),
        ("en", "this is an emergency, they took our passports and the boss has a gun"),
        ("zh", "现在很危险，快来"),
        ("zh", "老板扣了我的护照，现在来救我们"),
    ],
)
def test_present_danger_words_still_raise(language: str, text: str) -> None:
    urgency, _, stated = _decide(language, text)
    assert urgency == "immediate", text


# ---- 6. pressing against from behind (hi, pa; both scripts and romanised) -------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "malik de munde roz kitchen vich piche aa ke chipak janda, main dar jandi haan"),
        ("pa", "supervisor line te mere naal sat ke khada rehnda te hath laaunda"),
        ("pa", "ਮਾਲਕ ਪਿੱਛੇ ਆ ਕੇ ਚਿਪਕ ਜਾਂਦਾ ਹੈ"),
        ("hi", "seth ka beta peeche aa ke chipak jata hai jab main bartan dhoti hoon"),
        ("hi", "manager mujhse chipakta hai aur kehta hai kisi ko mat batana"),
        ("hi", "मालिक पीछे आकर चिपक जाता है"),
    ],
)
def test_pressing_against_is_sexual_abuse(language: str, text: str) -> None:
    urgency, categories, _ = _decide(language, text)
    assert urgency == "immediate" and "sexual_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("hi", "garmi mein pasine se kapde chipak jaate hain aur paani nahi milta"),
        ("pa", "garmi vich pasine naal kapde chipak jande ne, paani vi ni dinde"),
    ],
)
def test_clothes_sticking_with_sweat_is_not_sexual_abuse(language: str, text: str) -> None:
    _, categories, _ = _decide(language, text)
    assert "sexual_abuse" not in categories, text
