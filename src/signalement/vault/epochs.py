"""Creating, rotating and destroying keys. Needs only *public* keys, so ``keys rotate``
and closing a case can make new epochs without anyone's password.

* The master keypair is made once, by ``signalement init``; its private half
  is returned to be wrapped for the first admin and split into recovery shares.
* A directorate epoch is what new reports are sealed to; ``keys rotate`` adds one.
* A retention epoch holds closed cases, one per calendar quarter of closure;
  destroying it is how a quarter's cases are shredded, backups included.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets

from signalement.settings import KeyList
from signalement.vault.keystore import KeyStore, PublicKey, encode_public, write_atomic
from signalement.vault.seal import seal
from signalement.vault.suites import SuiteName, generate_private_bytes, public_bytes_for
from signalement.vault.unseal import KEYSTORE_CASE, MasterKey, epoch_field
from signalement.vault.workerkey import seal_worker_private

DIRECTORATE = "directorate"
RETENTION = "retention"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_master(store: KeyStore, suite: SuiteName) -> MasterKey:
    """Make the master keypair. The caller must wrap the returned private key before forgetting it."""
    if store.master_path.exists():
        raise FileExistsError("the key store already has a master key")
    private = generate_private_bytes(suite)
    kid = f"m-{secrets.token_hex(4)}"
    public = PublicKey(
        key_id=kid, suite=suite, purpose="master", public=public_bytes_for(suite, private), created=_now()
    )
    write_atomic(store.master_path, encode_public(public), mode=0o644, exclusive=True)
    return MasterKey(key_id=kid, suite=suite, private=private)


def create_worker_key(store: KeyStore, suite: SuiteName, worker_secrets: KeyList) -> PublicKey:
    """The worker's keypair: officers seal outbox payloads (a phone number to text) to it.

    The private half is sealed under the worker secret from the environment (``vault.workerkey``), never
    written in clear.
    """
    private = generate_private_bytes(suite)
    public = PublicKey(key_id=f"w-{secrets.token_hex(4)}", suite=suite, purpose="worker",
                       public=public_bytes_for(suite, private), created=_now())
    seal_worker_private(store, public, private, worker_secrets)
    write_atomic(store.worker_public_path, encode_public(public), mode=0o644)
    return public


def create_epoch(store: KeyStore, kid: str, purpose: str, suite: SuiteName | None = None) -> PublicKey:
    """A new epoch keypair; its private half is sealed to the master public key.

    Raises ``FileExistsError`` if another process made the same epoch first.
    """
    master = store.master_public()
    suite = suite or master.suite
    private = generate_private_bytes(suite)
    public = PublicKey(
        key_id=kid, suite=suite, purpose=purpose, public=public_bytes_for(suite, private), created=_now()
    )
    sealed = seal(private, master, case_id=KEYSTORE_CASE, field=epoch_field(kid))
    write_atomic(store.sealed_path(kid), sealed, mode=0o600, exclusive=True)
    write_atomic(store.public_path(kid), encode_public(public), mode=0o644)
    return public


def new_directorate_kid(today: dt.date | None = None) -> str:
    today = today or dt.datetime.now(dt.UTC).date()
    return f"d{today:%Y%m%d}-{secrets.token_hex(2)}"


def set_current(store: KeyStore, kid: str) -> None:
    if not store.public_path(kid).exists():
        raise FileNotFoundError(kid)
    write_atomic(store.root / "current", kid.encode(), mode=0o644)


def retention_kid(closed_at: dt.datetime) -> str:
    """One retention epoch per calendar quarter of closure, e.g. ``r2026q4``."""
    return f"r{closed_at.year}q{(closed_at.month - 1) // 3 + 1}"


def quarter_end(closed_at: dt.datetime) -> dt.datetime:
    q = (closed_at.month - 1) // 3
    year, month = (closed_at.year + 1, 1) if q == 3 else (closed_at.year, q * 3 + 4)
    return dt.datetime(year, month, 1, tzinfo=dt.UTC)


def ensure_retention_epoch(store: KeyStore, closed_at: dt.datetime) -> PublicKey:
    kid = retention_kid(closed_at)
    if store.public_path(kid).exists():
        return store.epoch_public(kid)
    try:
        return create_epoch(store, kid, RETENTION)
    except FileExistsError:
        return store.epoch_public(kid)


def destroy_epoch(store: KeyStore, kid: str) -> bool:
    """Overwrite, then delete, an epoch's sealed private key. Returns False if it was already gone.

    Overwriting first matters on plain filesystems; on SSDs and copy-on-write
    filesystems it is best effort, which is why docs/retention.md asks for the
    key store on an encrypted volume that is not backed up.
    """
    path = store.sealed_path(kid)
    if not path.exists():
        return False
    size = path.stat().st_size
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, os.urandom(size))
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink()
    store.public_path(kid).unlink(missing_ok=True)
    dir_fd = os.open(store.epochs_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return True
