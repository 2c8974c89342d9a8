"""Who may do what: roles, permissions and the signed-in principal, for every staff tier.

Deny by default. Every staff route (officer and research tiers) declares one
``Permission`` in its ``opt``; the router guard (``staff.guard``) refuses any
route that declares none, and any principal whose role's row in
``ROLE_PERMISSIONS`` lacks it. Which *cases* a principal may see is the
officer tier's business (``officer.visibility``): nothing here knows a case.
"""

from __future__ import annotations

import enum
from types import MappingProxyType

import msgspec

from signalement.db.models import Role

PERMISSION_KEY = "permission"


class Permission(enum.StrEnum):
    PUBLIC = "public"  # the sign-in page: no session needed
    SESSION = "session"  # any session, even one still being set up (sign out, set-up pages)
    ACCOUNT = "account"  # a fully signed-in account of any role
    CASES_READ = "cases.read"  # decrypt and read cases within the caller's scope
    CASES_WRITE = "cases.write"  # workflow, notes, replies, referrals, overrides
    LEGAL_HOLD = "cases.legal_hold"
    CASES_ASSIGN_MANY = "cases.assign_many"  # assign many cases at once from the queue (supervisors)
    CLUSTERS = "clusters"
    AUDIT_READ = "audit.read"
    STAFF_MANAGE = "staff.manage"
    KEYS_STATUS = "keys.status"
    RESEARCH = "research"  # aggregate usability metrics under /research/: never case data


_EVERYONE = frozenset({Permission.PUBLIC, Permission.SESSION, Permission.ACCOUNT})
ROLE_PERMISSIONS: MappingProxyType[Role, frozenset[Permission]] = MappingProxyType(
    {
        Role.OFFICER: _EVERYONE | {Permission.CASES_READ, Permission.CASES_WRITE},
        Role.SUPERVISOR: _EVERYONE
        | {
            Permission.CASES_READ,
            Permission.CASES_WRITE,
            Permission.LEGAL_HOLD,
            Permission.CASES_ASSIGN_MANY,
            Permission.CLUSTERS,
            Permission.AUDIT_READ,
            Permission.RESEARCH,
        },
        # Admins hold the master key (to give it to new accounts) but read no case content.
        Role.ADMIN: _EVERYONE | {Permission.AUDIT_READ, Permission.STAFF_MANAGE, Permission.KEYS_STATUS},
        Role.RESEARCHER: _EVERYONE | {Permission.RESEARCH},
    }
)


class Stage(enum.StrEnum):
    READY = "ready"
    SETUP = "setup"  # password right, but a first-time password change or TOTP enrolment is pending


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The signed-in account, as re-read from the database on every request."""

    officer_id: int
    username: str
    display_name: str
    role: Role
    region: str | None
    stage: Stage

    @property
    def actor(self) -> str:
        return self.username

    def may(self, permission: Permission) -> bool:
        if self.stage is Stage.SETUP:
            return permission in (Permission.PUBLIC, Permission.SESSION)
        return permission in ROLE_PERMISSIONS[self.role]


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
