"""A day's work on the queue: find an employer's cases, assign many at once, export the view.

* **Employer search** never touches a clear-text column: the typed name (and place) is normalized and
  HMACed exactly as intake does (``vault.blind``), under every key in the list, and the queue matches the
  resulting indexes. The name itself goes no further than this request: the page redirects to the indexes.
* **Bulk assignment** is the one-case assignment (``actions.assign``) repeated: each case is checked,
  changed and audited on its own, so the log says which cases moved, not "some cases".
* **The CSV export** carries metadata only (no story, no employer, no notes), coarse dates in UTC, and
  every cell is guarded against spreadsheet formula injection. Each export is audited with its filter and
  row count before a byte leaves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import msgspec

from signalement import audit
from signalement.errors import ConflictError, NotFoundError, SignalementError
from signalement.i18n import gettext
from signalement.officer import actions
from signalement.officer.queue import QueueFilter, QueueRow, list_queue
from signalement.runtime import Runtime
from signalement.staff.access import Principal
from signalement.vault.blind import BlindIndexer

# A day's view, not a dump: more than this and the officer is asked to narrow the filter.
EXPORT_LIMIT = 5000
EXPORT_PAGE = 200
BULK_LIMIT = 100
EXPORT_COLUMNS = (
    "case_code", "categories", "urgency", "danger_now", "province", "channel", "language", "status",
    "received_on_utc", "due_on_utc",
)
# A cell a spreadsheet would read as a formula (or a DDE call) starts with one of these (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


class EmployerNameTooShortError(SignalementError):
    """The typed employer name has fewer than two letters or digits once normalized: nothing to match."""

    title = "Employer name too short"

    def explain(self) -> str:
        return gettext("Type the employer's name as the reporter wrote it (at least two letters or digits).")


class NothingSelectedError(SignalementError):
    """A bulk assignment with no case ticked, or more than a page of them."""

    title = "No cases selected"

    def explain(self) -> str:
        return gettext("Tick the cases to assign (up to %(n)d at a time), then choose who takes them.") % {
            "n": BULK_LIMIT}


class ExportTooLargeError(SignalementError):
    """The view holds more cases than one export carries."""

    title = "Too many cases to export"

    def explain(self) -> str:
        return gettext("This view holds more than %(n)d cases. Narrow the filter, then export again.") % {
            "n": EXPORT_LIMIT}


class BulkResult(msgspec.Struct, frozen=True, kw_only=True):
    assigned: int
    skipped: int  # not visible, closed, or gone since the page was drawn


def employer_indexes(blind: BlindIndexer, name: str, place: str = "") -> tuple[str, ...]:
    """The indexes a report naming this employer carries: with the place typed and with none (a reporter who
    gave no town or site), under every blind-index key. ``EmployerNameTooShortError`` if nothing is left."""
    found = blind.all_employer_indexes(name, place) if place.strip() else []
    found += blind.all_employer_indexes(name, "")
    if not found:
        raise EmployerNameTooShortError
    return tuple(dict.fromkeys(found))


async def assign_many(
    runtime: Runtime, principal: Principal, case_ids: Sequence[str], assignee_id: int | None
) -> BulkResult:
    """Assign each case in turn, each in its own transaction and audit entry; cases that cannot be assigned
    (outside the caller's scope, closed) are skipped and counted, an unknown assignee stops the whole batch."""
    ids = list(dict.fromkeys(case_ids))
    if not ids or len(ids) > BULK_LIMIT:
        raise NothingSelectedError
    assigned = skipped = 0
    for case_id in ids:
        try:
            await actions.assign(runtime, principal, case_id, assignee_id)
        except actions.InvalidAssigneeError:
            raise
        except (NotFoundError, ConflictError):
            skipped += 1
        else:
            assigned += 1
    return BulkResult(assigned=assigned, skipped=skipped)


async def export_view(runtime: Runtime, principal: Principal, f: QueueFilter) -> list[QueueRow]:
    """Every row of the view (all pages, in its order), audited before anything is returned."""
    rows: list[QueueRow] = []
    after = None
    async with runtime.db.reading() as session:
        while True:
            page = await list_queue(session, principal, msgspec.structs.replace(f, after=after, limit=EXPORT_PAGE))
            rows += page.rows
            if len(rows) > EXPORT_LIMIT:
                raise ExportTooLargeError
            if page.next_cursor is None:
                break
            after = page.rows[-1].cursor
    async with runtime.db.writing() as session:
        await audit.append(
            session, runtime.audit_keys, actor=principal.actor, action="queue.export", object_type="queue",
            detail={**describe_filter(f), "rows": len(rows)},
        )
        await session.commit()
    return rows


def describe_filter(f: QueueFilter) -> dict[str, object]:
    """The filter as the audit log keeps it: what was asked for, never a typed name (employers as indexes'
    MACs cut short, as the clusters page shows them)."""
    detail: dict[str, object] = {
        k: v for k, v in msgspec.structs.asdict(f).items()
        if k not in ("after", "limit", "employer", "q") and v not in (None, False, "")
    }
    if f.q:
        detail["q"] = f.q[:32]
    if f.employer:
        detail["employer"] = [e[-64:][:10] for e in f.employer]
    return detail


def guard_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: formula starters get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: Iterable[QueueRow]) -> str:
    """Metadata only, dates in UTC to the day: the file leaves the workspace for other places and zones."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        writer.writerow(guard_cell(v) for v in (
            r.case_code, ";".join(r.categories), r.urgency, "yes" if r.danger_now else "no", r.province or "",
            r.channel, r.language, r.status, r.received_at.date().isoformat(), r.sla_due_at.date().isoformat(),
        ))
    return out.getvalue()
