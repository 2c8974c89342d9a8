"""Issue 12, twelfth pass: families blind round 20 showed, probes and counter-probes written for this file.

1. animals killed on a slaughter line, "we kill about 4000 head a day" (en), beside a knife that is a tool, are
   not a threat; "he said he will kill us" beside a knife still is;
2. "personne me frappe" without "ne" (fr, spoken) denies the act: a human look, not a beating;
3. two acts denied together, "hindi ako sinasaktan o kinukulong" (tl), "not hit or locked up" (en), are both
   denied; "hindi ako binabayaran, kinukulong pa ako" still states the locking;
4. "tum kutte ho" (hi/pa romanised and Devanagari), dogs said as an insult, are not guard dogs; dogs let loose
   outside so nobody can run still are confinement;
5. an appliance off, "heater band", "bijli band", "pani band" (hi pa), is not a room locked; "kamre mein band kar
   diya" still is;
6. a locked cabinet, "tủ khóa", and the possessive "của em" (folded "cua", like "cửa", door) are not a door locked
   (vi); "cửa phòng bị khóa" still is;
7. a workshop, "xưởng" (folded "xuong", like "xương", bone), is not a broken bone (vi): dizziness in the
   workshop and work continued is health and safety, `high`; a broken bone and work continued is `immediate`.
"""

from __future__ import annotations

import pytest

from support.triage import decide as _decide


# ---- 1. animals killed on a slaughter line -----------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I am a knife trimmer at the beef plant, we kill about 4000 head a day, question about vacation pay"),
        ("en", "at the poultry plant we kill 20000 chickens a shift, I work the deboning knife, the pay stub is wrong"),
        ("en", "they kill hogs all day and I use the knife on the line, the overtime is not paid"),
    ],
)
def test_animals_killed_on_a_line_are_not_a_threat(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "physical_abuse" not in categories and urgency != "immediate", text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the foreman held up a knife and said he will kill us if we talk"),
        ("en", "he pulled a knife and said he would kill me"),
    ],
)
def test_a_knife_and_a_threat_to_kill_still_are(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


# ---- 2. "personne me frappe" ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "mais non serieux personne me frappe, c'est juste qu'on a pas de pause"),
        ("fr", "ici personne nous frappe, le problème c'est les heures"),
        ("fr", "personne me touche, mais la paie est en retard"),
    ],
)
def test_personne_without_ne_denies(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "physical_abuse" not in categories and "sexual_abuse" not in categories and urgency != "immediate", text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "le patron me frappe quand je suis lent"),
        ("fr", "le contremaître nous frappe, personne nous aide"),
    ],
)
def test_a_beating_stated_still_is(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


# ---- 3. two acts denied together ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("tl", "Hindi naman po ako sinasaktan o kinukulong ha, ang problema ko lang yung overtime"),
        ("tl", "hindi kami sinasaktan o ikinukulong, sahod lang ang problema"),
        ("en", "nobody hits me or locks me in, the problem is the overtime"),
        ("en", "they don't hit us or lock us in, it is only the pay"),
    ],
)
def test_two_acts_denied_together_are_both_denied(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "confinement" not in categories and "physical_abuse" not in categories and urgency != "immediate", text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("tl", "hindi ako binabayaran, kinukulong pa ako ng amo sa bahay"),
        ("tl", "kinukulong kami ng amo sa kwarto tuwing gabi"),
    ],
)
def test_a_locking_stated_still_is(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "confinement" in categories, text


# ---- 4. dogs as an insult -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("hi", "manager sabke saamne bolta hai tum Indians kutte ho, kaam chhod ke jao"),
        ("hi", "मैनेजर बोलता है तुम सब कुत्ते हो, काम छोड़ के जाओ"),
        ("pa", "supervisor kehnda tusi kutte ho, kamm chhad ke jao"),
    ],
)
def test_dogs_said_as_an_insult_are_not_guard_dogs(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "confinement" not in categories and urgency != "immediate", text
    assert "psychological_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("hi", "raat ko bahar kutte chhod dete hain taaki koi bhaag na sake"),
        ("hi", "बाहर कुत्ते छोड़ रखे हैं ताकि कोई भाग न सके"),
    ],
)
def test_guard_dogs_still_are_confinement(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "confinement" in categories, text


# ---- 5. an appliance off -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "9 bande ikk kamre ch, heater band, te har mahine pay ton kattde ne"),
        ("hi", "ek kamre mein 8 log, heater band rehta hai"),
        ("hi", "kamre mein bijli band hai do din se"),
        ("pa", "ghar ch paani band aa te heater vi band"),
        ("hi", "कमरे में हीटर बंद है, बहुत ठंड है"),
    ],
)
def test_an_appliance_off_is_not_a_room_locked(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "confinement" not in categories and urgency != "immediate", text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("hi", "malik ne mujhe kamre mein band kar diya"),
        ("pa", "malik ne sanu kamre ch band kar dita"),
        ("hi", "raat ko kamre ko bahar se tala laga dete hain"),
    ],
)
def test_a_room_locked_still_is(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "confinement" in categories, text


# ---- 6. a locked cabinet, and "của" ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("vi", "chu giu passport va work permit cua em trong tu khoa, em xin thi ko dua"),
        ("vi", "chủ giữ hộ chiếu của tôi trong tủ khóa"),
        ("vi", "ông chủ cất giấy tờ của em trong tủ khoá"),
    ],
)
def test_papers_in_a_locked_cabinet_are_documents_not_confinement(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "confinement" not in categories and urgency == "high" and "documents" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("vi", "tụi em bị giữ ở nhà chủ, cửa lúc nào cũng khóa"),
        ("vi", "ban dem cua phong bi khoa tu ben ngoai"),
    ],
)
def test_a_door_locked_still_is(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "confinement" in categories, text


# ---- 7. a workshop is not a bone -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("vi", "Hôm qua bị rò rỉ khí amoniac trong xưởng, em chóng mặt, không có khẩu trang, họ bắt làm tiếp"),
        ("vi", "em bị đau lưng trong xưởng, họ bắt làm tiếp"),
    ],
)
def test_a_workshop_is_not_a_bone(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "high" and "health_safety" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("vi", "em bị gãy xương tay mà chủ bắt làm tiếp"),
        ("vi", "anh ấy bị nứt xương chân, họ không cho đi bệnh viện"),
        ("vi", "tay em chảy máu nhiều trong xưởng mà họ bắt làm tiếp"),
    ],
)
def test_a_broken_bone_and_work_continued_is_immediate(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "health_safety" in categories, text


# ---- second part: reports in danger the rules alone missed ---------------------------------------------------
# 8. the form's "danger now" question echoed in the text with a yes (en es fr hi pa tl vi) is `immediate`, as a
#    "danger now" answer of yes is; echoed with a no it is not.
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "danger now: yes. the boss is outside the trailer"),
        ("es", "Peligro ahora: si. Estoy escondido en el baño"),
        ("fr", "danger maintenant : oui, il est devant la porte"),
        ("pa", "danger now: haan. oh bahar khada"),
        ("hi", "danger now: haan, woh bahar khada hai"),
        ("tl", "danger now: oo, nasa labas siya"),
        ("vi", "nguy hiểm bây giờ: có, ông ấy đứng ngoài cửa"),
    ],
)
def test_danger_now_echoed_with_a_yes_is_immediate(language: str, text: str) -> None:
    urgency, _ = _decide(language, text)
    assert urgency == "immediate", text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "danger now: no. my question is about vacation pay"),
        ("es", "peligro ahora: no. me pagan tarde"),
        ("pa", "danger now: nahi. pay late aundi aa"),
        ("fr", "danger maintenant : non, c'est pour les heures"),
    ],
)
def test_danger_now_echoed_with_a_no_is_not(language: str, text: str) -> None:
    urgency, _ = _decide(language, text)
    assert urgency != "immediate", text


# 9. a tool grabbed with a threat to break a head or kill (en es fr), and a baseball bat (hi pa es), are weapons.
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the supervisor grabbed a hammer and said he will break my head"),
        ("en", "he picked up a pipe and said he would kill me"),
        ("es", "El supervisor agarro un martillo y dijo que me va a romper la cabeza"),
        ("es", "el capataz tomó un palo y dijo que nos va a matar"),
        ("fr", "le contremaître a pris un marteau et a dit qu'il va me casser la tête"),
        ("pa", "ਉਹ ਬੇਸਬਾਲ ਬੈਟ ਲੈ ਕੇ ਬਾਹਰ ਖੜ੍ਹਾ"),
        ("pa", "oh baseball bat lai ke bahar khada"),
        ("hi", "woh baseball bat lekar bahar khada hai"),
    ],
)
def test_a_tool_grabbed_with_a_threat_is_a_weapon(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I grabbed a hammer to fix the fence, the pay is late"),
        ("es", "agarré el martillo para arreglar la cerca, el pago llega tarde"),
        ("fr", "j'ai pris un marteau pour réparer la clôture"),
        ("en", "he grabbed a hammer and said break time is over"),
    ],
)
def test_a_tool_taken_for_work_is_not_a_weapon(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert "physical_abuse" not in categories and urgency != "immediate", text


# 10. southern Vietnamese "vô" for "vào": "đánh vô đầu", "xô em vô" is violence; "quản đốc bảo" (the foreman
#     says) folds like "đọc báo" (read the paper) and is not a report from the news.
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("vi", "ông supervisor xô em vô băng chuyền rồi đánh vô đầu vì em cắt chậm"),
        ("vi", "ổng tát vô mặt em trước mọi người"),
        ("vi", "quản đốc đá vô bụng anh ấy"),
    ],
)
def test_vo_for_vao_is_violence(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "vi",
            "dao cat vao tay chay mau nhieu lam, quan doc bao quan bang keo roi lam tiep, ko cho di bac si",
        ),
        ("vi", "tay em chảy máu nhiều, quản đốc bảo làm tiếp, không cho đi bác sĩ"),
    ],
)
def test_the_foreman_says_is_not_a_news_report(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "health_safety" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("vi", "em đọc báo thấy có người bị chảy máu nhiều mà chủ bắt làm tiếp"),
        ("vi", "em vô phòng rồi đi ngủ, mai làm tiếp"),
    ],
)
def test_news_read_and_going_in_are_not_acts(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency != "immediate" and "physical_abuse" not in categories, text


# 11. hours cut to "N hours na lang" after a report to the labour ministry (tl) is reprisal.
@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "tl",
            "nag report po ako sa Ministry of Labour noong July tapos simula noon 12 hours na lang schedule ko",
        ),
        ("tl", "nagreport ako sa DOLE, pagkatapos 10 oras na lang ang shift ko"),
    ],
)
def test_hours_down_to_only_after_a_report_is_reprisal(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "high" and "reprisal" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("tl", "nag report ako sa Ministry of Labour, 40 hours pa rin ang schedule ko"),
        ("tl", "12 hours na lang at tapos na ang shift ko"),
    ],
)
def test_hours_without_a_cut_after_a_report_are_not(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "reprisal" not in categories, text


# ---- third part ------------------------------------------------------------------------------------------------
# 12. the wish not to be here, thought about with "je/agar" ("sochda haan je main na rahan tan sab khatam", hi pa),
#     is self-harm, not a hypothesis; "je main kal kamm te na rahan" (if I am not at work tomorrow) is not.
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "kai vaar sochda haan je main na rahan tan sab khatam ho jau"),
        ("hi", "kabhi kabhi sochta hoon agar main na rahun to sab khatam ho jayega"),
        ("hi", "sochti hoon ki main na rahun"),
    ],
)
def test_thinking_of_not_being_here_is_self_harm(language: str, text: str) -> None:
    urgency, _ = _decide(language, text)
    assert urgency == "immediate", text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "je main kal kamm te na rahan tan manager gussa karda"),
        ("hi", "agar main kal kaam pe na rahun to manager gussa karega"),
    ],
)
def test_absent_from_work_tomorrow_is_not_self_harm(language: str, text: str) -> None:
    urgency, _ = _decide(language, text)
    assert urgency != "immediate", text


# 13. a limb "at a strange angle" is a fracture (en fr es): with care refused it is `immediate`.
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "le bras fait un angle bizarre et ca enfle, le boss dit pas d hopital"),
        ("en", "my arm is at a weird angle after the fall and the boss says no hospital"),
        ("es", "el brazo quedó en un ángulo raro y el patrón dice que nada de hospital, que siga trabajando"),
    ],
)
def test_a_limb_at_a_strange_angle_and_no_care_is_immediate(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "health_safety" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "take the photo from a weird angle, the boss says no hospital visit is paid"),
        ("fr", "la caméra fait un angle bizarre"),
    ],
)
def test_an_angle_alone_is_not_an_injury(language: str, text: str) -> None:
    urgency, _ = _decide(language, text)
    assert urgency != "immediate", text


# 14. "ganda message" (masculine singular, hi pa romanised) is a sexual message, as "gande message" is.
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "Manager raat nu ganda message bhejda te photos mangda"),
        ("hi", "supervisor raat ko ganda message bhejta hai"),
    ],
)
def test_ganda_message_is_sexual(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "sexual_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("hi", "kamra bahut ganda hai, message kiya to malik ne jawab nahi diya"),
        ("pa", "bathroom ganda aa, manager nu message kita"),
    ],
)
def test_a_dirty_room_and_a_message_are_not_sexual(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "sexual_abuse" not in categories, text


# ---- fourth part: categories -------------------------------------------------------------------------------------
# 15. a threat said with a weapon is psychological abuse too (es fr pa): "dijo que me va a romper la cabeza",
#     a knife "près de mon cou", a bat and "bahar aa"; and a bat held "saying he will break my legs" is a weapon (en).
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "el supervisor agarro un martillo y dijo que me va a romper la cabeza"),
        ("fr", "le gérant a sorti un couteau et l'a mis près de mon cou en riant"),
        ("pa", "danger now: haan. ਉਹ ਬੇਸਬਾਲ ਬੈਟ ਲੈ ਕੇ ਬਾਹਰ ਖੜ੍ਹਾ, kehnda bahar aa"),
        ("en", "crew boss is drunk outside our trailer with a bat saying he will break my legs"),
    ],
)
def test_a_threat_with_a_weapon_is_both(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and {"physical_abuse", "psychological_abuse"} <= categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "je me suis coupé au cou avec le couteau en rasant"),
        ("pa", "main bahar aa gaya, supervisor kehnda kal aana"),
    ],
)
def test_no_weapon_no_weapon_threat(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "psychological_abuse" not in categories and "physical_abuse" not in categories, text


# 16. money cut from pay said "pay ton katt" (pa romanised) is wages, as "tankhah ton katt" is.
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pa", "har mahine 450 pay ton kattde ne"),
        ("pa", "owner ne poori fine meri pay ton katt laiti"),
    ],
)
def test_money_cut_from_pay_is_wages(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "wages" in categories, text


# 17. the same job at "ibang branch" (another branch, tl) is a different place of work.
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("tl", "LMIA ko food counter supervisor pero janitor ako sa ibang branch ng company"),
        ("tl", "nilipat ako sa ibang store ng amo ko"),
    ],
)
def test_another_branch_is_job_mismatch(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "job_mismatch" in categories, text


# ---- fifth part ----------------------------------------------------------------------------------------------
# 18. "affectionate with him" (or with a man of the boss's family) as a condition set by someone with power is
#     sexual coercion by euphemism (es en fr tl); affectionate with the children or the grandmother one cares for
#     is not.
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "la esposa del patron me dijo que si quiero seguir viniendo tengo que ser 'cariñosa' con su hermano"),
        ("es", "el mayordomo dice que si quiero mis horas tengo que ser cariñosa con él"),
        ("en", "the supervisor says if I want my days off I have to be affectionate with him"),
        ("fr", "le patron dit que si je veux garder ma job je dois être affectueuse avec lui"),
        ("tl", "sabi ng amo kung gusto ko ma-renew kailangan ko maging malambing sa kanya"),
    ],
)
def test_affectionate_with_him_as_a_condition_is_sexual_coercion(language: str, text: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and "sexual_abuse" in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "la patrona dice que tengo que ser cariñosa con los niños"),
        ("en", "the boss says I have to be affectionate with the grandmother, she has dementia"),
        ("fr", "la patronne dit que je dois être affectueuse avec les enfants"),
    ],
)
def test_affectionate_with_the_children_is_not(language: str, text: str) -> None:
    _, categories = _decide(language, text)
    assert "sexual_abuse" not in categories, text


# 2b. the noun "personne" (a person) is not a denial: "une personne me frappe", "cette personne me touche".
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "une personne me frappe chaque jour au travail"),
        ("fr", "cette personne me touche sans mon accord"),
    ],
)
def test_a_person_who_hits_is_not_a_denial(language: str, text: str) -> None:
    urgency, _ = _decide(language, text)
    assert urgency == "immediate", text
