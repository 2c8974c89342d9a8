"""Finding 4: a backup taken before a case closed must not outlive the case's purge.

Closing re-seals a case to its quarter's retention key, but a backup from before closure holds the values
under the directorate epoch of the day. Nobody rotates by hand here: the worker makes a new epoch when the
current one is ``SIGNALEMENT_EPOCH_DAYS`` old, an officer's ordinary sign-in moves the open cases onto it,
and purge destroys the old epoch once the backup window has passed. Then the pre-closure backup opens
nothing, not even for someone holding the master key, while the open case still reads.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from signalement.ciphertext_fields import SEALED_COLUMNS
from signalement.db.engine import Database
from signalement.db.models import Case, CaseField, KeyEpoch, utcnow
from signalement.retention import purge, seal_for_closure
from signalement.vault.envelope import SealedValueError
from signalement.vault.unseal import PrivateKeyring
from signalement.worker import Worker
from support import pg
from support.cases import admin_master, keyring, submit
from support.officers import sign_in

PG_ONLY = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


@PG_ONLY
async def test_a_backup_from_before_closure_is_unreadable_after_purge_without_anyone_rotating(
    env_stack, web, staff
) -> None:
    rt = env_stack.runtime
    officer = await staff()
    closing = await submit(env_stack, narrative="Closed, then purged")
    staying = await submit(env_stack, narrative="Still open")
    first = rt.keystore.current_kid()
    await rt.db.dispose()  # CREATE DATABASE ... TEMPLATE needs no open connection to the source
    backup_name = pg.create_database("sig_bak", template=env_stack.settings.database_url.rsplit("/", 1)[1])
    backup = Database(pg.sqlalchemy_url(backup_name))
    try:
        ring = await keyring(env_stack)
        async with rt.db.writing() as s:
            case = await s.get(Case, closing.case_id)
            case.status, case.is_open, case.closed_at, case.outcome = "closed", False, utcnow(), "no_action"
            await seal_for_closure(rt, s, case, ring)
            await s.commit()

        # A month passes: the worker's hourly maintenance makes a new epoch, with no password.
        async with rt.db.writing() as s:
            await s.execute(update(KeyEpoch).where(KeyEpoch.key_id == first).values(
                created_at=utcnow() - dt.timedelta(days=env_stack.settings.epoch_days + 1)))
            await s.commit()
        worker = Worker(rt)
        await worker.schedule_maintenance()
        await worker.run_once()
        rt.public_keys.refresh()
        assert rt.keystore.current_kid() != first
        # An officer signs in as on any working day; that moves the open case off the old epoch.
        await sign_in(web, rt, officer)
        # The backup window passes; the daily purge destroys the old epoch.
        async with rt.db.writing() as s:
            await s.execute(update(KeyEpoch).where(KeyEpoch.key_id == first)
                            .values(destroy_after=utcnow() - dt.timedelta(days=1)))
            await s.commit()
        report = await purge(rt)
        assert first in report.epochs_destroyed, report

        master_ring = PrivateKeyring(rt.keystore, await admin_master(env_stack))
        opened = []
        async with backup.reading() as s:
            for col in SEALED_COLUMNS:
                for row in (await s.execute(select(col.model))).scalars():
                    try:
                        opened.append(master_ring.open(getattr(row, col.envelope_attr), case_id=col.case_of(row),
                                                       field=col.field_of(row)))
                    except SealedValueError:
                        pass
        assert opened == []
        async with rt.db.reading() as s:
            live = await s.get(CaseField, (staying.case_id, "narrative"))
        assert master_ring.open(live.envelope, case_id=staying.case_id, field="narrative") == b"Still open"
    finally:
        await backup.dispose()
        pg.drop_database(backup_name)
