"""The taxonomy: codes, their order, masks, and labels translated at call time."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalement.i18n import N_
from signalement.triage import (
    CATEGORIES,
    PROVINCES,
    URGENCIES,
    URGENCY_RANK,
    categories_from_mask,
    category_definition,
    category_label,
    category_mask,
    definitions,
    province_name,
    taxonomy,
)
from signalement.triage.definitions import PARTNERS, UnknownPartnerError, partner_label
from signalement.triage.taxonomy import UnknownCategoryError, UnknownProvinceError


def test_category_codes_are_the_stored_bit_order():
    # Bit i of a stored mask means CATEGORIES[i]: reordering would corrupt every stored case.
    assert CATEGORIES == (
        "wages", "hours_rest", "job_mismatch", "health_safety", "housing", "documents", "confinement",
        "physical_abuse", "sexual_abuse", "psychological_abuse", "status_threats", "reprisal",
        "recruitment_fees", "financial_abuse", "other",
    )


def test_urgencies_rank_from_most_urgent():
    assert URGENCIES == ("immediate", "high", "standard")
    assert [URGENCY_RANK[u] for u in URGENCIES] == [0, 1, 2]


def test_provinces_are_the_thirteen_codes():
    assert PROVINCES == ("AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT")


@given(st.sets(st.sampled_from(CATEGORIES)))
def test_a_category_set_survives_the_mask_round_trip(chosen):
    mask = category_mask(chosen)
    assert categories_from_mask(mask) == tuple(c for c in CATEGORIES if c in chosen)
    assert mask.bit_count() == len(chosen)


def test_each_category_has_its_own_bit():
    assert [category_mask([c]) for c in CATEGORIES] == [1 << i for i in range(len(CATEGORIES))]


def test_bits_beyond_the_taxonomy_are_ignored():
    assert categories_from_mask(1 << 40 | 1) == ("wages",)


def test_an_unknown_category_code_is_refused():
    with pytest.raises(UnknownCategoryError):
        category_mask(["wages", "bad_boss"])
    with pytest.raises(UnknownCategoryError):
        category_label("bad_boss")
    with pytest.raises(UnknownCategoryError):
        category_definition("bad_boss")


def test_every_category_has_a_plain_worker_label_and_an_officer_definition():
    for code in CATEGORIES:
        label = category_label(code)
        assert label and len(label) <= 90, code
        assert category_definition(code) != label


def test_every_definition_but_other_cites_what_it_mirrors():
    for code in CATEGORIES:
        if code != "other":
            text = category_definition(code)
            assert "IRPR" in text or "ESDC" in text or "IRCC" in text or "employment standards" in text, code


def test_labels_are_translated_when_they_are_shown(monkeypatch):
    monkeypatch.setattr(taxonomy, "gettext", lambda msgid: f"<{msgid}>")
    assert category_label("wages") == "<I was not paid, or paid less than promised>"
    assert province_name("qc") == "<Quebec>"


def test_definitions_and_partners_are_translated_when_they_are_shown(monkeypatch):
    monkeypatch.setattr(definitions, "gettext", lambda msgid: msgid.upper())
    assert category_definition("documents").startswith("PASSPORT")
    assert partner_label("police").startswith("POLICE")


def test_messages_are_marked_for_extraction():
    # N_ returns its argument; the labels must be the English msgids themselves.
    assert N_("Yukon") == province_name("YT")


def test_every_province_has_a_name_and_unknown_codes_are_refused():
    assert len({province_name(code) for code in PROVINCES}) == len(PROVINCES)
    with pytest.raises(UnknownProvinceError):
        province_name("XX")


def test_every_referral_partner_has_a_label():
    assert set(PARTNERS) == {"police", "ohs", "employment_standards", "ircc_vulnerable_worker", "cbsa"}
    assert all(partner_label(p) for p in PARTNERS)
    with pytest.raises(UnknownPartnerError):
        partner_label("fbi")
