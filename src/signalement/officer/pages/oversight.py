"""Supervisors' and admins' pages: employer clusters, the audit log, staff accounts, key status."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from signalement import keyceremony
from signalement.db.models import Role
from signalement.errors import ConflictError, SignalementError
from signalement.i18n import N_
from signalement.officer import administration, audit_log, cases, related, timeline
from signalement.officer.filters import NO_NUL, StaffId, regions
from signalement.officer.pages.rendering import render
from signalement.runtime import Runtime
from signalement.staff.access import Permission
from signalement.staff.guard import declare, require_principal
from signalement.staff.rendering import see_other
from signalement.staff.unlocked import keyring, master_key

MANAGE = declare(Permission.STAFF_MANAGE)
USERNAME_TAKEN = N_("This username is already taken.")
USERNAME_RULES = N_(
    "Check the username: 3 to 32 characters, lowercase letters, digits, dot, dash or underscore."
)
DONE = {
    "role": N_("The account was changed."),
    "removed": N_("The account was removed and its key copy deleted."),
}


class MemberForm(msgspec.Struct, frozen=True, kw_only=True):
    username: str
    display_name: str = ""
    role: str
    region: str = ""


class RoleForm(msgspec.Struct, frozen=True, kw_only=True):
    role: str
    region: str = ""


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise SignalementError("unknown role") from None


def routes(runtime: Runtime) -> list[ControllerRouterHandler]:
    @get("/clusters", opt=declare(Permission.CLUSTERS))
    async def clusters(request: Request) -> Template:
        async with runtime.db.reading() as session:
            rows = await related.employer_clusters(session, runtime.settings.cluster_alert_threshold)
        return render(
            request, "clusters.html", clusters=rows, threshold=runtime.settings.cluster_alert_threshold, names=None
        )

    @post("/clusters/names", opt=declare(Permission.CLUSTERS), status_code=200)
    async def cluster_names(request: Request) -> Template:
        """The same page with each employer's name, opened with the supervisor's key (audited per cluster).
        A POST: a deliberate act with a CSRF token, never a link a browser could prefetch."""
        rows, names = await related.clusters_with_names(runtime, require_principal(request), keyring(request))
        return render(
            request, "clusters.html", clusters=rows, threshold=runtime.settings.cluster_alert_threshold, names=names
        )

    @get("/audit", opt=declare(Permission.AUDIT_READ))
    async def audit_page(
        request: Request,
        actor: Annotated[str | None, QueryParameter(max_length=64, pattern=NO_NUL)] = None,
        officer: Annotated[str | None, QueryParameter(max_length=64, pattern=NO_NUL)] = None,
        case_code: Annotated[str | None, QueryParameter(max_length=32, pattern=NO_NUL)] = None,
        action: Annotated[str | None, QueryParameter(max_length=48, pattern=NO_NUL)] = None,
        object_id: Annotated[str | None, QueryParameter(max_length=64, pattern=NO_NUL)] = None,
        since: FromQuery[dt.date | None] = None,
        until: FromQuery[dt.date | None] = None,
        before: Annotated[int | None, QueryParameter(ge=1)] = None,
    ) -> Template:
        f = audit_log.AuditFilter(
            actor=actor or None,
            officer=officer or None,
            case_code=case_code or None,
            action=action or None,
            object_id=object_id or None,
            since=since,
            until=until,
            before=before,
        )
        page = await audit_log.read_log(runtime, f)
        query = {k: v for k, v in request.query_params.items() if k != "before" and v}
        return await _audit_page(request, page, f, query, None)

    @post("/audit/verify", opt=declare(Permission.AUDIT_READ), status_code=200)
    async def verify(request: Request) -> Template:
        check = await audit_log.verify_chain(runtime, require_principal(request))
        page = await audit_log.read_log(runtime, audit_log.AuditFilter())
        return await _audit_page(request, page, audit_log.AuditFilter(), {}, check)

    async def _audit_page(
        request: Request, page: audit_log.AuditPage, f: audit_log.AuditFilter, query: dict[str, str],
        check: audit_log.ChainCheck | None,
    ) -> Template:
        async with runtime.db.reading() as session:
            names, actors = await cases.staff_names(session), await cases.actor_names(session)
        return render(
            request, "audit.html", page=page, filters=f, query=query, check=check, actors=actors,
            known_actions=sorted(timeline.SENTENCES),
            tell=lambda ui, e: timeline.sentence(ui, e.action, e.actor, e.detail, names, actors),
        )

    @get("/admin/staff", opt=MANAGE)
    async def staff_page(request: Request, done: FromQuery[str | None] = None) -> Template:
        return render(
            request,
            "staff.html",
            members=await administration.list_staff(runtime),
            grants=await administration.case_access_grants(runtime),
            regions=sorted(regions()),
            roles=list(Role),
            problems={},
            notice=DONE.get(done or ""),
        )

    @post("/admin/staff", opt=MANAGE, status_code=200)
    async def add(request: Request, data: URLEncodedBody[MemberForm]) -> Template:
        role = _role(data.role)
        try:
            issued = await administration.add_member(
                runtime,
                require_principal(request),
                master_key(request),
                username=data.username,
                display_name=data.display_name or data.username,
                role=role,
                region=data.region or None,
                regions=regions(),
            )
        except SignalementError as exc:
            problem = USERNAME_TAKEN if isinstance(exc, ConflictError) else USERNAME_RULES
            return render(
                request,
                "staff.html",
                status_code=exc.status_code,
                members=await administration.list_staff(runtime),
                grants=await administration.case_access_grants(runtime),
                regions=sorted(regions()),
                roles=list(Role),
                problems={"username": problem},
            )
        return render(request, "staff_issued.html", issued=issued, created=True)

    @post("/admin/staff/{officer_id:int}/role", opt=MANAGE, status_code=303)
    async def change(request: Request, officer_id: StaffId, data: URLEncodedBody[RoleForm]) -> Response[Any]:
        issued = await administration.change_member(
            runtime,
            require_principal(request),
            master_key(request),
            officer_id,
            role=_role(data.role),
            region=data.region or None,
            regions=regions(),
        )
        if issued is not None:
            return render(request, "staff_issued.html", issued=issued, created=False)
        return see_other("/officer/admin/staff", done="role")

    @post("/admin/staff/{officer_id:int}/reset", opt=MANAGE, status_code=200)
    async def reset(request: Request, officer_id: StaffId) -> Template:
        issued = await administration.reset_member(
            runtime, require_principal(request), master_key(request), officer_id
        )
        return render(request, "staff_issued.html", issued=issued, created=False)

    @post("/admin/staff/{officer_id:int}/remove", opt=MANAGE, status_code=303)
    async def remove(request: Request, officer_id: StaffId) -> Response[Any]:
        await administration.remove_member(runtime, require_principal(request), officer_id)
        return see_other("/officer/admin/staff", done="removed")

    @get("/admin/keys", opt=declare(Permission.KEYS_STATUS))
    async def keys(request: Request) -> Template:
        return render(request, "keys.html", epochs=await keyceremony.status(runtime))

    return [clusters, cluster_names, audit_page, verify, staff_page, add, change, reset, remove, keys]
