"""The research tier end to end: a researcher signs in, reads the numbers and comments, exports, analyses.

Runs on SQLite and PostgreSQL: the flush (INSERT ... ON CONFLICT) and the
aggregate queries are the parts that differ between the two.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from integration.research.conftest import http_client
from signalement import metrics
from signalement.db.models import FeedbackComment, FunnelCount, Role
from signalement.metrics.comments import store_comment
from signalement.metrics.research_key import research_public
from support.cases import submit
from support.officers import create_officer, sign_in

ROOT = Path(__file__).resolve().parents[3]


def population(runtime: Any) -> None:  # noqa: ANN401
    """A small population recorded the way the channels record it: 60 web visits, 12 of them in Punjabi."""
    for n in range(60):
        lang = "pa" if n % 5 == 0 else "en"
        arm = "danger-wording:" + ("plain" if n % 2 else "control")
        for step in ("what", "danger", "where")[: 1 + n % 3]:
            metrics.record(runtime, "step_reached", channel="web", language=lang, step=step, variant=arm)
        if n % 3 == 2:
            metrics.record(runtime, "submitted", channel="web", language=lang, variant=arm, seconds=60 * (1 + n % 9))
        answer = "yes" if n % 4 else "no"
        metrics.record(runtime, "feedback", channel="web", language=lang, step="receipt", field=answer)
    for _ in range(4):  # a rare combination: must never show as 4
        metrics.record(runtime, "step_reached", channel="voice", language="vi", step="what")


async def test_a_researcher_signs_in_reads_the_funnel_and_comments_and_exports_a_report(
    research_stack: Any, tmp_path: Path  # noqa: ANN401
) -> None:
    runtime = research_stack.runtime
    population(runtime)
    assert await runtime.recorder.flush(runtime.db) > 0
    async with runtime.db.reading() as s:
        assert await s.scalar(select(func.sum(FunnelCount.count))) > 100
    for _ in range(3):
        await submit(research_stack.base, province="QC")
    key = research_public(runtime.keystore)
    assert key is not None
    for n in range(12):
        await store_comment(runtime.db, key, page="receipt", channel="web", language="en", easy=bool(n % 2),
                            text=f"The second step was confusing ({n})")
    await store_comment(runtime.db, key, page="receipt", channel="web", language="vi", easy=True,
                        text="a lone comment from a small group")

    # Made as `signalement officer add --role researcher` makes it: the admin's master key opens the research key.
    researcher = await create_officer(runtime, research_stack.admin, Role.RESEARCHER, region=None)
    async with http_client(research_stack.app, "127.0.8.1") as client:
        token = await sign_in(client, runtime, researcher)
        home = await client.get("/officer/", follow_redirects=False)
        assert home.headers["location"] == "/research/"
        page = await client.get("/research/?days=30")
        assert page.status_code == 200 and "<script" not in page.text
        text = page.text
        assert "Visits that reached each step" in text and "<svg" in text and "&lt;10" in text
        assert text.count("The second step was confusing") == 12  # opened with the research key
        assert "a lone comment" not in text  # its group is under k
        assert re.search(r"<td>4</td>", text) is None
        # Flag, then delete, a comment.
        comment_id = re.search(r'/research/comments/([0-9a-f]{32})/flag', text).group(1)
        r = await client.post(f"/research/comments/{comment_id}/flag", data={"_csrf_token": token},
                              follow_redirects=False)
        assert r.status_code == 303
        async with runtime.db.reading() as s:
            assert (await s.get(FeedbackComment, comment_id)).flagged is True
        r = await client.post(f"/research/comments/{comment_id}/delete", data={"_csrf_token": token},
                              follow_redirects=False)
        assert r.status_code == 303
        async with runtime.db.reading() as s:
            assert await s.get(FeedbackComment, comment_id) is None
        # French works too.
        switched = await client.post("/officer/language",
                                     data={"_csrf_token": token, "language": "fr", "next": "/research/"})
        assert switched.status_code == 303
        fr_page = (await client.get("/research/")).text
        assert "Visites ayant atteint chaque étape" in fr_page
        export = await client.get("/research/export.json?days=30")
        csv_text = (await client.get("/research/export.csv?days=30")).text
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    report = export.json()["report"]
    assert report["k"] == 10 and report["experiments"][0]["name"] == "danger-wording"
    assert not report["experiments"][0]["enough"]  # 60 visits: "not enough data yet"
    voice = [c for c in report["cells"] if c["channel"] == "voice"]
    assert voice and all(c["count"] == "<10" for c in voice)
    assert ",<10" in csv_text and "voice" in csv_text and ",4\n" not in csv_text

    # research/analyze.py turns the export into Markdown and PNG charts.
    export_file = tmp_path / "export.json"
    export_file.write_bytes(export.content)
    out = tmp_path / "report"
    command = [sys.executable, str(ROOT / "research" / "analyze.py"), str(export_file), "--out", str(out)]
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    markdown = (out / "report.md").read_text()
    assert "## Funnel and drop-off" in markdown and "Not enough data yet" in markdown and "<10" in markdown
    for png in ("funnel.png", "dropoff.png", "satisfaction.png", "mix.png", "experiment-danger-wording.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        assert f"({png})" in markdown
    assert re.search(r"\| 4 \|", markdown) is None


async def test_comments_are_shredded_after_the_retention_period(research_stack: Any) -> None:  # noqa: ANN401
    from signalement.metrics.comments import shred_expired

    runtime = research_stack.runtime
    key = research_public(runtime.keystore)
    assert key is not None
    today = dt.date(2026, 11, 23)
    await store_comment(runtime.db, key, page="receipt", channel="web", language="en", easy=True, text="old",
                        today=today - dt.timedelta(days=181))
    await store_comment(runtime.db, key, page="receipt", channel="web", language="en", easy=True, text="recent",
                        today=today - dt.timedelta(days=179))
    assert await shred_expired(runtime.db, 180, today=today) == 1
    async with runtime.db.reading() as s:
        days = (await s.execute(select(FeedbackComment.day))).scalars().all()
    assert days == [today - dt.timedelta(days=179)]


async def test_metrics_endpoint_shows_operations_gauges_without_case_labels(research_stack: Any) -> None:  # noqa: ANN401
    runtime = research_stack.runtime
    receipt = await submit(research_stack.base, province="QC", danger="yes")
    metrics.record(runtime, "submitted", channel="sms", language="en")
    async with http_client(research_stack.app, "127.0.7.1") as client:
        assert (await client.get("/metrics")).status_code == 401
        await client.get("/en/report")
        r = await client.get("/metrics", headers={"authorization": f"Bearer {runtime.metrics_token}"})
    assert r.status_code == 200
    body = r.text
    assert "signalement_outbox_backlog " in body and "signalement_outbox_failures_total{kind=" in body
    assert re.search(r'signalement_triage_queue\{urgency="immediate"\} 1\.0', body)
    assert 'signalement_cases_sla_breached{urgency="immediate"}' in body
    assert 'signalement_submissions_total{channel="sms"}' in body
    assert "signalement_request_duration_seconds_bucket" in body and 'path="/{lang}/report"' in body
    assert receipt.case_code not in body and receipt.case_id not in body and 'path="/en/report"' not in body
