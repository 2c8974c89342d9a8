"""The triage queue: most urgent first, danger now first within an urgency, then soonest due; keyset pages.

``sort=deadline`` reads the same positions but merges them all by deadline (soonest first, whatever the
urgency): each position's stream is already in ``(sla_due_at, id)`` order, so the merge stays a keyset walk.

The default order is ``(urgency_rank, danger first, sla_due_at, id)``: a
reporter hiding from a beating must not wait behind same-urgency cases
without the flag. Every query is shaped so that a B-tree index already holds
rows in ``(sla_due_at, id)`` order behind an equality prefix (migrations 0003,
0005 and 0012): the database walks the index and stops after one page,
whatever the table size. The queue is read as *positions*, one per
(urgency, danger) pair in queue order; each position is one or more
index-ordered queries, merged here, and positions are read in order until
the page is full (a page of immediate cases never touches the others):

* an officer sees "my region OR assigned to me": one branch per side;
* "all statuses" is one branch for open cases and one for closed ones;
* "SLA breached" needs nothing more: breached cases lead each position's run
  (those whose clock is stopped, ``deadlines``, are skipped as the run is read).

Categories are a bit mask; each category has a partial index (0005) whose
predicate is exactly ``(categories & bit) <> 0``, with the bit written as a
literal so the planner can match it.

Counts per urgency and the breached-SLA count cover the caller's whole open
queue (not the current filter): they answer "what is on my plate". The counts
are index-only scans of the ``(is_open, urgency_rank, sla_due_at)`` index; the
breached count reads the overdue range and each such case's waiting state
(``deadlines``: a case waiting for the reporter or a partner is not late).
Both are kept for ``COUNTS_TTL_SECONDS`` in the shared store (``CountsCache``).
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import re
from collections.abc import Iterator
from typing import Any

import msgspec
from litestar.stores.base import Store
from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    String,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from signalement.db.models import Case, CaseStatus, Role, UTCDateTime, utcnow
from signalement.deadlines import breached_condition, is_breached
from signalement.errors import SignalementError
from signalement.i18n import gettext
from signalement.receipts import parse_code
from signalement.staff.access import Principal
from signalement.triage.taxonomy import CATEGORIES, CATEGORY_BIT, URGENCIES, URGENCY_RANK

PAGE_SIZE = 50
COUNTS_TTL_SECONDS = 20
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# rank.danger.micros.id; a cursor from before 0012 (rank.micros.id) reads as "not danger", where it was.
CURSOR = re.compile(r"^([0-2])\.(?:([01])\.)?([0-9]{1,16})\.([0-9a-f]{32})$")
CURSOR_PATTERN = CURSOR.pattern
ASSIGNEE_PATTERN = r"^(me|none|[1-9][0-9]{0,8})$"
EMPLOYER_PATTERN = r"^[A-Za-z0-9_-]{1,24}:[0-9a-f]{64}$"
EMPLOYER = re.compile(EMPLOYER_PATTERN)
# The orders the queue knows (``?sort=``): the first is the default. Anything else is refused, not ignored.
SORTS = ("urgency", "deadline")


class UnknownSortError(SignalementError):
    """``sort=`` names an order the queue does not know."""

    title = "Unknown sort order"

    def __init__(self, asked: str) -> None:
        super().__init__(asked[:32])
        self.asked = asked[:32]

    def explain(self) -> str:
        return gettext('The queue cannot be sorted by "%(asked)s". Sort by: %(known)s.') % {
            "asked": self.asked, "known": ", ".join(SORTS)}


class InvalidEmployerIndexError(SignalementError):
    """``employer=`` is not a blind index (indexes come from a cluster link or the employer search)."""

    title = "Not an employer index"

    def explain(self) -> str:
        return gettext("This employer filter is not one the workspace made. Open the employer from the clusters "
                       "page or search for it by name.")


def check_employers(values: list[str] | None) -> tuple[str, ...]:
    """Employer blind indexes as given, each checked; a bad one is refused, never matched as text."""
    for value in values or ():
        if not EMPLOYER.match(value):
            raise InvalidEmployerIndexError
    return tuple(dict.fromkeys(values or ()))


def check_sort(value: str | None) -> str:
    """The sort key, or ``UnknownSortError``: a mistyped ``sort=`` must not quietly show another order."""
    if value is None or value == "":
        return SORTS[0]
    if value not in SORTS:
        raise UnknownSortError(value)
    return value

LIST_COLUMNS = (
    Case.id,
    Case.case_code,
    Case.status,
    Case.urgency,
    Case.urgency_rank,
    Case.categories,
    Case.province,
    Case.region,
    Case.channel,
    Case.language,
    Case.received_at,
    Case.sla_due_at,
    Case.assignee_id,
    Case.employer_index,
    Case.legal_hold,
    Case.police_flag,
    Case.danger_now,
    Case.waiting_for,
)


class InvalidCursorError(ValueError):
    """A pagination cursor that this service did not produce."""


class Cursor(msgspec.Struct, frozen=True):
    urgency_rank: int
    sla_due_at: dt.datetime
    id: str
    danger_now: bool = False

    @property
    def position(self) -> tuple[int, int]:
        return position_of(self.urgency_rank, self.danger_now)

    def encode(self) -> str:
        micros = (self.sla_due_at - EPOCH) // dt.timedelta(microseconds=1)  # exact, unlike float seconds
        return f"{self.urgency_rank}.{int(self.danger_now)}.{micros}.{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        m = CURSOR.match(text)
        if not m:
            raise InvalidCursorError(text[:40])
        due = EPOCH + dt.timedelta(microseconds=int(m.group(3)))
        return cls(int(m.group(1)), due, m.group(4), m.group(2) == "1")


def position_of(urgency_rank: int, danger_now: bool) -> tuple[int, int]:
    """Where a case's run sits in the queue: by urgency, and within it danger now first."""
    return (urgency_rank, 0 if danger_now else 1)


class QueueFilter(msgspec.Struct, frozen=True, kw_only=True):
    status: str = "open"
    urgency: str | None = None
    category: str | None = None
    province: str | None = None
    region: str | None = None
    channel: str | None = None
    language: str | None = None
    assignee: str | None = None  # "me", "none" or an officer id
    breached: bool = False
    danger: bool = False  # only cases whose reporter said they are in danger now
    q: str | None = None  # a case code as typed or read out (spaces, dashes, any script's digits)
    employer: tuple[str, ...] = ()  # blind indexes: a cluster's, or a typed name's under every key
    sort: str = SORTS[0]
    after: Cursor | None = None
    limit: int = PAGE_SIZE


class QueueRow(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    case_code: str
    status: str
    urgency: str
    urgency_rank: int
    categories: tuple[str, ...]
    province: str | None
    region: str | None
    channel: str
    language: str
    received_at: dt.datetime
    sla_due_at: dt.datetime
    breached: bool
    assignee_id: int | None
    employer_index: str | None
    legal_hold: bool
    police_flag: bool
    danger_now: bool
    waiting_for: str | None = None  # deadlines.Waiting: reporter and partner stop the clock

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.urgency_rank, self.sla_due_at, self.id, self.danger_now)

    @property
    def sort_key(self) -> tuple[int, int, dt.datetime, str]:
        return (*position_of(self.urgency_rank, self.danger_now), self.sla_due_at, self.id)


class QueuePage(msgspec.Struct, frozen=True, kw_only=True):
    rows: tuple[QueueRow, ...]
    next_cursor: str | None


class QueueCounts(msgspec.Struct, frozen=True, kw_only=True):
    open_by_urgency: dict[str, int]
    breached: int


def _status_branches(status: str) -> list[list[ColumnElement[bool]]]:
    if status == "open":
        return [[Case.is_open == true()]]
    if status == "closed":
        return [[Case.is_open == false()]]
    if status == "all":
        return [[Case.is_open == true()], [Case.is_open == false()]]
    # Every status but "closed" is open: saying so lets an (is_open, ...) index narrow the walk too.
    return [[Case.status == CaseStatus(status).value, Case.is_open == (status != CaseStatus.CLOSED)]]


def _scope_branches(principal: Principal) -> list[list[ColumnElement[bool]]]:
    if principal.role is Role.SUPERVISOR:
        return [[]]
    if principal.role is Role.OFFICER:
        mine = [Case.assignee_id == principal.officer_id]
        return [[Case.region == principal.region], mine] if principal.region else [mine]
    return []


def _positions(f: QueueFilter) -> list[tuple[int, bool]]:
    """(urgency rank, danger now) pairs the filter allows, in queue order, from the cursor's onwards."""
    ranks = [URGENCY_RANK[f.urgency]] if f.urgency else range(len(URGENCIES))
    found = [(rank, danger) for rank in ranks for danger in ((True,) if f.danger else (True, False))]
    if f.after is not None and f.sort == "urgency":
        found = [p for p in found if position_of(*p) >= f.after.position]
    return found


def _position_conditions(
    rank: int, danger: bool, after: Cursor | None, sort: str = SORTS[0]
) -> list[ColumnElement[bool]]:
    # ``cases.danger_now`` bare (SQLAlchemy would write ``= 1`` on SQLite): the 0012 partial index's predicate,
    # verbatim, which is what lets SQLite's planner use that index at all.
    conds = [Case.urgency_rank == literal_column(str(int(rank)), Integer),
             literal_column("cases.danger_now") if danger else not_(Case.danger_now)]
    # By deadline, every position resumes after the cursor's (deadline, id); by urgency, only the cursor's own.
    if after is not None and (sort == "deadline" or position_of(rank, danger) == after.position):
        conds.append(tuple_(Case.sla_due_at, Case.id) > tuple_(_bind_time(after.sla_due_at), _bind_id(after.id)))
    return conds


def category_condition(code: str) -> ColumnElement[bool]:
    """``(categories & <bit>) <> 0`` with the bit as a literal, matching the partial index predicate."""
    bit = CATEGORY_BIT[code]
    return Case.categories.op("&")(literal_column(str(int(bit)))) != literal_column("0")


def _common(principal: Principal, f: QueueFilter, now: dt.datetime) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.q:
        code = parse_code(f.q)
        conds.append(Case.case_code == code if code else false())  # not a code (or a mistyped one): nothing
    if f.urgency:
        conds.append(Case.urgency_rank == URGENCY_RANK[f.urgency])
    if f.category:
        conds.append(category_condition(f.category))
    for column, value in (
        (Case.province, f.province),
        (Case.region, f.region),
        (Case.channel, f.channel),
        (Case.language, f.language),
    ):
        if value:
            conds.append(column == value)
    if f.employer:
        conds.append(Case.employer_index.in_(f.employer))
    if f.assignee == "me":
        conds.append(Case.assignee_id == principal.officer_id)
    elif f.assignee == "none":
        conds.append(Case.assignee_id.is_(None))
    elif f.assignee:
        conds.append(Case.assignee_id == int(f.assignee))
    if f.breached:
        conds.append(breached_condition(now))  # a case waiting for the reporter or a partner is not late
        if f.status in ("all", "closed"):
            conds.append(Case.is_open == true())
    return conds


def _bind_time(value: dt.datetime) -> ColumnElement[dt.datetime]:
    return bindparam(None, value, type_=UTCDateTime())


def _bind_id(value: str) -> ColumnElement[str]:
    return bindparam(None, value, type_=String(32))


def _to_row(r: Row[*tuple[Any, ...]], now: dt.datetime) -> QueueRow:
    """A queue row from the columns of ``LIST_COLUMNS``, read by name."""
    due: dt.datetime = r.sla_due_at
    return QueueRow(
        id=r.id,
        case_code=r.case_code,
        status=r.status,
        urgency=r.urgency,
        urgency_rank=r.urgency_rank,
        categories=_categories(r.categories),
        province=r.province,
        region=r.region,
        channel=r.channel,
        language=r.language,
        received_at=r.received_at,
        sla_due_at=due,
        breached=is_breached(is_open=r.status != CaseStatus.CLOSED, due=due, waiting_for=r.waiting_for, now=now),
        assignee_id=r.assignee_id,
        employer_index=r.employer_index,
        legal_hold=r.legal_hold,
        police_flag=r.police_flag,
        danger_now=r.danger_now,
        waiting_for=r.waiting_for,
    )


def _categories(mask: int) -> tuple[str, ...]:
    return tuple(code for i, code in enumerate(CATEGORIES) if int(mask) >> i & 1)


async def list_queue(
    session: AsyncSession, principal: Principal, f: QueueFilter, now: dt.datetime | None = None
) -> QueuePage:
    """One page of the caller's queue, in the filter's order (queue order unless ``sort=deadline``)."""
    now = now or utcnow()
    limit = max(1, min(f.limit, 200))
    common = _common(principal, f, now)
    if f.sort == "deadline":
        return await _by_deadline(session, principal, f, common, limit, now)
    merged: list[QueueRow] = []
    seen: set[str] = set()
    # Every case of a position comes before every case of the next: read positions in order, stop when full.
    for rank, danger in _positions(f):
        streams = [
            await _stream(session, branch, [*_position_conditions(rank, danger, f.after), *common],
                          limit + 1 - len(merged), now)
            for branch in itertools.product(_status_branches(f.status), _scope_branches(principal))
        ]
        for row in heapq.merge(*streams, key=lambda r: r.sort_key):
            if row.id in seen:  # in my region *and* assigned to me
                continue
            seen.add(row.id)
            merged.append(row)
            if len(merged) > limit:
                break
        if len(merged) > limit:
            break
    return _page(iter(merged), limit)


async def _by_deadline(
    session: AsyncSession, principal: Principal, f: QueueFilter, common: list[ColumnElement[bool]], limit: int,
    now: dt.datetime,
) -> QueuePage:
    """Every position can hold the next soonest deadline: each position and branch is an index walk of
    ``(sla_due_at, id)`` keys that stops after a page, all in one ``UNION ALL`` statement (one round trip, not
    one per walk), ordered by deadline; then the page's rows are loaded in one query."""
    walks = [
        select(Case.sla_due_at, Case.id)
        .where(and_(*itertools.chain.from_iterable(branch), *_position_conditions(rank, danger, f.after, f.sort),
                    *common))
        .order_by(Case.urgency_rank, Case.sla_due_at, Case.id)
        .limit(limit + 1)
        .subquery()
        for rank, danger in _positions(f)
        for branch in itertools.product(_status_branches(f.status), _scope_branches(principal))
    ]
    if not walks:
        return QueuePage(rows=(), next_cursor=None)
    keys = union_all(*(select(w.c.sla_due_at, w.c.id) for w in walks)).subquery()
    # DISTINCT: a case in my region *and* assigned to me comes from two walks with the same key.
    stmt = select(keys.c.sla_due_at, keys.c.id).distinct().order_by(keys.c.sla_due_at, keys.c.id).limit(limit + 1)
    wanted = [case_id for _, case_id in (await session.execute(stmt)).all()]
    loaded = {r.id: _to_row(r, now) for r in (await session.execute(
        select(*LIST_COLUMNS).where(Case.id.in_(wanted)))).all()}
    return _page((loaded[i] for i in wanted if i in loaded), limit)


async def _stream(
    session: AsyncSession, branch: tuple[list[ColumnElement[bool]], ...], conds: list[ColumnElement[bool]],
    limit: int, now: dt.datetime,
) -> list[QueueRow]:
    """One index-ordered run: a status branch and a scope branch within one position."""
    stmt = (
        select(*LIST_COLUMNS)
        .where(and_(*itertools.chain.from_iterable(branch), *conds))
        .order_by(Case.urgency_rank, Case.sla_due_at, Case.id)
        .limit(limit)
    )
    return [_to_row(r, now) for r in (await session.execute(stmt)).all()]


def _page(ordered: Iterator[QueueRow], limit: int) -> QueuePage:
    """The first ``limit`` distinct rows (a case can be in my region *and* assigned to me) and the cursor."""
    rows: list[QueueRow] = []
    seen: set[str] = set()
    for row in ordered:
        if row.id in seen:
            continue
        seen.add(row.id)
        rows.append(row)
        if len(rows) > limit:
            break
    page = tuple(rows[:limit])
    return QueuePage(rows=page, next_cursor=page[-1].cursor.encode() if len(rows) > limit and page else None)


async def count_matching(
    session: AsyncSession, principal: Principal, f: QueueFilter, now: dt.datetime | None = None
) -> int:
    """How many cases the filter selects in the caller's scope (all pages). The page shows it only when a
    filter is set: the unfiltered queue has its counts per urgency."""
    now = now or utcnow()
    branches = [
        and_(*conds) if conds else true()
        for conds in (
            list(itertools.chain.from_iterable(b))
            for b in itertools.product(_status_branches(f.status), _scope_branches(principal))
        )
    ]
    if not branches:
        return 0
    conds = [or_(*branches), *_common(principal, f, now)]
    if f.danger:
        conds.append(Case.danger_now == true())
    return int(await session.scalar(select(func.count()).select_from(Case).where(*conds)) or 0)


class CountsCache:
    """Counts per urgency for a few seconds, in the shared store: at a million cases they cost an index-only
    scan of every open case, and "what is on my plate" does not need to be exact to the second."""

    def __init__(self, store: Store, ttl_seconds: int = COUNTS_TTL_SECONDS) -> None:
        self.store = store
        self.ttl = ttl_seconds

    @staticmethod
    def key(principal: Principal) -> str:
        if principal.role is Role.SUPERVISOR:
            return "counts:all"
        return f"counts:officer:{principal.officer_id}:{principal.region or ''}"

    async def get(self, session: AsyncSession, principal: Principal) -> QueueCounts:
        key = self.key(principal)
        raw = await self.store.get(key)
        if raw is not None:
            return msgspec.msgpack.decode(raw, type=QueueCounts)
        counts = await queue_counts(session, principal)
        await self.store.set(key, msgspec.msgpack.encode(counts), expires_in=self.ttl)
        return counts


async def queue_counts(
    session: AsyncSession, principal: Principal, now: dt.datetime | None = None
) -> QueueCounts:
    """Open cases per urgency and how many are really past their deadline, over the caller's whole queue.

    The counts per urgency stay an index-only scan; the breached count reads only the overdue part of the
    index and checks each such case's waiting state (``deadlines``: waiting for the reporter or a partner
    is not late)."""
    now = now or utcnow()
    branches: list[list[ColumnElement[bool]]]
    if principal.role is Role.SUPERVISOR:
        branches = [[]]
    elif principal.role is Role.OFFICER:
        mine = Case.assignee_id == principal.officer_id
        if principal.region:
            outside = or_(Case.region.is_(None), Case.region != principal.region)
            branches = [[Case.region == principal.region], [mine, outside]]
        else:
            branches = [[mine]]
    else:
        branches = []
    by_rank = dict.fromkeys(range(len(URGENCIES)), 0)
    breached = 0
    for conds in branches:
        stmt = (
            select(Case.urgency_rank, func.count())
            .where(Case.is_open == true(), *conds)
            .group_by(Case.urgency_rank)
        )
        for rank, n in (await session.execute(stmt)).all():
            by_rank[rank] = by_rank.get(rank, 0) + int(n)
        late = select(func.count()).select_from(Case).where(Case.is_open == true(), *conds, breached_condition(now))
        breached += int(await session.scalar(late) or 0)
    return QueueCounts(
        open_by_urgency={URGENCIES[r]: n for r, n in by_rank.items() if r < len(URGENCIES)}, breached=breached
    )
