"""Comment scrubbing: what a worker types about their case must not survive into storage."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from signalement.metrics.comments import names_in, scrub


def test_contact_details_document_numbers_and_digits_are_removed() -> None:
    text = scrub("Call me at +1 (613) 555-0123 or ana@example.org, SIN 046 454 286, passport AB123456, "
                 "see www.example.ca/x and https://t.co/abc, case 7K4-93Q")
    for gone in ("613", "555", "0123", "ana@", "046", "AB123456", "example", "t.co", "7K4", "93Q"):
        assert gone not in text, gone
    assert "[number]" in text and "[email]" in text and "[id]" in text and "[link]" in text


def test_names_typed_elsewhere_in_the_visit_are_removed_whole_and_word_by_word() -> None:
    names = names_in(("Ferme Tremblay Inc.", "", "Rang Saint-Jean", "Saint-Rémi"),
                     "Mon patron Gilles Tremblay crie. Marie a vu.")
    text = scrub("Gilles est méchant, la ferme tremblay aussi, à Saint-Rémi. Merci.", names)
    assert "Gilles" not in text and "tremblay" not in text.lower() and "Saint-Rémi" not in text
    assert text.startswith("[name] est méchant") and text.endswith("Merci.")
    assert "Marie" not in names  # starts a sentence: not taken for a name


@given(st.text(max_size=600))
def test_scrubbing_never_leaves_a_digit_and_never_grows_past_the_limit(text: str) -> None:
    out = scrub(text)
    assert not any(ch.isdigit() and ch.isascii() for ch in out)
    assert len(out) <= 500 * 8
