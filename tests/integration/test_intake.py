"""What intake stores beside the sealed content: the routing from settings and the rules behind the decision."""

from __future__ import annotations

import msgspec
from sqlalchemy import select

from signalement import triage
from signalement.db.models import Case
from signalement.intake import Answers, IntakeService, Submission
from signalement.runtime import Runtime


async def test_intake_routes_by_the_configured_office_and_records_the_rules_it_used(stack) -> None:
    settings = msgspec.structs.replace(stack.settings, regional_offices="NB=quebec")
    runtime = Runtime(settings)
    try:
        receipt = await IntakeService(runtime).submit(Submission(
            submission_key="web:offices", channel="web", language="fr",
            answers=Answers(categories=("wages",), province="NB"), narrative="On ne me paie pas depuis juin."))
        async with runtime.db.reading() as s:
            case = await s.scalar(select(Case).where(Case.id == receipt.case_id))
    finally:
        await runtime.close()
    assert case is not None and case.region == "quebec"  # the default table says atlantic
    fingerprint = triage.rules_fingerprint()
    assert len(fingerprint) == 16 and case.rules_fingerprint == fingerprint
    assert case.auto_urgency == case.urgency and case.auto_categories == case.categories


async def test_a_story_sealed_on_arrival_is_filed_as_it_is_triaged_on_every_part_and_checked(stack) -> None:
    from signalement.db.models import CaseField, new_id
    from signalement.intake import InvalidSubmissionError
    from support.cases import keyring, submit_sealed_story

    parts = ["My boss took my passport and keeps it.", "At night he locks the bunkhouse door."]
    receipt = await submit_sealed_story(stack, parts)
    async with stack.runtime.db.reading() as s:
        case = await s.get(Case, receipt.case_id)
        fields = {f.name: f for f in (await s.execute(select(CaseField).where(CaseField.case_id == case.id))).scalars()}
    assert case is not None and case.channel == "sms" and case.urgency == "immediate"
    assert set(triage.categories_from_mask(case.categories)) == {"documents", "confinement"}
    assert "narrative" not in fields
    keys = await keyring(stack)
    assert [keys.open(fields[f"narrative:{n}"].envelope, case_id=case.id, field=f"narrative:{n}").decode()
            for n in (1, 2)] == parts
    assert fields["narrative:1"].key_id == stack.runtime.public_keys.current.key_id

    intake = IntakeService(stack.runtime)
    case_id = new_id()
    good = intake.seal_story_part(case_id, 1, "They do not pay us.", "en")
    bad = {
        "a clear story beside": {"narrative": "clear words", "story_parts": (good,)},
        "numbered from 2": {"story_parts": (msgspec.structs.replace(good, number=2),)},
        "not an envelope": {"story_parts": (msgspec.structs.replace(good, text=b"They do not pay us."),)},
        "no case id chosen": {"story_parts": (good,), "case_id": None},
    }
    for why, change in bad.items():
        sub = Submission(submission_key=f"sms:{why}", channel="sms", language="en", answers=Answers(),
                         **{"case_id": case_id, **change})
        try:
            await intake.submit(sub)
        except InvalidSubmissionError:
            continue
        raise AssertionError(f"accepted: {why}")


async def test_a_retried_submission_files_nothing_new_and_a_taken_case_code_is_drawn_again(stack) -> None:
    """The case row is a Core insert: its unique submission key and case code must still be what decides."""
    from signalement.db.models import CaseField

    runtime = Runtime(stack.settings)
    intake = IntakeService(runtime)
    try:
        first = await intake.submit(Submission(
            submission_key="web:retry", channel="web", language="en", contact_pref="none",
            answers=Answers(categories=("wages",), province="ON", employer="Acme"), narrative="Not paid."))
        again = await intake.submit(Submission(
            submission_key="web:retry", channel="web", language="en", contact_pref="none",
            answers=Answers(categories=("wages",), province="ON"), narrative="Not paid, second tap."))
        other = await intake.submit(Submission(
            submission_key="web:other", channel="web", language="en", contact_pref="none",
            case_code=first.case_code, answers=Answers(categories=("wages",)), narrative="Someone else."))
        async with runtime.db.reading() as s:
            cases = (await s.scalars(select(Case).order_by(Case.case_code))).all()
            names = set((await s.execute(select(CaseField.case_id, CaseField.name))).all())
    finally:
        await runtime.close()
    assert first.created and not again.created and again.case_id == first.case_id
    assert again.case_code == first.case_code
    assert other.created and other.case_code != first.case_code and other.case_id != first.case_id
    assert len(cases) == 2 and {c.id for c in cases} == {first.case_id, other.case_id}
    assert {(first.case_id, n) for n in ("narrative", "answers", "triage_matches")} <= names
    assert {(other.case_id, n) for n in ("narrative", "answers", "triage_matches")} <= names
    by_id = {c.id: c for c in cases}
    assert by_id[first.case_id].employer_index is not None and by_id[first.case_id].status == "new"
    assert by_id[first.case_id].is_open and by_id[first.case_id].paused_seconds == 0
