"""``signalement init``: make a fresh installation usable, idempotently.

Creates the data directory, development secrets (never in production),
the database schema, the key store (master, worker and first directorate
keys), and, the first time only, a bootstrap admin whose one-time password
and TOTP secret are returned to be printed once. After an upgrade it also
authenticates rows from before revision 0008 (``upgrade_records``).
"""

from __future__ import annotations

import json
import os
import secrets

import msgspec
from sqlalchemy import func, select

from signalement import audit
from signalement.ciphertext_fields import followup_key_mac, referral_reference_field
from signalement.db import migrate
from signalement.db.models import Case, KeyEpoch, Officer, OfficerCredential, Referral, Role
from signalement.key_records import record_epoch
from signalement.metrics.research_key import ensure_research_key
from signalement.runtime import Runtime
from signalement.settings import SECRET_LISTS, Settings, generate_key_entry
from signalement.staff.accounts import NewAccount, create_account, stamp_credential
from signalement.vault import epochs
from signalement.vault.keystore import write_atomic
from signalement.vault.seal import seal
from signalement.vault.workerkey import reseal_legacy

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


async def upgrade_records(runtime: Runtime) -> dict[str, object]:
    """Bring rows from before revision 0008 up to date; idempotent, audited when it changes anything.

    * a clear ``worker.key`` is sealed under the worker keys;
    * credentials and follow-up keys without a MAC get one (run this right after upgrading: a row without a
      MAC is refused at sign-in, and a MAC added later would vouch for whatever the row then holds);
    * clear referral references are sealed to the current epoch and the clear column emptied.
    """
    store = runtime.keystore
    legacy = store.worker_private_path.exists() and reseal_legacy(store, runtime.worker_keys)
    counts: dict[str, object] = {"worker_key": int(legacy)}
    recipient = runtime.public_keys.current
    async with runtime.db.writing() as session:
        creds = (await session.execute(
            select(Officer, OfficerCredential).join(OfficerCredential).where(OfficerCredential.mac.is_(None))
        )).all()
        for officer, cred in creds:
            stamp_credential(runtime, officer, cred)
        cases = (await session.execute(select(Case).where(Case.followup_key_mac.is_(None)))).scalars().all()
        for case in cases:
            suite = str(case.receipt_kdf.get("suite", runtime.suite.value))
            case.followup_key_mac = followup_key_mac(runtime.followup_mac_keys, case.id, suite,
                                                     case.followup_public_key)
        refs = (await session.execute(select(Referral).where(Referral.reference_envelope.is_(None)))).scalars().all()
        for ref in refs:
            ref.reference_envelope = seal(ref.reference.encode(), recipient, case_id=ref.case_id,
                                          field=referral_reference_field(ref.id))
            ref.key_id, ref.reference = recipient.key_id, ""
        counts.update(credentials=len(creds), followup_keys=len(cases), references=len(refs))
        if any(counts.values()):
            await audit.append(session, runtime.audit_keys, actor="init", action="keys.records_authenticated",
                               detail=counts)
        await session.commit()
    return counts


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
            epochs.create_worker_key(store, runtime.suite, runtime.worker_keys)
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
        await upgrade_records(runtime)
        return InitReport(created_secrets=created_secrets, created_keys=created_keys, admin=admin)
    finally:
        await runtime.close()
