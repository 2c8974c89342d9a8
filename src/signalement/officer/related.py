"""Cases that belong together: employer clusters (blind index) and possible duplicates.

A cluster is every case whose employer blind index is the same: officers see
that five reports name one employer without the name being stored in clear.
Clusters and duplicates only ever list cases the caller may see.

A cluster's *name* exists only inside its cases' sealed answers. A supervisor
with the key unlocked in their session can ask for it: the audit entry (who saw
which cluster's name, from which cases) is committed first, then a few of the
newest cases' answers are opened and only the employer field is kept. Nothing
is stored, and the page that shows the names is never cached.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from sqlalchemy import and_, func, select, true
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession

from signalement import audit, triage
from signalement.db.models import Case, CaseField
from signalement.intake import Answers
from signalement.officer.visibility import visible_cases
from signalement.runtime import Runtime
from signalement.staff.access import Principal
from signalement.triage.taxonomy import categories_from_mask
from signalement.vault.blind import sketch_similarity
from signalement.vault.unseal import PrivateKeyring

RELATED_LIMIT = 20
DUPLICATE_WINDOW = dt.timedelta(days=14)
DUPLICATE_CANDIDATES = 300
DUPLICATE_THRESHOLD = 0.5
DUPLICATE_LIMIT = 5
CLUSTER_PAGE = 100
# How many of a cluster's newest cases are opened to name it: the spellings differ ("Ferme Tremblay inc.",
# "ferme tremblay"), a few show that; opening every case would read far more than the name needs.
NAME_SAMPLES = 3
# Both reports name an employer, the indexes differ and no sketch compares them (filed before 0019, or a key
# rotation between them): the names or the places differ, so count them as barely alike (factor 0.45).
UNCOMPARED_SIMILARITY = 0.5
# The same name at another place (equal sketches, different indexes) is likely, never certainly, the same.
SAME_NAME_ELSEWHERE = 0.99


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


def employer_similarity(a: Case, b: Case) -> float | None:
    """How alike the two reports' employers are, from the blind index and sketch only (no name is opened):
    1.0 for the same index, ``None`` when either names none."""
    if not a.employer_index or not b.employer_index:
        return None
    if a.employer_index == b.employer_index:
        return 1.0
    similarity = sketch_similarity(a.employer_sketch, b.employer_sketch)
    return UNCOMPARED_SIMILARITY if similarity is None else min(similarity, SAME_NAME_ELSEWHERE)


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
        score = float(triage.duplicate_likelihood(case.categories, other.categories, days,
                                                  employer_similarity(case, other)))
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


def fingerprint(employer_index: str) -> str:
    """The short form of an index that pages show and the audit log records (the MAC's first ten digits)."""
    return employer_index[-64:][:10]


async def name_clusters(
    runtime: Runtime, principal: Principal, keyring: PrivateKeyring, indexes: list[str]
) -> dict[str, tuple[str, ...]]:
    """Each cluster's employer name(s), as the reporters wrote them, from its newest cases' sealed answers.

    One audit entry per cluster (``cluster.name``: the fingerprint and the cases opened) is committed before
    anything is decrypted; if it cannot be written, no name is shown.
    """
    if not indexes:
        return {}
    scope = visible_cases(principal)
    async with runtime.db.reading() as session:
        rows = (await session.execute(
            select(Case.employer_index, Case.id)
            .where(Case.employer_index.in_(indexes), scope)
            .order_by(Case.employer_index, Case.received_at.desc(), Case.id)
        )).all()
    samples: dict[str, list[str]] = {}
    for index, case_id in rows:
        if index is None:
            continue
        picked = samples.setdefault(index, [])
        if len(picked) < NAME_SAMPLES:
            picked.append(case_id)
    async with runtime.db.writing() as session:
        for index, case_ids in samples.items():
            await audit.append(
                session, runtime.audit_keys, actor=principal.actor, action="cluster.name", object_type="cluster",
                object_id=fingerprint(index), detail={"cases": case_ids},
            )
        await session.commit()
    wanted = [case_id for ids in samples.values() for case_id in ids]
    async with runtime.db.reading() as session:
        envelopes = dict((await session.execute(
            select(CaseField.case_id, CaseField.envelope)
            .where(CaseField.case_id.in_(wanted), CaseField.name == "answers")
        )).all())
    names: dict[str, tuple[str, ...]] = {}
    for index, case_ids in samples.items():
        spelled: dict[str, str] = {}
        for case_id in case_ids:
            if case_id not in envelopes:
                continue
            answers = msgspec.json.decode(keyring.open(envelopes[case_id], case_id=case_id, field="answers"),
                                          type=Answers)
            name = " ".join(answers.employer.split())
            if name:
                spelled.setdefault(name.casefold(), name)
        names[index] = tuple(spelled.values())
    return names


async def clusters_with_names(
    runtime: Runtime, principal: Principal, keyring: PrivateKeyring
) -> tuple[list[Cluster], dict[str, tuple[str, ...]]]:
    """The clusters page's rows and each one's name(s): one home for the page and the API."""
    async with runtime.db.reading() as session:
        rows = await employer_clusters(session, runtime.settings.cluster_alert_threshold)
    return rows, await name_clusters(runtime, principal, keyring, [c.employer_index for c in rows])
