"""The vocabularies officers filter and edit with, as types: they check forms and the API schema alike.

Every value a client can send is an enum or a pattern here, so the OpenAPI
description says exactly what is accepted, and anything else is a 400.
"""

from __future__ import annotations

from typing import Annotated, Literal

from litestar.di import Provide
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromQuery, PathParameter, QueryParameter

from signalement import i18n, triage
from signalement.officer.queue import (
    ASSIGNEE_PATTERN,
    CURSOR_PATTERN,
    EMPLOYER_PATTERN,
    SORTS,
    Cursor,
    QueueFilter,
    check_employers,
    check_sort,
)

# PostgreSQL text cannot hold NUL: a value bound for a clear column says so in its pattern.
NO_NUL = r"^[^\x00]*$"

StatusParam = Literal["open", "closed", "all", "new", "triaged", "assessing", "referred", "inspection"]
UrgencyCode = Literal["immediate", "high", "standard"]
CategoryCode = Literal[
    "wages",
    "hours_rest",
    "job_mismatch",
    "health_safety",
    "housing",
    "documents",
    "confinement",
    "physical_abuse",
    "sexual_abuse",
    "psychological_abuse",
    "status_threats",
    "reprisal",
    "recruitment_fees",
    "financial_abuse",
    "other",
]
ProvinceCode = Literal["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
RegionCode = Literal["atlantic", "quebec", "ontario", "western"]
ChannelCode = Literal["web", "sms", "voice"]
LanguageCode = Literal["en", "fr", "es", "tl", "hi", "pa", "vi", "zh"]
PartnerCode = Literal["police", "ohs", "employment_standards", "ircc_vulnerable_worker", "cbsa"]
TransitionTarget = Literal["triaged", "assessing", "referred", "inspection", "closed"]
OutcomeCode = Literal[
    "substantiated",
    "not_substantiated",
    "referred_elsewhere",
    "duplicate",
    "insufficient_information",
    "withdrawn",
    "out_of_scope",
]
OverrideCode = Literal[
    "misclassified", "new_information", "reporter_clarified", "danger_assessed", "duplicate_of_other", "other"
]
RoleCode = Literal["officer", "supervisor", "admin", "researcher"]

CaseId = Annotated[str, PathParameter(pattern=r"^[0-9a-f]{32}$", description="A case id (32 hex digits).")]
EvidenceId = Annotated[str, PathParameter(pattern=r"^[0-9a-f]{32}$", description="An attachment id.")]
ReferralId = Annotated[str, PathParameter(pattern=r"^[0-9a-f]{32}$", description="A referral id.")]
StaffId = Annotated[int, PathParameter(ge=1, le=2_147_483_647, description="An account id.")]
Assignee = Annotated[
    str | None,
    QueryParameter(pattern=ASSIGNEE_PATTERN, description='"me", "none" (unassigned) or an account id.'),
]
Employer = Annotated[
    list[str] | None,
    QueryParameter(
        max_items=8,
        # The handler checks each item (``check_employers``); the schema says so, for generated clients.
        schema_extra={"items": Schema(type=OpenAPIType.STRING, pattern=EMPLOYER_PATTERN)},
        description=f"Employer blind indexes, each matching {EMPLOYER_PATTERN} (repeat the parameter): a "
        "cluster's, or a typed name's under every key (POST /officer/queue/employer turns a name into them).",
    ),
]
Sort = Annotated[
    str | None,
    QueryParameter(
        max_length=32,
        pattern=NO_NUL,
        description=f"The order: {', '.join(SORTS)} (the default is {SORTS[0]}). Anything else is a 400 that "
        "names the orders known.",
        schema_extra={"enum": list(SORTS)},
    ),
]
CaseCodeSearch = Annotated[
    str | None,
    QueryParameter(max_length=32, pattern=NO_NUL, description="A case code as read out (spaces and dashes allowed)."),
]
After = Annotated[
    str | None, QueryParameter(pattern=CURSOR_PATTERN, description="The next_cursor of the page before.")
]


def regions() -> frozenset[str]:
    return frozenset(triage.DEFAULT_REGIONAL_OFFICES.values())


def queue_filter(
    status: FromQuery[StatusParam] = "open",
    urgency: FromQuery[UrgencyCode | None] = None,
    category: FromQuery[CategoryCode | None] = None,
    province: FromQuery[ProvinceCode | None] = None,
    region: FromQuery[RegionCode | None] = None,
    channel: FromQuery[ChannelCode | None] = None,
    language: FromQuery[LanguageCode | None] = None,
    assignee: Assignee = None,
    breached: FromQuery[bool] = False,
    danger: FromQuery[bool] = False,
    q: CaseCodeSearch = None,
    employer: Employer = None,
    sort: Sort = None,
    after: After = None,
) -> QueueFilter:
    """The queue's filter from the query string: the one definition the page and the API share.

    A Litestar dependency (``QUEUE_FILTER``), so both routes document and check the same parameters.
    """
    return QueueFilter(
        status=status,
        urgency=urgency,
        category=category,
        province=province,
        region=region,
        channel=channel,
        language=language,
        assignee=assignee,
        breached=breached,
        danger=danger,
        q=q.strip() or None if q else None,
        employer=check_employers(employer),
        sort=check_sort(sort),
        after=Cursor.decode(after) if after else None,
    )


QUEUE_FILTER = {"queue_filter": Provide(queue_filter, sync_to_thread=False)}


def check_vocabularies() -> list[str]:
    """Differences between these literals and the vocabularies they mirror (a unit test keeps this empty)."""
    from typing import get_args

    from signalement.db.models import Role
    from signalement.officer.workflow import Outcome, OverrideReason
    from signalement.triage.definitions import PARTNERS

    pairs = {
        "categories": (get_args(CategoryCode), triage.CATEGORIES),
        "urgencies": (get_args(UrgencyCode), triage.URGENCIES),
        "provinces": (get_args(ProvinceCode), triage.PROVINCES),
        "regions": (frozenset(get_args(RegionCode)), regions()),
        "languages": (get_args(LanguageCode), tuple(lang.code for lang in i18n.LANGUAGES)),
        "partners": (get_args(PartnerCode), PARTNERS),
        "outcomes": (get_args(OutcomeCode), tuple(o.value for o in Outcome)),
        "overrides": (get_args(OverrideCode), tuple(o.value for o in OverrideReason)),
        "roles": (get_args(RoleCode), tuple(r.value for r in Role)),
    }
    return [
        name
        for name, (ours, theirs) in pairs.items()
        if (frozenset(ours) if isinstance(ours, tuple) else ours) != frozenset(theirs)
    ]
