"""Which cases a signed-in officer may see: the object-level half of access control.

A case outside an officer's region that is not assigned to them is reported
as *not found*, so the existence of another region's case does not leak
through a 403. Researchers and admins see no case at all.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from signalement.db.models import Case, Role
from signalement.staff.access import Principal


def visible_cases(principal: Principal) -> ColumnElement[bool]:
    """The SQL condition for cases this principal may see."""
    if principal.role is Role.SUPERVISOR:
        return true()
    if principal.role is Role.OFFICER:
        mine = Case.assignee_id == principal.officer_id
        return or_(Case.region == principal.region, mine) if principal.region else mine
    return false()


def can_see(principal: Principal, case: Case) -> bool:
    """The same rule as ``visible_cases``, for a loaded row."""
    if principal.role is Role.SUPERVISOR:
        return True
    if principal.role is Role.OFFICER:
        return case.assignee_id == principal.officer_id or (
            principal.region is not None and case.region == principal.region
        )
    return False
