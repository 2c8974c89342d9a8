"""Feedback comments in the research tier: every flag and delete is audited; retention, k and the day hold.

Each claim the research docs make about comments has a test here or in
``reporter/test_feedback.py`` (scrubbed and sealed) and
``test_research_pages.py`` (opened with the research key, a group under k
never listed, shredded after the retention period).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect, select, text, update

from integration.research.conftest import http_client
from signalement import audit
from signalement.app import create_app
from signalement.db.models import AuditEntry, FeedbackComment, Role, utcnow
from signalement.metrics.comments import store_comment
from signalement.metrics.research_key import research_public
from signalement.runtime import Runtime
from support.officers import create_officer, sign_in


async def _comments(runtime: Any, n: int, language: str = "en", **kw: Any) -> list[str]:  # noqa: ANN401
    key = research_public(runtime.keystore)
    assert key is not None
    ids = []
    for i in range(n):
        comment_id = await store_comment(runtime.db, key, page="receipt", channel="web", language=language,
                                         easy=bool(i % 2), text=f"The upload step was slow ({language} {i})", **kw)
        assert comment_id is not None
        ids.append(comment_id)
    return ids


async def _entries(runtime: Any, object_id: str) -> list[AuditEntry]:  # noqa: ANN401
    async with runtime.db.reading() as s:
        return list((await s.execute(select(AuditEntry).where(AuditEntry.object_id == object_id)
                                     .order_by(AuditEntry.seq))).scalars().all())


async def test_flag_unflag_and_delete_are_each_audited_with_the_researcher_and_never_the_text(
    research_stack: Any,  # noqa: ANN401
) -> None:
    runtime = research_stack.runtime
    ids = await _comments(runtime, 12)
    researcher = await create_officer(runtime, research_stack.admin, Role.RESEARCHER, region=None)
    async with http_client(research_stack.app, "127.0.9.1") as client:
        token = await sign_in(client, runtime, researcher)
        page = (await client.get("/research/")).text
        target = re.search(r"/research/comments/([0-9a-f]{32})/flag", page).group(1)  # type: ignore[union-attr]
        assert target in ids
        for action in ("flag", "unflag", "delete"):
            r = await client.post(f"/research/comments/{target}/{action}", data={"_csrf_token": token},
                                  follow_redirects=False)
            assert r.status_code == 303, action
        # An unknown comment is a 404 and writes nothing to the log.
        before = len(await _entries(runtime, "0" * 32))
        missing = await client.post(f"/research/comments/{'0' * 32}/delete", data={"_csrf_token": token},
                                    follow_redirects=False)
        assert missing.status_code == 404 and len(await _entries(runtime, "0" * 32)) == before
        # Without the CSRF token nothing happens and nothing is logged.
        other = ids[0] if ids[0] != target else ids[1]
        forged = await client.post(f"/research/comments/{other}/delete", follow_redirects=False)
        assert forged.status_code == 403 and await _entries(runtime, other) == []

    entries = await _entries(runtime, target)
    assert [e.action for e in entries] == ["research.comment_flag", "research.comment_unflag",
                                           "research.comment_delete"]
    assert {e.actor for e in entries} == {researcher.username}
    assert {e.object_type for e in entries} == {"feedback_comment"}
    assert all(e.detail == {} for e in entries)  # never the comment's words
    async with runtime.db.reading() as s:
        assert await s.get(FeedbackComment, target) is None
        assert (await audit.verify(s, runtime.audit_keys)).ok

    # Tamper-evident: a database insider who rewrites the deletion's entry (to hide who did it) breaks the chain.
    async with runtime.db.writing() as s:
        await s.execute(update(AuditEntry).where(AuditEntry.seq == entries[-1].seq).values(actor="someone-else"))
        await s.commit()
    async with runtime.db.reading() as s:
        result = await audit.verify(s, runtime.audit_keys)
    assert not result.ok and f"entry {entries[-1].seq} was altered" in result.problems


async def test_the_app_shreds_comments_past_the_configured_retention_on_its_own(research_stack: Any) -> None:  # noqa: ANN401
    settings = msgspec.structs.replace(research_stack.runtime.settings, feedback_retention_days=30)
    runtime = Runtime(settings)
    try:
        today = utcnow().date()
        old = await _comments(runtime, 2, today=today - dt.timedelta(days=31))
        kept = await _comments(runtime, 2, today=today - dt.timedelta(days=29))
        # The flusher's housekeeping runs on its timer and once more at shutdown: start and stop the app.
        async with AsyncTestClient(create_app(settings, runtime=runtime)) as client:
            assert (await client.get("/healthz")).status_code == 200
        async with runtime.db.reading() as s:
            left = set((await s.execute(select(FeedbackComment.id))).scalars())
        assert left == set(kept) and not left & set(old)
    finally:
        await runtime.close()


async def test_a_comment_carries_a_day_never_an_hour_and_never_reaches_an_export(research_stack: Any) -> None:  # noqa: ANN401
    runtime = research_stack.runtime
    ids = await _comments(runtime, 12)
    async with runtime.db.writer.connect() as conn:
        columns = await conn.run_sync(lambda sync: inspect(sync).get_columns("feedback_comments"))
        stored = (await conn.execute(text("SELECT day FROM feedback_comments"))).scalars().all()
    types = {c["name"]: str(c["type"]).upper() for c in columns}
    assert types["day"] == "DATE" and not any("TIME" in t for t in types.values()), types
    assert {str(v) for v in stored} == {utcnow().date().isoformat()}  # a bare date as stored: no hour anywhere
    researcher = await create_officer(runtime, research_stack.admin, Role.RESEARCHER, region=None)
    async with http_client(research_stack.app, "127.0.9.2") as client:
        await sign_in(client, runtime, researcher)
        assert "The upload step was slow" in (await client.get("/research/")).text  # 12 ≥ k: listed
        for path in ("/research/export.json", "/research/export.csv"):
            body = (await client.get(path)).text
            assert "upload step" not in body and not any(i in body for i in ids), path
