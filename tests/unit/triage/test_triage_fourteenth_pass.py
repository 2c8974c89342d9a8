"""Issue 12, fourteenth pass: families blind round 25 showed, probes and counter-probes written for this file.

1. negations the scope did not know: Jamaican "nuh" (en), Tagalog gay-lingo "wit" (= hindi), Punjabi "ਨਈਂ" after the
   verb, French "personne touche/frappe" (nobody touches); the same act stated without them still counts;
2. hearsay from another farm ("mon cousin ... sur une autre ferme", "dost ke saath dusre farm pe", "nghe nói ... trại
   khác"): not this report; the reporter's own account of being moved to another farm and hit still counts;
3. a word in another sense: beds touching (objects), a kitchen line never touched (a place: no human look), tl
   "magbantay ng tindahan" (to mind a shop: a job), vi "có nguy hiểm không" asked back (not a hazard), es a night
   padlock and a head count ("nos cuenta") read as sexual; the same words about a person still count;
4. a call to this line, or telling HR, is a complaint: hours cut after it are a reprisal; the same cut in a slow
   season is not;
5. threats said with a weapon are psychological abuse too (hi "aaj tera hisaab", pa "ਸਿੱਧਾ ਕਰੂੰ", vi "xử em", es "dar
   piso", "le va a ir mal", fr "allait me casser la gueule"), and pa ਦਾਤਰ (sickle) held against a person is a weapon;
   a sickle at harvest, "casser les pieds" (to bore) are not;
6. indirect sexual: vi "ôm hôn/ôm hun" by a boss, luring girls into a room; health: hi "gloves/boots nahi dete",
   a cold room at work without a jacket (health, not housing); a kiss for one's children is not;
7. fr job mismatch without "mais": "ce n'est pas le travail qu'on m'a dit au pays".
"""

from __future__ import annotations

import pytest

from support.triage import decide as _decide


# ---- 1. negations the scope did not know --------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the supervisor nuh hit nobody on this farm, but the overtime money is short"),
        ("tl", "wit naman kami sinasaktan ng amo, pero walang bayad ang overtime"),
        ("pa", "ਮਾਲਕ ਕੁੱਟਦਾ ਮਾਰਦਾ ਨਈਂ, ਬੱਸ ਤਨਖਾਹ ਲੇਟ ਦਿੰਦਾ"),
        ("fr", "sur ce point c'est correct, personne touche à personne. Juste la paye en retard."),
        ("fr", "ici c'est tranquille là, personne frappe personne, c'est les heures le problème"),
        ("hi", "yahan koi haath nahi uthata, bas salary late aati hai"),
        ("vi", "ông chủ hông có đánh ai, chỉ trả lương trễ"),
    ],
)
def test_an_act_denied_in_a_dialect_is_not_stated(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency != "immediate" and not categories & {"physical_abuse", "sexual_abuse"}, text


@pytest.mark.parametrize(
    ("language", "text", "category"),
    [
        ("en", "the supervisor hit mi in the face, him nuh care", "physical_abuse"),
        ("tl", "sinasaktan kami ng amo gabi-gabi", "physical_abuse"),
        ("pa", "ਮਾਲਕ ਸਾਨੂੰ ਕੁੱਟਦਾ ਮਾਰਦਾ", "physical_abuse"),
        ("fr", "le contremaître touche les filles dans la serre", "sexual_abuse"),
    ],
)
def test_the_same_act_stated_still_counts(language: str, text: str, category: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and category in categories, text


# ---- 2. hearsay from another farm ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "mon ami s'était fait frapper sur une autre ferme il y a deux ans. Ici on retient 80$ sur la paye."),
        ("hi", "mere bhai ke saath dusre farm pe marpeet hui thi, yahan sirf overtime ka paisa kam hai"),
        ("vi", "em nghe nói có người ở trại khác bị đánh, còn ở đây chỉ trả lương trễ"),
    ],
)
def test_hearsay_from_another_farm_is_not_this_report(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency != "immediate" and not categories & {"physical_abuse", "job_mismatch"}, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "le patron m'a envoyé sur une autre ferme et là le chef me frappe"),
        ("hi", "malik ne mujhe dusre farm pe bheja, wahan supervisor ne marpeet ki"),
        ("vi", "em bị chuyển qua trại khác, ở đó ông chủ đánh em"),
    ],
)
def test_being_hit_at_another_farm_oneself_still_counts(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


# ---- 3. a word in another sense -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text", "category"),
    [
        ("en", "we are 12 in the cabin, bunk beds touching, the toilet is broken", "sexual_abuse"),
        ("en", "came as a welder, never touched the welding line once, I sweep floors all day", "sexual_abuse"),
        ("tl", "ang pinapagawa sa akin ay magbantay ng tindahan nila sa mall", "confinement"),
        ("vi", "anh chị hỏi có nguy hiểm không, dạ không, chỉ là lương trễ", "health_safety"),
        ("es", "el patrón cierra el portón con candado en la noche y se lleva la llave a su casa", "sexual_abuse"),
    ],
)
def test_a_word_in_another_sense_is_not_the_act(language: str, text: str, category: str) -> None:
    urgency, categories = _decide(language, text)
    assert category not in categories, text


def test_a_place_never_touched_asks_no_human_look() -> None:
    urgency, _ = _decide("en", "hired as a cook but never touched the kitchen line, I clean motel rooms, pay is fine")
    assert urgency == "standard"


@pytest.mark.parametrize(
    ("language", "text", "category"),
    [
        ("en", "the foreman keeps touching the girls in the bunkhouse", "sexual_abuse"),
        ("tl", "may bantay sa labas ng bahay gabi-gabi, hindi kami makalabas", "confinement"),
        ("vi", "phun thuốc trừ sâu không có khẩu trang, rất nguy hiểm", "health_safety"),
        ("es", "el encargado entra de noche y se mete en mi cama", "sexual_abuse"),
    ],
)
def test_the_same_words_about_the_act_still_count(language: str, text: str, category: str) -> None:
    _, categories = _decide(language, text)
    assert category in categories, text


def test_a_person_never_touching_still_asks_a_human_look() -> None:
    urgency, _ = _decide("en", "the manager never touched me, I only want to know about my permit")
    assert urgency == "high"


# ---- 4. a call to this line is a complaint ------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "after I called your line they cut me from 5 days to 2 days a week",
        "since I texted this line last month the boss cut my hours to nothing",
        "my sister told HR the bleach burns her hands, since then they cut her from 5 days to 2 days a week",
    ],
)
def test_hours_cut_after_calling_this_line_are_a_reprisal(text: str) -> None:
    urgency, categories = _decide("en", text)
    assert urgency == "high" and "reprisal" in categories, text


@pytest.mark.parametrize(
    "text",
    [
        "the season is slow so they cut me from 5 days to 3 days a week",
        "HR told me the season is slow so they cut me from 5 days to 2 days a week",
    ],
)
def test_hours_cut_in_a_slow_season_are_not_a_reprisal(text: str) -> None:
    _, categories = _decide("en", text)
    assert "reprisal" not in categories, text


# ---- 5. a threat said with a weapon ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("hi", "malik rod lekar bahar khada hai, bolta hai aaj tera hisaab karunga"),
        ("hi", "मालिक डंडा लेकर खड़ा है, कहता है आज तेरा हिसाब करूँगा"),
        ("pa", "ਮਾਲਕ ਦਾ ਮੁੰਡਾ ਦਾਤਰ ਲੈ ਕੇ ਬਾਹਰ ਖੜਾ, ਆਖਦਾ ਅੱਜ ਤੈਨੂੰ ਸਿੱਧਾ ਕਰੂੰ"),
        ("vi", "ông chủ cầm dao đứng ngoài cửa, nói tối nay xử em"),
        ("es", "el patrón anda con la escopeta diciendo que nos va a dar piso a los que hablamos"),
        ("es", "el mayordomo sacó el machete y dijo que al que hable con el consulado le va a ir mal"),
        ("fr", "le contremaître a sorti un couteau et dit qu'il allait me casser la gueule si je parle"),
    ],
)
def test_a_threat_with_a_weapon_is_also_psychological_abuse(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and {"physical_abuse", "psychological_abuse"} <= categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "ਵਾਢੀ ਵੇਲੇ ਦਾਤਰ ਨਾਲ ਕੰਮ ਕਰਦੇ ਆਂ, ਤਨਖਾਹ ਲੇਟ ਆ"),
        ("hi", "mahine ke end mein malik hisaab karta hai, overtime kam dikhata hai"),
        ("fr", "le patron dit que la paperasse allait me casser les pieds, c'est long"),
    ],
)
def test_a_sickle_at_harvest_or_the_months_accounts_are_not(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency != "immediate" and not categories & {"physical_abuse", "psychological_abuse"}, text


# ---- 6. indirect sexual, and health ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "ông cai hay lừa mấy em gái vô phòng rồi ôm hôn",
        "ong quan ly cu om hun em trong kho",
    ],
)
def test_a_boss_hugging_and_kissing_is_sexual(text: str) -> None:
    urgency, categories = _decide("vi", text)
    assert urgency == "immediate" and "sexual_abuse" in categories, text


def test_a_kiss_for_ones_children_is_not() -> None:
    _, categories = _decide("vi", "em nhớ nhà, tối nào cũng gọi video ôm hôn con qua điện thoại")
    assert "sexual_abuse" not in categories


@pytest.mark.parametrize(
    "text",
    [
        "plant mein gloves aur boots nahi dete, apne paise se lene padte hain",
        "cold room mein bina jacket ke 8 ghante khade rehte hain",
    ],
)
def test_no_protective_gear_is_health_not_housing(text: str) -> None:
    _, categories = _decide("hi", text)
    assert "health_safety" in categories and "housing" not in categories, text


def test_a_cold_room_to_sleep_in_is_still_housing() -> None:
    _, categories = _decide("en", "our bunkhouse is a cold room with no heater, we sleep in jackets")
    assert "housing" in categories


# ---- 7. a French job mismatch without "mais" -----------------------------------------------------------
def test_not_the_job_promised_at_home_is_a_job_mismatch() -> None:
    _, categories = _decide("fr", "mon contrat dit cuisinier, ce n'est pas le travail qu'on m'a promis au pays")
    assert "job_mismatch" in categories


def test_the_work_is_not_the_problem_is_not() -> None:
    _, categories = _decide("fr", "ce n'est pas le travail qui me dérange, c'est la paye en retard")
    assert "job_mismatch" not in categories
