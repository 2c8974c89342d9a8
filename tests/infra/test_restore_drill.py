"""The backup drill of docs/operations.md, on the real PostgreSQL with the real pg_dump and pg_restore.

A report is filed through the web app, the database is dumped (``pg_dump -Fc``) and restored into a
fresh database (``pg_restore``), and a new app pointed at the restored database with the same key store
shows the case in a signed-in officer's queue and opens it; the reporter's receipt still opens the
follow-up page, and the audit chain still verifies. What a restore needs besides the dump (the key
store, the pepper and the other key lists) is exactly what this test carries over.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest

from integration.reporter.reporting import STORY, Reporter
from signalement import audit
from signalement.app import create_app
from signalement.db.models import Role
from signalement.runtime import Runtime
from support import pg
from support.officers import create_officer, sign_in_api
from support.stack import Template, clone, settings_for

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    reason = f"{name} is not installed (Debian: postgresql-client; infra/ci/system-deps.sh)"
    if pg.CI:
        pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
    pytest.skip(f"{reason}; CI=true makes this a failure")


def libpq_url(database: str) -> str:
    return pg.ADMIN_DSN.rsplit("/", 1)[0] + f"/{database}"


async def run(*args: str) -> None:
    """Run one of PostgreSQL's own tools to completion; its stderr is the failure message."""
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode(errors="replace")


def web_client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")


async def test_a_restored_dump_shows_the_case_to_a_signed_in_officer(
    templates: dict[str, Template], tmp_path: Path
) -> None:
    pg.require_postgres()
    pg_dump, pg_restore = require_binary("pg_dump"), require_binary("pg_restore")
    template = templates["postgres"]
    settings, original = clone(template, tmp_path)
    assert original is not None
    restored: str | None = None
    runtime = Runtime(settings)
    try:
        async with web_client(create_app(settings, runtime=runtime)) as web:
            reporter = Reporter(web)  # type: ignore[arg-type]
            await reporter.fill()
            code, secret = (await reporter.submit()).receipt()
        officer = await create_officer(runtime, template.admin, Role.OFFICER, region="ontario")
        await runtime.close()

        dump = tmp_path / "signalement.dump"
        await run(pg_dump, "--format=custom", f"--file={dump}", f"--dbname={libpq_url(original)}")
        pg.drop_database(original)  # nothing below can lean on the original
        restored = pg.create_database("sig_restore")
        await run(pg_restore, "--no-owner", "--exit-on-error", f"--dbname={libpq_url(restored)}", str(dump))

        # A new installation: the restored database, the same key store and key lists.
        settings = settings_for(Path(settings.data_dir), pg.sqlalchemy_url(restored))
        runtime = Runtime(settings)
        async with web_client(create_app(settings, runtime=runtime)) as web:
            await sign_in_api(web, runtime, officer)
            queue = {c["case_code"]: c for c in (await web.get("/api/v1/cases")).json()["cases"]}
            assert code.replace("-", "") in queue, "the restored case is in the officer's queue"
            opened = await web.get(f"/api/v1/cases/{queue[code.replace('-', '')]['id']}")
            assert opened.status_code == 200
            assert opened.json()["case"]["narrative"] == STORY

        async with web_client(create_app(settings, runtime=runtime)) as web:
            reporter = Reporter(web)  # type: ignore[arg-type]
            await reporter.get("/en/follow-up")
            page = await reporter.post("/en/follow-up", {"code": code, "secret": secret}, keep=("_csrf_token",))
            assert page.status == 200 and page.h1 == "Your report"

        async with runtime.db.reading() as session:
            chain = await audit.verify(session, runtime.audit_keys)
        assert chain.ok and chain.checked > 0, chain.problems
    finally:
        await runtime.close()
        pg.drop_database(original)
        if restored:
            pg.drop_database(restored)
