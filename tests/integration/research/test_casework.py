"""Case handling figures, aggregated in SQL, match a per-case computation exactly, on both databases."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from signalement.db.models import AuditEntry, Case, Message
from signalement.metrics import aggregates, casework, stats

pytestmark = pytest.mark.both_databases  # window functions and time arithmetic differ per dialect

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
SLA = {"immediate": dt.timedelta(hours=24), "high": dt.timedelta(days=2), "standard": dt.timedelta(days=10)}
K = 5


def _reference_quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = int(pos + 1e-9)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


async def _seed(db: Any, rng: random.Random) -> list[dict[str, Any]]:  # noqa: ANN401
    truth = []
    seq = 1_000_000  # past the stack's own audit entries
    async with db.writing() as session:
        for i in range(160):
            urgency = rng.choice(tuple(SLA))
            received = NOW - dt.timedelta(hours=rng.randint(1, 40 * 24))
            case_id = f"{i:032x}"
            session.add(Case(id=case_id, case_code=f"T{i:06d}", submission_key=f"t:{i}",
                             channel=rng.choice(("web", "web", "sms", "voice")),
                             language=rng.choice(("en", "fr", "pa")),
                             urgency=urgency, urgency_rank=0, auto_urgency=urgency, received_at=received,
                             sla_due_at=received + SLA[urgency], receipt_kdf={}, receipt_verifier=b"v",
                             followup_public_key=b"k"))
            await session.flush()
            statuses = [received + dt.timedelta(minutes=rng.randint(-5, 5000)) for _ in range(rng.choice((0, 1, 1, 2)))]
            replies = [received + dt.timedelta(minutes=rng.randint(10, 9000)) for _ in range(rng.choice((0, 1, 2)))]
            followed = rng.random() < 0.3
            for at in statuses:
                seq += 1
                session.add(AuditEntry(seq=seq, at=at, actor="officer:1", action="case.status", object_type="case",
                                       object_id=case_id, detail={}, key_id="k", prev_mac="0", mac="0"))
            seq += 1  # another action on the same case never counts as triage
            session.add(AuditEntry(seq=seq, at=received, actor="officer:1", action="case.view", object_type="case",
                                   object_id=case_id, detail={}, key_id="k", prev_mac="0", mac="0"))
            for at in replies:
                session.add(Message(case_id=case_id, author="officer", channel="web", created_at=at, key_id="k",
                                    envelope=b"e"))
            if followed:
                session.add(Message(case_id=case_id, author="reporter", channel="web",
                                    created_at=received + dt.timedelta(hours=3), key_id="k", envelope=b"e"))
            truth.append({"urgency": urgency, "received": received,
                          "due": received + SLA[urgency], "status": min(statuses, default=None),
                          "reply": min(replies, default=None), "followed": followed})
        await session.commit()
    return truth


def _hours(delta: dt.timedelta) -> float:
    return max(0.0, delta.total_seconds() / 3600)


async def test_case_handling_matches_a_per_case_computation(stack: Any) -> None:  # noqa: ANN401
    db = stack.runtime.db
    truth = await _seed(db, random.Random(14))
    figures = await casework.load(db, NOW - dt.timedelta(days=60), NOW + dt.timedelta(hours=1), channel="",
                                  language="", now=NOW, k=K)
    assert figures.total == len(truth)
    assert figures.followed == sum(t["followed"] for t in truth)
    for row in figures.casework:
        group = [t for t in truth if t["urgency"] == row.urgency or not row.urgency]
        triage = [_hours(t["status"] - t["received"]) for t in group if t["status"]]
        reply = [_hours(t["reply"] - t["received"]) for t in group if t["reply"]]
        met = breached = pending = 0
        for t in group:
            first = min((x for x in (t["status"], t["reply"]) if x is not None), default=None)
            if first is not None:
                met, breached = (met + 1, breached) if first <= t["due"] else (met, breached + 1)
            elif NOW > t["due"]:
                breached += 1
            else:
                pending += 1
        assert row.cases == stats.suppress(len(group), K)
        assert (row.sla_met, row.sla_breached, row.sla_pending) == (
            stats.suppress(met, K), stats.suppress(breached, K), stats.suppress(pending, K)), row.urgency
        assert row.compliance == stats.shown_rate(met, met + breached, K)
        for got, values, q in ((row.triage_median_hours, triage, 0.5), (row.triage_p90_hours, triage, 0.9),
                               (row.reply_median_hours, reply, 0.5), (row.reply_p90_hours, reply, 0.9)):
            expected = _reference_quantile(values, q) if len(values) >= K else None
            assert (got is None) == (expected is None), (row.urgency, q)
            if expected is not None:
                assert got == pytest.approx(expected, abs=1e-6), (row.urgency, q)


async def test_no_case_figure_under_k_reaches_the_report(stack: Any) -> None:  # noqa: ANN401
    db = stack.runtime.db
    await _seed(db, random.Random(15))
    filters = aggregates.Filters(since=NOW.date() - dt.timedelta(days=60), until=NOW.date(), language="pa",
                                 channel="voice")
    report = await aggregates.build_report(db, filters, k=50, experiment=None, min_sample=10, now=NOW)
    for row in report.casework:
        for value in (row.cases, row.sla_met, row.sla_breached, row.sla_pending):
            assert not isinstance(value, int) or value == 0 or value >= 50
        assert row.triage_median_hours is None and row.compliance is None
    for share in (*report.channel_mix, *report.language_mix, report.digital_share, report.followup_cases):
        assert not isinstance(share.count, int) or share.count == 0 or share.count >= 50
