"""``/api/v1/``: clusters and the audit log (supervisors), staff and keys (admins), assignable staff."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Request, delete, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler

from signalement import keyceremony
from signalement.db.models import Role
from signalement.officer import administration, audit_log, related
from signalement.officer.api.schemas import MemberChange, NewMember, StrictBody, problems
from signalement.officer.filters import NO_NUL, StaffId, regions
from signalement.runtime import Runtime
from signalement.staff.access import Permission
from signalement.staff.guard import declare, require_principal
from signalement.staff.unlocked import keyring, master_key

MANAGE = declare(Permission.STAFF_MANAGE)


class NamedCluster(msgspec.Struct, frozen=True, kw_only=True):
    cluster: related.Cluster
    names: tuple[str, ...]  # as the reporters wrote them, newest reports first


class MemberChanged(msgspec.Struct, frozen=True, kw_only=True):
    member: administration.StaffMember
    issued: administration.IssuedCredential | None


def routes(runtime: Runtime) -> list[ControllerRouterHandler]:
    @get("/clusters", opt=declare(Permission.CLUSTERS), responses=problems(), summary="Employer clusters")
    async def clusters() -> list[related.Cluster]:
        """Employers (by blind index) named in two or more cases; ``alert`` at the configured threshold."""
        async with runtime.db.reading() as session:
            return await related.employer_clusters(session, runtime.settings.cluster_alert_threshold)

    @post(
        "/clusters/names",
        opt=declare(Permission.CLUSTERS),
        status_code=200,
        responses=problems(),
        summary="Employer clusters with the employers' names",
    )
    async def cluster_names(request: Request) -> list[NamedCluster]:
        """Opens each cluster's three newest answers with the caller's key; one ``cluster.name`` audit entry per
        cluster is committed first. A POST: it decrypts and it writes to the audit log."""
        rows, names = await related.clusters_with_names(runtime, require_principal(request), keyring(request))
        return [NamedCluster(cluster=c, names=names.get(c.employer_index, ())) for c in rows]

    @get("/audit", opt=declare(Permission.AUDIT_READ), responses=problems(), summary="Read the audit log")
    async def audit_entries(
        actor: Annotated[str | None, QueryParameter(max_length=64, pattern=NO_NUL)] = None,
        officer: Annotated[str | None, QueryParameter(max_length=64, pattern=NO_NUL)] = None,
        case_code: Annotated[str | None, QueryParameter(max_length=32, pattern=NO_NUL)] = None,
        action: Annotated[str | None, QueryParameter(max_length=48, pattern=NO_NUL)] = None,
        object_type: Annotated[str | None, QueryParameter(max_length=24, pattern=NO_NUL)] = None,
        object_id: Annotated[str | None, QueryParameter(max_length=64, pattern=NO_NUL)] = None,
        since: FromQuery[dt.date | None] = None,
        until: FromQuery[dt.date | None] = None,
        before: Annotated[int | None, QueryParameter(ge=1, le=2**62)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = audit_log.PAGE,
    ) -> audit_log.AuditPage:
        """Newest first. An ``action`` ending in "." is a prefix ("case."); page with ``next_before``.
        ``officer`` matches part of a username or display name; ``case_code`` finds a case's entries."""
        return await audit_log.read_log(
            runtime,
            audit_log.AuditFilter(
                actor=actor,
                officer=officer or None,
                case_code=case_code or None,
                action=action,
                object_type=object_type,
                object_id=object_id,
                since=since,
                until=until,
                before=before,
                limit=limit,
            ),
        )

    @post(
        "/audit/verify",
        opt=declare(Permission.AUDIT_READ),
        status_code=200,
        responses=problems(),
        summary="Verify the audit chain",
    )
    async def verify(request: Request) -> audit_log.ChainCheck:
        """Walks every entry's MAC and link (as ``signalement audit verify`` does); this is audited too."""
        return await audit_log.verify_chain(runtime, require_principal(request))

    @get(
        "/assignees", opt=declare(Permission.CASES_WRITE), responses=problems(), summary="Who can take cases"
    )
    async def assignees() -> list[administration.StaffMember]:
        return await administration.assignable(runtime)

    @get("/staff", opt=MANAGE, responses=problems(), summary="Staff accounts")
    async def list_members() -> list[administration.StaffMember]:
        return await administration.list_staff(runtime)

    @post(
        "/staff",
        opt=MANAGE,
        dto=StrictBody[NewMember],
        return_dto=None,
        responses=problems(409),
        summary="Add a staff account",
    )
    async def add(request: Request, data: JSONBody[NewMember]) -> administration.IssuedCredential:
        """Returns the one-time password, once. Case-reading roles get the master key from your session."""
        return await administration.add_member(
            runtime,
            require_principal(request),
            master_key(request),
            username=data.username,
            display_name=data.display_name,
            role=Role(data.role),
            region=data.region,
            regions=regions(),
        )

    @patch(
        "/staff/{officer_id:int}",
        opt=MANAGE,
        dto=StrictBody[MemberChange],
        return_dto=None,
        responses=problems(404, 409),
        summary="Change an account's role or region",
    )
    async def change(request: Request, officer_id: StaffId, data: JSONBody[MemberChange]) -> MemberChanged:
        """Crossing between researcher and a case-reading role resets the credential (``issued``)."""
        issued = await administration.change_member(
            runtime,
            require_principal(request),
            master_key(request),
            officer_id,
            role=Role(data.role),
            region=data.region,
            regions=regions(),
        )
        return MemberChanged(member=await administration.member(runtime, officer_id), issued=issued)

    @post(
        "/staff/{officer_id:int}/reset",
        opt=MANAGE,
        status_code=200,
        responses=problems(404, 409),
        summary="Reset an account's password and TOTP",
    )
    async def reset(request: Request, officer_id: StaffId) -> administration.IssuedCredential:
        return await administration.reset_member(runtime, require_principal(request), master_key(request), officer_id)

    @delete(
        "/staff/{officer_id:int}",
        opt=MANAGE,
        status_code=204,
        responses=problems(404, 409),
        summary="Remove an account",
    )
    async def remove(request: Request, officer_id: StaffId) -> None:
        """Disables the account and deletes its credential, and with it that copy of the key."""
        await administration.remove_member(runtime, require_principal(request), officer_id)

    @get("/keys", opt=declare(Permission.KEYS_STATUS), responses=problems(), summary="Key epochs")
    async def keys() -> list[keyceremony.EpochStatus]:
        """Each key epoch, its age and how many sealed values it protects. Rotation is a CLI ceremony."""
        return await keyceremony.status(runtime)

    return [clusters, cluster_names, audit_entries, verify, assignees, list_members, add, change, reset, remove, keys]
