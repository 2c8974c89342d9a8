"""Alembic, driven from code: ``signalement db upgrade`` and the readiness check use this.

The migration scripts live in ``db/migrations/versions``; there is no
``alembic.ini`` to keep in sync. Migrations run on a connection we hand to
Alembic, so they work both from the CLI and inside a running event loop.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from signalement.db.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def all_revisions() -> list[str]:
    """Revisions from first to last."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


@functools.cache
def _release_revisions() -> tuple[str, frozenset[str]]:
    """This release's head and every revision it knows (the scripts do not change while it runs)."""
    return head_revision(), frozenset(all_revisions())


def schema_readiness(revision: str | None) -> tuple[bool, str]:
    """Can this release serve a database whose schema is at ``revision``? Returns (ready, what to report).

    At this release's head: yes. Behind it (a revision this release knows, or none): no, migrate first. At a
    revision this release does not know: a newer release has migrated it during a rolling upgrade, and this
    one keeps serving until it is replaced. Migrations are written to allow that (expand, then contract in a
    later release); one that does not says so in the release notes (docs/operations.md, "Deploy and upgrade").
    """
    head, known = _release_revisions()
    if revision == head:
        return True, "ok"
    if revision is not None and revision not in known:
        return True, f"ok (at {revision}, newer than this release's {head})"
    return False, f"at {revision}, want {head}"


async def upgrade(db: Database, revision: str = "head") -> None:
    async with db.writer.connect() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))
        await conn.commit()


async def downgrade(db: Database, revision: str) -> None:
    async with db.writer.connect() as conn:
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))
        await conn.commit()


async def current_revision(db: Database) -> str | None:
    async with db.reader.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
