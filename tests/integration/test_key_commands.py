"""The key ceremonies, end to end through the ``signalement`` command: officer add/remove,
rotation with re-wrap (by the admin's own ceremony), purge with a backup that stays unreadable, and
break-glass recovery."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

from sqlalchemy import select, text, update

from signalement.ciphertext_fields import SEALED_COLUMNS, evidence_key_field
from signalement.db.engine import Database
from signalement.db.models import (
    Case,
    CaseField,
    Evidence,
    EvidenceChunk,
    KeyEpoch,
    Officer,
    OfficerCredential,
    OutboxJob,
    utcnow,
)
from signalement.evidence_store import read_evidence, write_evidence
from signalement.retention import seal_for_closure, set_legal_hold
from signalement.staff.accounts import authenticate
from signalement.vault.envelope import SealedValueError
from signalement.vault.unseal import PrivateKeyring
from support import pg
from support.cases import admin_master, admin_stdin, keyring, run_cli, submit


def _password(stdout: str) -> str:
    return re.search(r"one-time password:\s+(\S+)", stdout).group(1)


async def test_officer_add_wraps_the_key_for_them_and_remove_deletes_their_copy(stack) -> None:
    out = run_cli(stack.settings, "officer", "add", "alice", "--role", "officer", "--region", "quebec",
                  stdin=await admin_stdin(stack))
    assert out.returncode == 0, out.stderr
    assert "TOTP secret" in out.stdout
    async with stack.runtime.db.writing() as s:
        found = await authenticate(stack.runtime, s, "alice", _password(out.stdout))
    assert found is not None and found[1].master() == await admin_master(stack)

    # A researcher gets the research key (which the master key opens), so this is a ceremony too.
    researcher = run_cli(stack.settings, "officer", "add", "rita", "--role", "researcher",
                         stdin=await admin_stdin(stack))
    assert researcher.returncode == 0, researcher.stderr
    async with stack.runtime.db.writing() as s:
        found = await authenticate(stack.runtime, s, "rita", _password(researcher.stdout))
    assert found is not None and found[1].master() is None  # researchers never get the key

    wrong = run_cli(stack.settings, "officer", "add", "bob", "--role", "officer", stdin="not the password\n123456\n")
    assert wrong.returncode == 1 and "wrong" in wrong.stderr

    gone = run_cli(stack.settings, "officer", "remove", "alice")
    assert gone.returncode == 0, gone.stderr
    async with stack.runtime.db.reading() as s:
        alice = await s.scalar(select(Officer).where(Officer.username == "alice"))
        assert alice is not None and not alice.active
        assert await s.get(OfficerCredential, alice.id) is None
    listing = run_cli(stack.settings, "officer", "list")
    assert re.search(r"alice\s+officer\s+quebec\s+removed", listing.stdout)


async def _count_by_kid(stack, kid: str) -> int:
    async with stack.runtime.db.reading() as s:
        n = 0
        for col in SEALED_COLUMNS:
            n += len((await s.execute(select(col.model).where(col.model.key_id == kid))).all())
        return n


async def test_rotation_seals_new_reports_to_the_new_epoch_and_rewraps_old_ones(stack) -> None:
    old_kid = stack.runtime.keystore.current_kid()
    before = await submit(stack, narrative="before rotation")
    async with stack.runtime.db.writing() as s:
        ev = await write_evidence(s, stack.runtime.public_keys.current, case_id=before.case_id, attached=True,
                                  body=[b"\xff\xd8photo" * 20000], kind="image", content_type="image/jpeg", size=160000)
        evidence_id = ev.id
        await s.commit()
        chunks_before = [c.data for c in (await s.execute(select(EvidenceChunk).where(
            EvidenceChunk.evidence_id == evidence_id).order_by(EvidenceChunk.seq))).scalars()]

    out = run_cli(stack.settings, "keys", "rotate", "--admin", stack.admin.username, stdin=await admin_stdin(stack))
    assert out.returncode == 0, out.stderr
    new_kid = stack.runtime.keystore.current_kid()
    assert new_kid != old_kid and new_kid in out.stdout
    # The admin's ceremony re-wrapped everything itself: no epoch key went into the outbox for the worker.
    assert await _count_by_kid(stack, old_kid) == 0
    async with stack.runtime.db.reading() as s:
        assert (await s.execute(select(OutboxJob).where(OutboxJob.kind == "vault.rewrap"))).first() is None

    stack.runtime.public_keys.refresh()
    after = await submit(stack, narrative="after rotation")
    async with stack.runtime.db.reading() as s:
        fields = (await s.execute(select(CaseField).where(CaseField.case_id == after.case_id))).scalars()
        kids = {f.key_id for f in fields}
    assert kids == {new_kid}

    status = run_cli(stack.settings, "keys", "status")
    assert old_kid in status.stdout and new_kid in status.stdout and "current" in status.stdout

    ring = await keyring(stack)
    async with stack.runtime.db.reading() as s:
        narrative = await s.get(CaseField, (before.case_id, "narrative"))
        ev = await s.get(Evidence, evidence_id)
        chunks_after = [c.data for c in (await s.execute(select(EvidenceChunk).where(
            EvidenceChunk.evidence_id == evidence_id).order_by(EvidenceChunk.seq))).scalars()]
    assert ring.open(narrative.envelope, case_id=before.case_id, field="narrative") == b"before rotation"
    assert ev.key_id == new_kid
    assert chunks_after == chunks_before  # the body was not re-encrypted: only its data key moved
    key = ring.open(ev.key_envelope, case_id=before.case_id, field=evidence_key_field(ev.id))
    assert b"".join([c async for c in read_evidence(stack.runtime.db, ev, key)]) == b"\xff\xd8photo" * 20000


async def _backup(stack, dest) -> Database:
    """A copy of the database as a backup would hold it."""
    await stack.runtime.db.dispose()
    if stack.backend == "sqlite":
        src = stack.settings.db_url.split("///", 1)[1]
        copy = dest / "backup.db"
        with sqlite3.connect(src) as a, sqlite3.connect(copy) as b:
            a.backup(b)
        return Database(f"sqlite+aiosqlite:///{copy}")
    name = stack.settings.database_url.rsplit("/", 1)[1]
    backup = pg.create_database("sig_bak", template=name)
    dest.joinpath("pgname").write_text(backup)
    return Database(pg.sqlalchemy_url(backup))


async def test_purge_destroys_expired_keys_so_a_backup_from_before_cannot_be_opened(stack, tmp_path) -> None:
    closed = await submit(stack, narrative="closed and expired", employer="Ferme Purge", phone="+15145550142")
    held = await submit(stack, narrative="closed but on legal hold")
    ring = await keyring(stack)
    async with stack.runtime.db.writing() as s:
        for receipt, hold in ((closed, False), (held, True)):
            case = await s.get(Case, receipt.case_id)
            case.status, case.is_open, case.closed_at, case.outcome = "closed", False, utcnow(), "no_action"
            if hold:
                await set_legal_hold(stack.runtime, s, case, True, ring)
            else:
                await seal_for_closure(stack.runtime, s, case, ring)
        await s.commit()
    backup = await _backup(stack, tmp_path)
    try:
        # Two years pass.
        past = utcnow() - dt.timedelta(days=1)
        async with stack.runtime.db.writing() as s:
            await s.execute(update(KeyEpoch).where(KeyEpoch.purpose == "retention").values(destroy_after=past))
            await s.execute(update(Case).where(Case.id == closed.case_id).values(purge_after=past))
            await s.commit()
        out = run_cli(stack.settings, "purge")
        assert out.returncode == 0, out.stderr
        assert re.search(r"deleted 1 expired case", out.stdout)
        assert re.search(r"destroyed key epochs: r\d{4}q\d", out.stdout)

        fresh_ring = PrivateKeyring(stack.runtime.keystore, await admin_master(stack))
        async with stack.runtime.db.reading() as s:
            assert await s.get(Case, closed.case_id) is None
            kept = await s.get(CaseField, (held.case_id, "narrative"))
        assert fresh_ring.open(kept.envelope, case_id=held.case_id, field="narrative") == b"closed but on legal hold"

        opened = refused = 0
        async with backup.reading() as s:
            for col in SEALED_COLUMNS:
                for row in (await s.execute(select(col.model))).scalars():
                    case_id = col.case_of(row)
                    if case_id != closed.case_id:
                        continue
                    try:
                        fresh_ring.open(getattr(row, col.envelope_attr), case_id=case_id, field=col.field_of(row))
                        opened += 1
                    except SealedValueError:
                        refused += 1
        assert refused >= 3 and opened == 0, (opened, refused)  # narrative, answers, phone, matches: all gone
    finally:
        await backup.dispose()
        if (tmp_path / "pgname").exists():
            pg.drop_database((tmp_path / "pgname").read_text())


async def test_recovery_shares_restore_the_master_key_for_a_new_admin(stack, tmp_path) -> None:
    receipt = await submit(stack, narrative="recover me")
    split = run_cli(stack.settings, "keys", "recovery", "split", "--shares", "5", "--threshold", "3",
                    "--admin", stack.admin.username, "--out", str(tmp_path / "shares"),
                    stdin=await admin_stdin(stack))
    assert split.returncode == 0, split.stderr
    shares = sorted((tmp_path / "shares").glob("share-*.txt"))
    assert len(shares) == 5

    too_few = run_cli(stack.settings, "keys", "recovery", "restore", "--username", "rescue", *map(str, shares[:2]))
    assert too_few.returncode == 1 and "need 3 shares" in too_few.stderr
    bad = tmp_path / "bad.txt"
    text = shares[0].read_text().strip()
    bad.write_text(text[:-12] + ("A" if text[-12] != "A" else "B") + text[-11:])
    corrupted = run_cli(stack.settings, "keys", "recovery", "restore", "--username", "rescue", str(bad),
                        *map(str, shares[1:3]))
    assert corrupted.returncode == 1

    restored = run_cli(stack.settings, "keys", "recovery", "restore", "--username", "rescue",
                       str(shares[4]), str(shares[1]), str(shares[3]))
    assert restored.returncode == 0, restored.stderr
    async with stack.runtime.db.writing() as s:
        found = await authenticate(stack.runtime, s, "rescue", _password(restored.stdout))
        role = found[0].role if found else None
    assert found is not None and role == "admin"
    ring = PrivateKeyring(stack.runtime.keystore, found[1].master())
    async with stack.runtime.db.reading() as s:
        f = await s.get(CaseField, (receipt.case_id, "narrative"))
    assert ring.open(f.envelope, case_id=receipt.case_id, field="narrative") == b"recover me"


async def test_audit_verify_passes_on_an_untouched_log_and_lists_key_operations(stack) -> None:
    run_cli(stack.settings, "officer", "add", "carol", "--role", "supervisor", stdin=await admin_stdin(stack))
    out = run_cli(stack.settings, "audit", "verify")
    assert out.returncode == 0 and "audit log intact" in out.stdout
    async with stack.runtime.db.writing() as s:
        await s.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1"))
        await s.commit()
    out = run_cli(stack.settings, "audit", "verify")
    assert out.returncode == 2 and "entry 1 was altered" in out.stdout


def test_the_help_lists_only_commands_that_do_real_work() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "signalement", "--help"], capture_output=True, text=True, check=True)
    for command in ("serve", "worker", "init", "db", "officer", "keys", "purge", "audit", "i18n", "triage"):
        assert re.search(rf"^\s+{command}\s", out.stdout, re.M), command
    assert "not implemented" not in out.stdout.lower()
