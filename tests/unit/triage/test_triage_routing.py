"""Routing: the regional office by province, and referral suggestions with their reasons."""

from __future__ import annotations

import pytest

from signalement.triage import DEFAULT_REGIONAL_OFFICES, PROVINCES, TriageInput, classify, route


def referrals(text: str, **answers) -> dict[str, str]:
    decision = classify(TriageInput(text=text, **answers))
    return {s.partner: s.reason for s in route("ON", decision).referrals}


def test_every_province_and_territory_has_a_regional_office():
    assert set(DEFAULT_REGIONAL_OFFICES) == set(PROVINCES)
    assert set(DEFAULT_REGIONAL_OFFICES.values()) == {"atlantic", "quebec", "ontario", "western"}
    assert DEFAULT_REGIONAL_OFFICES["YT"] == "western"


@pytest.mark.parametrize(("province", "region"), [("QC", "quebec"), ("ns", "atlantic"), (" bc ", "western")])
def test_the_region_comes_from_the_province(province, region):
    decision = classify(TriageInput(text=""))
    assert route(province, decision).region == region


@pytest.mark.parametrize("province", [None, "", "XX", 42])
def test_an_unknown_province_has_no_region(province):
    assert route(province, classify(TriageInput())).region is None


def test_offices_can_be_configured():
    decision = classify(TriageInput())
    assert route("ON", decision, offices={"ON": "toronto-north"}).region == "toronto-north"
    assert route("QC", decision, offices={"ON": "toronto-north"}).region is None


def test_violence_is_suggested_to_the_police_with_the_reason():
    assert referrals("The foreman hit me.")["police"] == "referral.police.physical_abuse"


def test_immediate_danger_without_violence_still_suggests_the_police():
    got = referrals("My coworker wants to kill himself tonight.")
    assert got["police"] == "referral.police.immediate_danger"


def test_trafficking_words_suggest_police_and_cbsa():
    got = referrals("I think we are victims of human trafficking.")
    assert got["police"] == "referral.police.trafficking_signs"
    assert got["cbsa"] == "referral.cbsa.trafficking_signs"


def test_unsafe_work_goes_to_occupational_health_and_safety():
    assert referrals("We spray pesticides without masks.") == {"ohs": "referral.ohs.health_safety"}


def test_pay_and_hours_go_to_employment_standards():
    assert referrals("They don't pay overtime and we get no breaks.") == {
        "employment_standards": "referral.employment_standards.wages"
    }


def test_abuse_prompts_the_officer_about_the_vulnerable_worker_permit():
    got = referrals("The manager yells at us and insults us every day.")
    assert got == {"ircc_vulnerable_worker": "referral.ircc_vulnerable_worker.psychological_abuse"}


def test_kept_documents_and_recruitment_fees_go_to_cbsa():
    fees = referrals("The recruiter charged me $4000 for this job.")
    assert fees["cbsa"] == "referral.cbsa.recruitment_fees"
    assert referrals("He keeps our passports.")["cbsa"] == "referral.cbsa.documents"


def test_a_plain_question_gets_no_referral():
    assert referrals("Can my employer change my schedule?") == {}


def test_suggestions_come_in_a_fixed_order_one_per_partner():
    text = "He hit me, kept my passport, didn't pay me and we spray chemicals."
    decision = classify(TriageInput(text=text))
    partners = [s.partner for s in route("ON", decision).referrals]
    assert partners == ["police", "ohs", "employment_standards", "ircc_vulnerable_worker", "cbsa"]
