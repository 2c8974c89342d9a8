"""Cases that belong together: employer clusters (blind index) and possible duplicates.

A cluster is every case whose employer blind index is the same: officers see
that five reports name one employer without the name being stored in clear.
Clusters and duplicates only ever list cases the caller may see.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from sqlalchemy import and_, func, select, true
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession

from signalement import triage
from signalement.db.models import Case
from signalement.officer.visibility import visible_cases
from signalement.staff.access import Principal
from signalement.triage.taxonomy import categories_from_mask

RELATED_LIMIT = 20
DUPLICATE_WINDOW = dt.timedelta(days=14)
DUPLICATE_CANDIDATES = 300
DUPLICATE_THRESHOLD = 0.5
DUPLICATE_LIMIT = 5
CLUSTER_PAGE = 100


class RelatedCase(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    case_code: str
    status: str
    urgency: str
    received_at: dt.datetime
    categories: tuple[str, ...]
    likelihood: float | None = None


class Related(msgspec.Struct, frozen=True, kw_only=True):
    cluster: tuple[RelatedCase, ...]
    cluster_size: int
    duplicates: tuple[RelatedCase, ...]


class Cluster(msgspec.Struct, frozen=True, kw_only=True):
    employer_index: str
    cases: int
    open_cases: int
    categories: tuple[str, ...]
    newest: dt.datetime
    alert: bool


def _related(row: Case, likelihood: float | None = None) -> RelatedCase:
    return RelatedCase(
        id=row.id,
        case_code=row.case_code,
        status=row.status,
        urgency=row.urgency,
        received_at=row.received_at,
        categories=categories_from_mask(row.categories),
        likelihood=likelihood,
    )


async def related_cases(session: AsyncSession, principal: Principal, case: Case) -> Related:
    cluster: list[RelatedCase] = []
    size = 0
    scope = visible_cases(principal)
    if case.employer_index:
        same = and_(Case.employer_index == case.employer_index, Case.id != case.id, scope)
        size = int(await session.scalar(select(func.count()).select_from(Case).where(same)) or 0)
        rows = (
            (
                await session.execute(
                    select(Case).where(same).order_by(Case.received_at.desc()).limit(RELATED_LIMIT)
                )
            )
            .scalars()
            .all()
        )
        cluster = [_related(r) for r in rows]
    near = (
        (
            await session.execute(
                select(Case)
                .where(
                    Case.province == case.province if case.province else Case.province.is_(None),
                    Case.received_at.between(
                        case.received_at - DUPLICATE_WINDOW, case.received_at + DUPLICATE_WINDOW
                    ),
                    Case.id != case.id,
                    scope,
                )
                .limit(DUPLICATE_CANDIDATES)
            )
        )
        .scalars()
        .all()
    )
    scored = []
    for other in near:
        days = abs((other.received_at - case.received_at).total_seconds()) / 86400
        score = float(triage.duplicate_likelihood(case.categories, other.categories, days))
        if score >= DUPLICATE_THRESHOLD:
            scored.append((score, other))
    scored.sort(key=lambda pair: (-pair[0], pair[1].received_at))
    return Related(
        cluster=tuple(cluster),
        cluster_size=size,
        duplicates=tuple(_related(o, round(s, 2)) for s, o in scored[:DUPLICATE_LIMIT]),
    )


async def employer_clusters(session: AsyncSession, threshold: int, *, minimum: int = 2) -> list[Cluster]:
    """Employers named in at least ``minimum`` cases, largest first; ``alert`` at the threshold."""
    counts = (
        await session.execute(
            select(
                Case.employer_index,
                func.count(),
                func.sum(when((Case.is_open == true(), 1), else_=0)),
                func.max(Case.received_at),
            )
            .where(Case.employer_index.is_not(None))
            .group_by(Case.employer_index)
            .having(func.count() >= minimum)
            .order_by(func.count().desc(), Case.employer_index)
            .limit(CLUSTER_PAGE)
        )
    ).all()
    masks: dict[str, int] = {}
    keys = [row[0] for row in counts]
    if keys:
        for index, mask in (
            await session.execute(
                select(Case.employer_index, Case.categories).where(Case.employer_index.in_(keys))
            )
        ).all():
            if index is not None:
                masks[index] = masks.get(index, 0) | int(mask)
    return [
        Cluster(
            employer_index=index,
            cases=int(n),
            open_cases=int(n_open or 0),
            categories=categories_from_mask(masks.get(index, 0)),
            newest=newest,
            alert=int(n) >= threshold,
        )
        for index, n, n_open, newest in counts
    ]
