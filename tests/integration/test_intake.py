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
