"""Form parsers with hostile input: every value is either refused with a field error or a 400,
or kept exactly as typed. Nothing else ever comes out (no crash, no silent change)."""

from __future__ import annotations

import re

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signalement import triage
from signalement.intake import MAX_NARRATIVE, MAX_SHORT
from signalement.reporter.draft import Action, Draft, Move, Step, new_draft
from signalement.reporter.forms import (
    BAD_CHARACTERS,
    PHONE_WRONG,
    TOO_LONG,
    Fields,
    MalformedFormError,
    check_line,
    check_text,
    first_incomplete,
    missing_answers,
    parse_move,
    parse_phone,
    read_step,
)

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "'; DROP TABLE cases; --",
        "1 OR 1=1",
        "\u202eevil\u202c",
        "\u2067\u2066nested\u2069",
        "Ana\u0301 María",
        "ਮੇਰਾ ਪਾਸਪੋਰਟ",
        "मेरा पासपोर्ट",
        "我的护照",
        "Tôi bị giữ hộ chiếu",
        "\x00",
        "\x1b[31m",
        "\u0085",
        "\ufeff",
        "\U0001f600" * 3,
        "%(max)s",
        "{{ 7*7 }}",
        "\r\n",
        "\r",
        "  ",
        "\t",
    ]
)
TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(HOSTILE, st.text(max_size=8)), max_size=12).map("".join),
    st.builds(
        lambda s, n: s * n, st.sampled_from(["a", "ਪ", "我", "\U0001f600", "<b>"]), st.integers(0, 25_000)
    ),
)


class Form:
    def __init__(self, data: dict[str, object]) -> None:
        self.data = {k: (v if isinstance(v, list) else [v]) for k, v in data.items()}

    def getall(self, key: str, default: list[str] | None = None) -> list[str]:
        return self.data.get(key, default if default is not None else [])  # type: ignore[return-value]


def at(step: Step, **changes: object) -> Draft:
    return msgspec.structs.replace(new_draft(), step=step, **changes)


def posted(step: Step, **fields: object) -> Draft:
    result = read_step(at(step), Fields(Form(fields)))
    assert not result.errors, result.errors
    return result.draft


def expect_line(value: str, result_value: str, errors: tuple) -> None:
    stripped = value.strip()
    if errors:
        (err,) = errors
        if err.message == TOO_LONG:
            assert len(stripped) > MAX_SHORT
        else:
            assert err.message == BAD_CHARACTERS and (CONTROL.search(stripped) or "\n" in stripped)
    else:
        assert result_value == stripped  # exactly as typed, minus surrounding spaces


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=TEXT, name=st.sampled_from(["employer", "recruiter", "site"]))
def test_a_one_line_answer_is_kept_exactly_or_refused_with_a_reason(value: str, name: str) -> None:
    result = read_step(at(Step.WHO), Fields(Form({name: value})))
    expect_line(value, getattr(result.draft, name), result.errors)
    if result.errors:
        assert result.typed[name] == value.strip()  # shown again, so nothing typed is lost


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=TEXT)
def test_the_story_is_kept_exactly_with_plain_newlines_or_refused_with_a_reason(value: str) -> None:
    result = read_step(at(Step.STORY), Fields(Form({"narrative": value})))
    normal = value.replace("\r\n", "\n").replace("\r", "\n")
    normal = "" if not normal.strip() else normal
    if result.errors:
        (err,) = result.errors
        assert (err.message == TOO_LONG and len(normal) > MAX_NARRATIVE) or (
            err.message == BAD_CHARACTERS and CONTROL.search(normal)
        )
        assert result.typed["narrative"] == normal
    else:
        assert result.draft.narrative == normal


def test_a_story_at_the_limit_is_kept_and_one_more_character_is_refused() -> None:
    assert read_step(at(Step.STORY), Fields(Form({"narrative": "ਪ" * MAX_NARRATIVE}))).errors == ()
    (err,) = read_step(at(Step.STORY), Fields(Form({"narrative": "ਪ" * (MAX_NARRATIVE + 1)}))).errors
    assert err.message == TOO_LONG and err.limit == MAX_NARRATIVE


def test_right_to_left_overrides_and_markup_are_just_text() -> None:
    value = "\u202eSEMAJ <b>'; DROP TABLE cases; --"
    assert posted(Step.WHO, employer=value).employer == value


@pytest.mark.parametrize(
    ("step", "name"),
    [
        (Step.DANGER, "danger"),
        (Step.WHERE, "province"),
        (Step.WHERE, "town"),
        (Step.WHO, "employer"),
        (Step.WHO, "site"),
        (Step.STORY, "narrative"),
        (Step.CONTACT, "contact"),
        (Step.CONTACT, "phone"),
    ],
)
def test_a_field_sent_twice_is_a_malformed_form(step: Step, name: str) -> None:
    value = {"danger": "yes", "province": "ON", "contact": "sms"}.get(name, "x")
    with pytest.raises(MalformedFormError):
        read_step(at(step), Fields(Form({name: [value, value]})))


@pytest.mark.parametrize(
    ("step", "name"), [(Step.WHO, "employer"), (Step.STORY, "narrative"), (Step.DANGER, "danger")]
)
def test_a_field_that_is_not_text_is_a_malformed_form(step: Step, name: str) -> None:
    with pytest.raises(MalformedFormError):
        read_step(at(step), Fields(Form({name: [object()]})))


@settings(max_examples=200, deadline=None)
@given(chosen=st.lists(st.one_of(st.sampled_from(triage.CATEGORIES), st.text(max_size=12)), max_size=20))
def test_categories_are_kept_in_taxonomy_order_and_anything_else_is_refused(chosen: list[str]) -> None:
    fields = Fields(Form({"categories": chosen}))
    if set(chosen) <= set(triage.CATEGORIES):
        draft = read_step(at(Step.WHAT), fields).draft
        assert draft.categories == tuple(c for c in triage.CATEGORIES if c in chosen)
    else:
        with pytest.raises(MalformedFormError):
            read_step(at(Step.WHAT), fields)


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.sampled_from(["yes", "no", "unsure", ""]), st.text(max_size=10)))
def test_the_danger_answer_is_one_of_three_or_refused(value: str) -> None:
    fields = Fields(Form({"danger": value}))
    if value in ("yes", "no", "unsure", ""):
        assert read_step(at(Step.DANGER), fields).draft.danger_now == value
    else:
        with pytest.raises(MalformedFormError):
            read_step(at(Step.DANGER), fields)


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.sampled_from([*triage.PROVINCES, "unknown", ""]), st.text(max_size=6)))
def test_the_province_is_a_real_one_or_unknown_or_refused(value: str) -> None:
    fields = Fields(Form({"province": value}))
    if value in (*triage.PROVINCES, "unknown", ""):
        assert read_step(at(Step.WHERE), fields).draft.province == value
    else:
        with pytest.raises(MalformedFormError):
            read_step(at(Step.WHERE), fields)


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("613 555 0123", "+16135550123"),
        ("(416) 555-0199", "+14165550199"),
        ("+1 604 555 0100", "+16045550100"),
        ("+63 917 123 4567", "+639171234567"),
        ("+91 98765 43210", "+919876543210"),
    ],
)
def test_a_valid_phone_number_is_stored_as_e164(typed: str, e164: str) -> None:
    assert posted(Step.CONTACT, contact="sms", phone=typed).phone == e164


@pytest.mark.parametrize(
    "typed", ["416 555 01", "12345", "call me", "+1 999 999 9999", "6" * 41, "613\x00555 0123"]
)
def test_a_wrong_phone_number_is_refused_and_shown_again(typed: str) -> None:
    result = read_step(at(Step.CONTACT), Fields(Form({"contact": "sms", "phone": typed})))
    assert [e.message for e in result.errors] == [PHONE_WRONG]
    assert result.typed["phone"] == typed.strip()


def test_a_phone_number_typed_without_choosing_sms_is_not_kept() -> None:
    draft = posted(Step.CONTACT, contact="code", phone="613 555 0123")
    assert draft.contact_pref == "code" and draft.phone == ""


def test_choosing_sms_with_no_number_is_a_field_error() -> None:
    result = read_step(at(Step.CONTACT), Fields(Form({"contact": "sms", "phone": "  "})))
    assert [e.field for e in result.errors] == ["phone"]


@settings(max_examples=300, deadline=None)
@given(
    raw=st.one_of(
        st.text(max_size=20),
        st.sampled_from(
            [
                "next",
                "back",
                "stay",
                "review",
                "submit",
                "edit-where",
                "edit-done",
                "edit-",
                "remove-0",
                "remove-12",
                "remove-x",
                "remove-٣",
                "next-1",
                "remove-123",
            ]
        ),
    )
)
def test_a_button_value_is_a_known_move_or_a_malformed_form(raw: str) -> None:
    try:
        move = parse_move(Fields(Form({"action": raw})))
    except MalformedFormError:
        return
    assert isinstance(move, Move) and isinstance(move.action, Action)
    if move.action is Action.REMOVE:
        assert move.index is not None and 0 <= move.index < 100


def test_a_file_chosen_but_not_added_is_pointed_out() -> None:
    result = read_step(at(Step.EVIDENCE), Fields(Form({"files": "pay slip.jpg"})))
    assert [e.field for e in result.errors] == ["files"]


def test_moving_forward_needs_the_required_answers() -> None:
    assert [e.field for e in missing_answers(at(Step.WHAT), Step.WHAT)] == ["categories"]
    assert [e.field for e in missing_answers(at(Step.DANGER), Step.DANGER)] == ["danger"]
    assert [e.field for e in missing_answers(at(Step.WHERE), Step.WHERE)] == ["province"]
    assert missing_answers(at(Step.WHO), Step.WHO) == ()
    assert missing_answers(at(Step.STORY), Step.STORY) == ()
    complete = at(Step.REVIEW, categories=("wages",), danger_now="no", province="unknown")
    assert first_incomplete(complete) is None
    assert first_incomplete(msgspec.structs.replace(complete, danger_now="")) is Step.DANGER


def test_check_helpers_agree_with_the_step_parsers() -> None:
    assert check_line("  Acme  ", "employer") == ("Acme", None)
    assert check_text("a\r\nb\rc", "narrative", 10) == ("a\nb\nc", None)
    assert parse_phone("not a number") is None
