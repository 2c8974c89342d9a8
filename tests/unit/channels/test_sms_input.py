"""Reading a text into an event: keywords in every language, digits in every script, garbage calmly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalement import i18n
from signalement.channels.sms_flow import ACTIVE, Event, Step
from signalement.channels.sms_input import read
from signalement.receipts import new_case_code, new_secret


@pytest.mark.parametrize(("body", "language"), [
    ("HELP", "en"), ("help me", "en"), ("Aide", "fr"), ("AIDE SVP", "fr"), ("ayuda", "es"), ("Hola", "es"),
    ("TULONG po", "tl"), ("मदद", "hi"), ("ਮਦਦ ਚਾਹੀਦੀ", "pa"), ("Giúp", "vi"), ("帮助", "zh"),
    ("你好，我需要帮助", "zh"),
])
def test_a_first_keyword_chooses_the_language(body: str, language: str) -> None:
    r = read(Step.START, body)
    assert r.event is Event.ANSWER and r.language == language


@pytest.mark.parametrize("n", range(1, 9))
def test_the_numbered_menu_chooses_each_of_the_eight_languages_in_any_script(n: int) -> None:
    for digits in (str(n), chr(0x966 + n), chr(0xA66 + n), chr(0xFF10 + n)):  # ASCII, Devanagari, Gurmukhi, full-width
        r = read(Step.LANGUAGE, digits)
        assert r.event is Event.ANSWER and r.language == i18n.LANGUAGES[n - 1].code


@pytest.mark.parametrize("word", ["STOP", "stop", "Arrêt", "ARRET", "alto", "Unsubscribe", " stop "])
def test_stop_words_stop_at_every_step(word: str) -> None:
    for step in ACTIVE:
        assert read(step, word).event is Event.STOP


def test_help_words_mid_conversation_are_help_and_info_at_the_start_is_help() -> None:
    for step in ACTIVE:
        if step not in (Step.START, Step.LANGUAGE):
            for word in ("HELP", "aide", "Info"):
                assert read(step, word).event is Event.HELP
    assert read(Step.START, "INFO").event is Event.HELP


@pytest.mark.parametrize("body", ["", "   ", "😀😀", "Bonjou, mwen bezwen èd", "9", "0", "xyz"])
def test_anything_else_at_the_start_is_invalid_and_shows_the_menu(body: str) -> None:
    assert read(Step.START, body).event is Event.INVALID


def test_a_code_and_secret_open_follow_up_however_they_are_spaced() -> None:
    code, secret = new_case_code(), new_secret()
    for body in (f"{code} {secret}", f"{code[:3]}-{code[3:6]}-{code[6:]} {secret[:4]} {secret[4:8]} {secret[8:]}"):
        r = read(Step.START, body)
        assert r.event is Event.RECEIPT and (r.code, r.secret) == (code, secret)
    typo = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert read(Step.START, f"{typo} {secret}").event is Event.INVALID


def test_answers_are_read_at_each_question() -> None:
    assert read(Step.CATEGORY, "1, 5 6").categories == ("wages", "documents", "physical_abuse")
    assert read(Step.CATEGORY, "10").event is Event.INVALID
    assert read(Step.DANGER, "1").danger_now == "yes"
    assert read(Step.DANGER, "yes").event is Event.INVALID
    assert read(Step.PROVINCE, "on").province == "ON"
    assert read(Step.PROVINCE, "Québec").province == "QC"
    assert read(Step.PROVINCE, "Colombie-Britannique").province == "BC"
    assert read(Step.PROVINCE, "0").province == ""
    assert read(Step.PROVINCE, "Texas").event is Event.INVALID
    assert read(Step.EMPLOYER, "0").text == ""
    assert read(Step.EMPLOYER, "Ferme Tremblay").text == "Ferme Tremblay"
    assert read(Step.EMPLOYER, "x" * 201).reason == "too_long"
    assert read(Step.STORY, "1").event is Event.FINISH
    assert read(Step.STORY, "They kept my passport").text == "They kept my passport"
    assert read(Step.STORY, "😀").event is Event.ANSWER  # emoji are words too in a story
    assert read(Step.CONTACT, "2").text == "no"
    assert read(Step.CONFIRM, "1").event is Event.FINISH
    assert read(Step.CONFIRM, "2").event is Event.CANCEL
    assert read(Step.CONFIRM, "3").event is Event.INVALID
    assert read(Step.FOLLOWUP, "0").event is Event.CANCEL
    assert read(Step.FOLLOWUP, "Any news?").text == "Any news?"
    for word in ("STATUS", "statut", "Estado", "trạng thái", "状态"):
        assert read(Step.FOLLOWUP, word).event is Event.RECEIPT
    assert read(Step.STORY, "status").event is Event.ANSWER  # in a story it is just a word


@given(st.sampled_from(ACTIVE), st.text(max_size=300))
def test_any_text_at_any_step_reads_to_an_event_without_raising(step: Step, body: str) -> None:
    assert read(step, body).event in Event
