"""Operations gauges for Prometheus, read from the database when ``/metrics`` is scraped.

The worker runs in its own process, so its work is measured where it is
recorded, in the database, by whichever app instance is scraped:

* ``signalement_outbox_backlog``: jobs waiting (pending, due or not);
* ``signalement_outbox_retrying{kind}``: pending jobs whose last attempt failed;
* ``signalement_outbox_failures_total{kind}``: jobs that failed for good (never decreases: rows stay);
* ``signalement_cases_sla_breached{urgency}``: open cases not yet triaged whose deadline has passed;
* ``signalement_triage_queue{urgency}``: open cases waiting for triage.

Labels are kinds and urgencies only: never a case, a path with a code, or a language-specific path.
Submissions by channel (``signalement_submissions_total``) are counted where they happen
(``metrics.events``); request counts and latency come from Litestar's middleware.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Metric
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from signalement.db.engine import Database
from signalement.db.models import Case, CaseStatus, OutboxJob, utcnow
from signalement.deadlines import breached_condition

URGENCIES = ("immediate", "high", "standard")
OUTBOX_KINDS = ("sms.send", "vault.rewrap", "maintenance.purge")


class Snapshot:
    def __init__(self) -> None:
        self.backlog = 0
        self.retrying: dict[str, int] = {}
        self.failed: dict[str, int] = {}
        self.breached: dict[str, int] = dict.fromkeys(URGENCIES, 0)
        self.queue: dict[str, int] = dict.fromkeys(URGENCIES, 0)


async def take_snapshot(db: Database) -> Snapshot:
    snap = Snapshot()
    now = utcnow()
    async with db.reading() as session:
        for kind, status, has_error, n in await session.execute(
            select(OutboxJob.kind, OutboxJob.status, OutboxJob.last_error.is_not(None), func.count())
            .where(OutboxJob.status.in_(("pending", "failed")))
            .group_by(OutboxJob.kind, OutboxJob.status, OutboxJob.last_error.is_not(None))
        ):
            if status == "pending":
                snap.backlog += int(n)
                if has_error:
                    snap.retrying[kind] = snap.retrying.get(kind, 0) + int(n)
            else:
                snap.failed[kind] = snap.failed.get(kind, 0) + int(n)
        waiting = (Case.is_open.is_(True), Case.status == CaseStatus.NEW)
        for urgency, n in await session.execute(
            select(Case.urgency, func.count()).where(*waiting).group_by(Case.urgency)
        ):
            snap.queue[urgency] = int(n)
        for urgency, n in await session.execute(
            select(Case.urgency, func.count()).where(*waiting, breached_condition(now)).group_by(Case.urgency)
        ):
            snap.breached[urgency] = int(n)
    return snap


class OperationsCollector(Collector):
    """Exposes the latest snapshot; ``/metrics`` refreshes it just before rendering."""

    def __init__(self) -> None:
        self.snapshot = Snapshot()

    def collect(self) -> Iterator[Metric]:
        s = self.snapshot
        yield GaugeMetricFamily("signalement_outbox_backlog", "Outbox jobs waiting to run", value=s.backlog)
        retrying = GaugeMetricFamily("signalement_outbox_retrying", "Pending outbox jobs whose last attempt failed",
                                     labels=["kind"])
        failures = CounterMetricFamily("signalement_outbox_failures", "Outbox jobs that failed for good",
                                       labels=["kind"])
        for kind in sorted(set(OUTBOX_KINDS) | set(s.retrying) | set(s.failed)):
            retrying.add_metric([kind], s.retrying.get(kind, 0))
            failures.add_metric([kind], s.failed.get(kind, 0))
        yield retrying
        yield failures
        breached = GaugeMetricFamily("signalement_cases_sla_breached",
                                     "Open cases not yet triaged past their deadline", labels=["urgency"])
        queue = GaugeMetricFamily("signalement_triage_queue", "Open cases waiting for triage", labels=["urgency"])
        for urgency in URGENCIES:
            breached.add_metric([urgency], s.breached.get(urgency, 0))
            queue.add_metric([urgency], s.queue.get(urgency, 0))
        yield breached
        yield queue


_COLLECTOR: OperationsCollector | None = None


def collector(registry: CollectorRegistry = REGISTRY) -> OperationsCollector:
    """The process's collector, registered once (the Prometheus registry is process-wide)."""
    global _COLLECTOR
    if _COLLECTOR is None:
        _COLLECTOR = OperationsCollector()
        registry.register(_COLLECTOR)
    return _COLLECTOR


async def refresh(db: Database) -> None:
    collector().snapshot = await take_snapshot(db)
