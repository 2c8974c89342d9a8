"""Issue 12, sixteenth pass: families blind rounds 27 and 28 showed, probes and counter-probes written for this file.

1. hearsay: a friend's, cousin's or TikTok story about another farm or the past, then "chez nous ça va", "aca no
   pasa eso", "ako ok d2", 不是我这边, is not this report (no category, not ``immediate``); a report that tells the
   friend's story and its own ("and now the boss hits me too") still counts;
2. vi "ko ai", "k ai", "hong ai" (nobody) deny the act after them as "không ai" does: a denial, with its human look
   (already so in the rules: round 28's vi-12 is raised by the category opinion; these probes guard the rules);
3. fr: hours cut and the night shift after asking for gloves or glasses is reprisal (asking for protection is a
   complaint);
4. (tl-15, a caregiver sent to wash dishes) is raised by the second opinion alone, on its own words: no rule-book
   probe here, see docs/triage.md.
"""

from __future__ import annotations

import pytest

from signalement.triage.scoring import NEEDS_HUMAN_LOOK, TriageInput, classify
from support.triage import decide as _decide


# ---- 1. hearsay about another farm or the past ------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text", "category"),
    [
        ("fr", "un ami dans une autre ferme s'est fait frapper l'an passé, il est rentré au pays. Chez nous ça va",
         "physical_abuse"),
        ("fr", "mon cousin dans une autre ferme s'est fait battre, pas ici", "physical_abuse"),
        ("es", "vi en tiktok q en una granja de Ontario encerraron a unos trabajadores, q miedo. aca no pasa eso",
         "confinement"),
        ("tl", "yung pinsan ko dati sa Alberta nakulong daw sa bahay ng amo, pero matagal na yun. Ako po ok d2",
         "confinement"),
        ("zh", "朋友以前在别的农场被老板打过，后来回国了，不是我这边哈", "physical_abuse"),
    ],
)
def test_a_story_about_another_farm_is_not_this_report(language: str, text: str, category: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency != "immediate" and category not in categories and "job_mismatch" not in categories, text


@pytest.mark.parametrize(
    ("language", "text", "category"),
    [
        ("fr", "un ami dans une autre ferme s'est fait frapper, et maintenant le patron me frappe aussi",
         "physical_abuse"),
        ("es", "vi en tiktok lo de Ontario, y anoche el patron nos encerro en la barraca", "confinement"),
        ("tl", "yung pinsan ko nakulong daw dati, ngayon kinulong din kami ng amo sa bahay", "confinement"),
        ("zh", "朋友在别的农场被老板打过，现在我老板也打我", "physical_abuse"),
    ],
)
def test_the_friends_story_and_ones_own_still_counts(language: str, text: str, category: str) -> None:
    urgency, categories = _decide(language, text)
    assert urgency == "immediate" and category in categories, text


# ---- 2. vi "ko ai", "k ai", "hong ai": nobody ------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "nhà máy ko phát găng tay mới, ko ai đánh đập j đâu, chỉ là ko an toàn",
        "k ai đánh em hết, chỉ là lương trễ",
        "hong ai đánh tụi em đâu, chủ chỉ la thôi",
    ],
)
def test_nobody_spelled_short_denies_the_blow_and_asks_a_human_look(text: str) -> None:
    decision = classify(TriageInput(language="vi", text=text))
    assert decision.urgency == "high" and "physical_abuse" not in decision.categories, text
    assert NEEDS_HUMAN_LOOK in {r.rule for r in decision.reasons}, text


@pytest.mark.parametrize(
    "text",
    [
        "ông chủ đánh em, ko ai giúp hết",
        "quản lý đánh tụi em, k ai dám nói",
    ],
)
def test_nobody_after_the_blow_denies_nothing(text: str) -> None:
    urgency, categories = _decide("vi", text)
    assert urgency == "immediate" and "physical_abuse" in categories, text


# ---- 3. fr: reprisal after asking for protection ------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Après que j'ai demandé des gants et des lunettes pr le chlore, ils m'ont mis de nuit et coupé mes heures",
        "j'ai demandé un masque pour les pesticides, depuis ils ont coupé mes heures",
    ],
)
def test_hours_cut_after_asking_for_protection_is_reprisal(text: str) -> None:
    urgency, categories = _decide("fr", text)
    assert "reprisal" in categories and "sexual_abuse" not in categories, text


@pytest.mark.parametrize(
    "text",
    [
        "j'ai demandé des gants et le patron m'en a donné le lendemain",
        "on m'a mis de nuit cette semaine, j'aime mieux ça",
    ],
)
def test_asking_for_gloves_or_the_night_shift_alone_is_not_reprisal(text: str) -> None:
    urgency, categories = _decide("fr", text)
    assert "reprisal" not in categories, text
