"""Issue 12, tenth pass: the ninth pass's known risk and the failure families blind round 18 showed.

Probes and counter-probes written for this file (not round 18's texts):

1. a reporter's own account that *compares itself* to fiction ("it was like a movie", "como en una
   película", "parang pelikula", "फिल्म जैसा", "giống như phim", 像电影一样) is stated, not reported: it
   keeps its categories, its urgency and the human-look net; a film plot or news story the worker only
   watched stays reported, even beside a comparison word;
"""

from __future__ import annotations

import pytest

from signalement.triage.scoring import TriageInput, classify


def _decide(language: str, text: str) -> tuple[str, set[str], set[str]]:
    decision = classify(TriageInput(language=language, text=text))
    stated = {r.rule for r in decision.reasons if r.scope is None}
    return decision.urgency, set(decision.categories), stated


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
