"""Roles and permissions: deny by default, and the set-up stage reaches nothing but set-up."""

from __future__ import annotations

import pytest

from signalement.db.models import Case, Role
from signalement.officer.visibility import can_see
from signalement.staff.access import ROLE_PERMISSIONS, Permission, Principal, Stage

P = Permission
EXPECTED = {
    Role.OFFICER: {P.PUBLIC, P.SESSION, P.ACCOUNT, P.CASES_READ, P.CASES_WRITE},
    Role.SUPERVISOR: {
        P.PUBLIC,
        P.SESSION,
        P.ACCOUNT,
        P.CASES_READ,
        P.CASES_WRITE,
        P.LEGAL_HOLD,
        P.CASES_ASSIGN_MANY,
        P.CLUSTERS,
        P.AUDIT_READ,
        P.RESEARCH,
    },
    Role.ADMIN: {P.PUBLIC, P.SESSION, P.ACCOUNT, P.AUDIT_READ, P.STAFF_MANAGE, P.KEYS_STATUS},
    Role.RESEARCHER: {P.PUBLIC, P.SESSION, P.ACCOUNT, P.RESEARCH},
}


def principal(
    role: Role, *, region: str | None = "quebec", stage: Stage = Stage.READY, officer_id: int = 7
) -> Principal:
    return Principal(
        officer_id=officer_id, username="u", display_name="U", role=role, region=region, stage=stage
    )


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_exactly_its_permissions(role: Role) -> None:
    assert ROLE_PERMISSIONS[role] == EXPECTED[role]
    assert {p for p in Permission if principal(role).may(p)} == EXPECTED[role]


def test_no_role_but_officers_and_supervisors_reads_cases_and_admins_never_do() -> None:
    readers = {role for role in Role if principal(role).may(P.CASES_READ)}
    assert readers == {Role.OFFICER, Role.SUPERVISOR}


@pytest.mark.parametrize("role", list(Role))
def test_an_account_still_being_set_up_may_only_finish_set_up_or_sign_out(role: Role) -> None:
    allowed = {p for p in Permission if principal(role, stage=Stage.SETUP).may(p)}
    assert allowed == {P.PUBLIC, P.SESSION}


@pytest.mark.parametrize(
    ("case_region", "assignee", "expected"),
    [
        ("quebec", None, True),
        ("ontario", None, False),
        ("ontario", 7, True),
        (None, 7, True),
        (None, None, False),
        ("ontario", 8, False),
    ],
)
def test_an_officer_sees_their_region_and_their_own_cases(
    case_region: str | None, assignee: int | None, expected: bool
) -> None:
    case = Case(region=case_region, assignee_id=assignee)
    assert can_see(principal(Role.OFFICER), case) is expected
    assert can_see(principal(Role.SUPERVISOR), case) is True
    assert can_see(principal(Role.ADMIN), case) is False
    assert can_see(principal(Role.RESEARCHER), case) is False


def test_an_officer_without_a_region_sees_only_assigned_cases() -> None:
    assert can_see(principal(Role.OFFICER, region=None), Case(region=None, assignee_id=None)) is False
    assert can_see(principal(Role.OFFICER, region=None), Case(region="quebec", assignee_id=7)) is True
