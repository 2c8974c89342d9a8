"""The insider's toolkit: what someone holding a copy of the database, Redis and a host's key folder can try.

The tests in ``tests/integration/security/insiders`` run a stack configured the way production is: every
secret that production keeps in the environment (pepper, form, audit, blind-index, follow-up MAC, staff and
worker keys) is in the *environment* of the processes, not in the key folder. The attacker gets everything
else: the database (read and write), Redis (read and write) and a copy of the key folder. With that they
try, by brute force over everything they hold, to open every sealed value, outbox payload and key file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import msgspec
from sqlalchemy import select

from signalement.ciphertext_fields import SEALED_COLUMNS, message_field
from signalement.db.engine import Database
from signalement.db.models import Message, OutboxJob
from signalement.settings import PREFIX, Settings, load_settings
from signalement.vault.envelope import Envelope, SealedValueError
from signalement.vault.opening import open_with, private_key_from_bytes
from signalement.vault.suites import PRIVATE_LEN, SuiteName
from support.live import settings_env
from support.stack import Template, clone

REDIS_URL = "redis://127.0.0.1:6379/12"
# What the outbox's payloads are bound to (the attacker has read the source code).
OUTBOX_CASE = "outbox"


def http_client(app: object, address: str = "127.0.0.1") -> httpx.AsyncClient:
    """An in-loop client for the app (shares the test's event loop, so PostgreSQL pools work)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")


def move_secrets_to_environment(settings: Settings, **overrides: object) -> tuple[Settings, dict[str, str]]:
    """Production keeps secrets out of the key folder: take the development file out and pass them as variables."""
    path = settings.secrets_file
    secrets = json.loads(path.read_text())
    path.unlink()
    env = {f"{PREFIX}{name.upper()}": str(value) for name, value in secrets.items()}
    values: dict[str, object] = {
        "data_dir": settings.data_dir, "database_url": settings.database_url, "kdf_cost": settings.kdf_cost,
    }
    values.update(overrides)
    return load_settings(env, **values), env


def env_stack_settings(
    template: Template, dest: Path, **overrides: object
) -> tuple[Settings, dict[str, str], str | None]:
    settings, database = clone(template, dest)
    settings, env = move_secrets_to_environment(settings, **overrides)
    return settings, env, database


def run_cli(settings: Settings, secrets_env: dict[str, str], *args: str, stdin: str = "",
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The ``signalement`` command as an operator runs it: secrets in its environment."""
    env = settings_env(settings)
    env.update(secrets_env)
    env["SIGNALEMENT_LOG_FORMAT"] = "text"
    if settings.redis_url:
        env["SIGNALEMENT_REDIS_URL"] = settings.redis_url
    return subprocess.run([sys.executable, "-m", "signalement", *args], input=stdin, env=env, text=True,
                          capture_output=True, timeout=timeout, cwd=os.getcwd())


def steal_key_folder(settings: Settings, dest: Path) -> Path:
    """A copy of the key folder as it is on the host's disk."""
    copy = dest / "stolen-keys"
    shutil.copytree(settings.key_path, copy)
    return copy


def _hex_or_raw(data: bytes) -> list[bytes]:
    out = [data]
    for token in data.replace(b"\n", b" ").split():
        try:
            out.append(bytes.fromhex(token.decode()))
        except (ValueError, UnicodeDecodeError):
            pass
    return out


def private_keys_in(folder: Path) -> set[tuple[SuiteName, bytes]]:
    """Every string of bytes in the folder that could be a private key of either suite (clear, hex or raw)."""
    found: set[tuple[SuiteName, bytes]] = set()
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        for blob in _hex_or_raw(path.read_bytes()):
            for suite in SuiteName:
                if len(blob) == PRIVATE_LEN[suite]:
                    found.add((suite, blob))
    return found


class Loot(msgspec.Struct, kw_only=True):
    keys: set[tuple[SuiteName, bytes]]
    opened: list[tuple[str, bytes]]

    def texts(self) -> list[bytes]:
        return [plain for _, plain in self.opened]


def try_open(raw: bytes, keys: set[tuple[SuiteName, bytes]], case_id: str, field: str) -> bytes | None:
    """``raw`` opened with any of ``keys`` for its place, or None: what an insider's key pool opens."""
    return _try(raw, keys, case_id, field)


def _try(raw: bytes, keys: set[tuple[SuiteName, bytes]], case_id: str, field: str) -> bytes | None:
    try:
        env = Envelope.from_bytes(raw)
    except SealedValueError:
        return None
    for suite, private in keys:
        if suite is not env.suite:
            continue
        try:
            return open_with(raw, private_key_from_bytes(suite, private), suite, env.key_id,
                             case_id=case_id, field=field)
        except SealedValueError:
            continue
    return None


def _outbox_field(job: OutboxJob) -> list[str]:
    key = job.dedupe_key or ""
    fields = [f"{job.kind}:{key}"]
    if ":" in key:
        fields.append(f"{job.kind}:{key.split(':')[1]}")
    return fields


class _Rewrap(msgspec.Struct):
    old_key_id: str
    suite: str
    private: bytes


async def open_everything(db: Database, keys: set[tuple[SuiteName, bytes]]) -> Loot:
    """Try every key on every sealed value and outbox payload; keys found inside payloads join the pool."""
    keys = set(keys)
    opened: list[tuple[str, bytes]] = []
    async with db.reading() as s:
        jobs = [(j.kind, j.dedupe_key, j.payload, _outbox_field(j))
                for j in (await s.execute(select(OutboxJob))).scalars() if j.payload]
        sealed: list[tuple[str, bytes, str, str]] = []
        for col in SEALED_COLUMNS:
            for row in (await s.execute(select(col.model))).scalars():
                raw = getattr(row, col.envelope_attr)
                if raw:
                    sealed.append((col.model.__tablename__, raw, col.case_of(row), col.field_of(row)))
        for m in (await s.execute(select(Message).where(Message.reporter_envelope.is_not(None)))).scalars():
            assert m.reporter_envelope is not None
            sealed.append(("messages.reporter_envelope", m.reporter_envelope, m.case_id, message_field(m.id)))
    grew = True
    while grew:
        grew = False
        for kind, _, payload, fields in jobs:
            for field in fields:
                plain = _try(payload, keys, OUTBOX_CASE, field)
                if plain is None:
                    continue
                opened.append((f"outbox:{kind}", plain))
                try:
                    found = msgspec.msgpack.decode(plain, type=_Rewrap)
                except msgspec.DecodeError:
                    continue
                pair = (SuiteName(found.suite), found.private)
                if pair not in keys:
                    keys.add(pair)
                    grew = True
    for where, raw, case_id, field in sealed:
        plain = _try(raw, keys, case_id, field)
        if plain is not None:
            opened.append((where, plain))
    return Loot(keys=keys, opened=opened)


async def audit_actions(db: Database) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(actor, action, object id, detail) of every audit entry, oldest first."""
    from signalement.db.models import AuditEntry

    async with db.reading() as s:
        rows = (await s.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars()
        return [(e.actor, e.action, e.object_id, dict(e.detail)) for e in rows]
