"""``signalement init``: make a fresh installation usable, idempotently.

Creates the data directory, development secrets (never in production),
the database schema, the key store (master, worker and first directorate
keys), and, the first time only, a bootstrap admin whose one-time password
and TOTP secret are returned to be printed once.
"""

from __future__ import annotations

import json
import os
import secrets

import msgspec
from sqlalchemy import func, select

from signalement import audit
from signalement.db import migrate
from signalement.db.models import KeyEpoch, Officer, Role
from signalement.key_records import record_epoch
from signalement.metrics.research_key import ensure_research_key
from signalement.runtime import Runtime
from signalement.settings import SECRET_LISTS, Settings, generate_key_entry
from signalement.staff.accounts import NewAccount, create_account
from signalement.vault import epochs
from signalement.vault.keystore import write_atomic

BOOTSTRAP_ADMIN = "admin"


class InitError(Exception):
    """The installation is in a state ``init`` cannot repair on its own."""


class InitReport(msgspec.Struct, frozen=True, kw_only=True):
    created_secrets: bool
    created_keys: bool
    admin: NewAccount | None


def ensure_dev_secrets(settings: Settings) -> bool:
    """Generate development key lists (ids start with 'dev-', which production refuses)."""
    if settings.is_production:
        return False
    path = settings.secrets_file
    existing = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in SECRET_LISTS if name not in existing]
    if "metrics_token" not in existing:
        existing["metrics_token"] = secrets.token_urlsafe(24)
        missing.append("metrics_token")
    if not missing:
        return False
    for name in SECRET_LISTS:
        existing.setdefault(name, generate_key_entry())
    write_atomic(path, json.dumps(existing, indent=1).encode(), mode=0o600)
    return True


async def initialize(settings: Settings) -> InitReport:
    settings.data_path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(settings.data_path, 0o700)
    created_secrets = ensure_dev_secrets(settings)
    runtime = Runtime(settings)
    try:
        await migrate.upgrade(runtime.db)
        store = runtime.keystore
        master = None
        created_keys = False
        if not store.master_path.exists():
            master = epochs.create_master(store, runtime.suite)
            epochs.create_worker_key(store, runtime.suite)
            first = epochs.create_epoch(store, epochs.new_directorate_kid(), epochs.DIRECTORATE)
            epochs.set_current(store, first.key_id)
            created_keys = True
        ensure_research_key(store)
        admin = None
        async with runtime.db.writing() as session:
            for kid in store.epoch_ids():
                if await session.get(KeyEpoch, kid) is None:
                    await record_epoch(session, kid, store.epoch_public(kid).purpose)
            if not await session.scalar(select(func.count()).select_from(Officer)):
                if master is None:
                    raise InitError(
                        "the key store has a master key but no account holds it: restore it with "
                        "'signalement keys recovery restore', or (development only) delete the data directory"
                    )
                admin = await create_account(runtime, session, username=BOOTSTRAP_ADMIN, display_name="Bootstrap admin",
                                             role=Role.ADMIN, region=None, master=master, actor="init", enrol_totp=True)
                await audit.append(session, runtime.audit_keys, actor="init", action="keys.init", object_type="key",
                                   object_id=store.master_public().key_id, detail={"epoch": store.current_kid()})
            await session.commit()
        return InitReport(created_secrets=created_secrets, created_keys=created_keys, admin=admin)
    finally:
        await runtime.close()
