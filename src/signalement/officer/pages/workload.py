"""The queue's tools: find an employer's cases by name, assign many cases at once, export the view as CSV."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.types import ControllerRouterHandler

from signalement.db.models import utcnow
from signalement.officer import workload
from signalement.officer.filters import QUEUE_FILTER
from signalement.officer.queue import QueueFilter
from signalement.runtime import Runtime
from signalement.staff.access import Permission
from signalement.staff.guard import declare, require_principal

READ = declare(Permission.CASES_READ)


class EmployerSearchForm(msgspec.Struct, frozen=True, kw_only=True):
    name: str = ""
    place: str = ""


class BulkAssignForm(msgspec.Struct, frozen=True, kw_only=True):
    case: list[str] | str = []  # one ticked box arrives as a string
    assignee: str = ""

    @property
    def case_ids(self) -> list[str]:
        ids = [self.case] if isinstance(self.case, str) else self.case
        return [i for i in ids if len(i) == 32 and all(c in "0123456789abcdef" for c in i)]


def _to_queue(**query: object) -> Redirect:
    pairs = [(k, v) for k, v in query.items() if not isinstance(v, tuple | list) and v not in (None, "")]
    pairs += [(k, item) for k, v in query.items() if isinstance(v, tuple | list) for item in v]
    return Redirect("/officer/queue" + ("?" + urlencode(pairs) if pairs else ""), status_code=HTTP_303_SEE_OTHER)


def routes(runtime: Runtime) -> list[ControllerRouterHandler]:
    @post("/queue/employer", opt=READ, status_code=303)
    async def find_employer(request: Request, data: URLEncodedBody[EmployerSearchForm]) -> Response[Any]:
        """A POST so that the name stays out of the address bar, the history and every access log: the
        queue is then opened on the blind indexes alone."""
        indexes = workload.employer_indexes(runtime.blind, data.name[:200], data.place[:200])
        return _to_queue(status="all", employer=indexes)

    @post("/queue/assign", opt=declare(Permission.CASES_ASSIGN_MANY), status_code=303)
    async def assign_many(request: Request, data: URLEncodedBody[BulkAssignForm]) -> Response[Any]:
        principal = require_principal(request)
        value = data.assignee.strip()
        if value not in ("me", "none") and not value.isdigit():
            raise workload.NothingSelectedError  # no one chosen: never read as "release them all"
        target = principal.officer_id if value == "me" else (int(value) if value.isdigit() else None)
        result = await workload.assign_many(runtime, principal, data.case_ids, target)
        return _to_queue(assigned=result.assigned, skipped=result.skipped or None)

    @get("/queue.csv", opt=READ, dependencies=QUEUE_FILTER)
    async def export(request: Request, queue_filter: NamedDependency[QueueFilter]) -> Response[str]:
        rows = await workload.export_view(runtime, require_principal(request), queue_filter)
        stamp = utcnow().strftime("%Y%m%d")
        return Response(
            workload.to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="signalement-queue-{stamp}.csv"',
                "Cache-Control": "no-store",
            },
        )

    return [find_employer, assign_many, export]
