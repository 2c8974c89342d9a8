"""The key store: a directory of key files, kept apart from the database.

Layout under ``SIGNALEMENT_KEY_DIR`` (``./var/keys`` in development)::

    master.json            the directorate master *public* key
    epochs/<kid>.json      an epoch's public key (purpose: directorate or retention)
    epochs/<kid>.sealed    that epoch's private key, sealed to the master key
    current                the key id new reports are sealed to
    worker.json            the worker's public key (outbox payloads are sealed to it)
    worker.key             the worker's private key, sealed under SIGNALEMENT_WORKER_KEYS (vault.workerkey)
    dev-secrets.json       development key lists only; production keeps every secret in the environment,
                           so that this folder plus the database open nothing

Why a directory and not a table: destroying a retention epoch must make
every *backup of the database* unreadable too. That only holds if the keys
are not inside the database. Back this directory up separately, on the
retention schedule in docs/retention.md, or not at all.

Only public reads live here; anything that opens a private key is in
``vault.unseal`` or ``worker``.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import msgspec

from signalement.vault.suites import SuiteName, public_key_from_bytes

EPOCHS = "epochs"


class KeyStoreError(Exception):
    """The key store is missing, incomplete or inconsistent."""


class PublicKey(msgspec.Struct, frozen=True, kw_only=True):
    """A public key as the intake tier sees it: enough to seal, nothing to open."""

    key_id: str
    suite: SuiteName
    purpose: str
    public: bytes
    created: str = ""

    def key_object(self) -> object:
        return public_key_from_bytes(self.suite, self.public)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600, exclusive: bool = False) -> None:
    """Write a key file so a crash leaves either the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if exclusive and path.exists():
        raise FileExistsError(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if exclusive:
        # link() fails if the target exists: two replicas creating the same epoch cannot both win.
        try:
            os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    else:
        os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def encode_public(key: PublicKey) -> bytes:
    return json.dumps(
        {"kid": key.key_id, "suite": key.suite.value, "purpose": key.purpose,
         "public": _b64(key.public), "created": key.created},
        indent=1,
    ).encode()


def decode_public(raw: bytes) -> PublicKey:
    try:
        data = json.loads(raw)
        return PublicKey(
            key_id=data["kid"], suite=SuiteName(data["suite"]), purpose=data["purpose"],
            public=_unb64(data["public"]), created=data.get("created", ""),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyStoreError("malformed public key file") from exc


class KeyStore:
    """Paths and public reads for one key directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def epochs_dir(self) -> Path:
        return self.root / EPOCHS

    def public_path(self, kid: str) -> Path:
        return self.epochs_dir / f"{kid}.json"

    def sealed_path(self, kid: str) -> Path:
        return self.epochs_dir / f"{kid}.sealed"

    @property
    def master_path(self) -> Path:
        return self.root / "master.json"

    @property
    def worker_public_path(self) -> Path:
        return self.root / "worker.json"

    @property
    def worker_private_path(self) -> Path:
        return self.root / "worker.key"

    def exists(self) -> bool:
        return self.master_path.exists() and (self.root / "current").exists()

    def master_public(self) -> PublicKey:
        return self._read_public(self.master_path)

    def worker_public(self) -> PublicKey:
        return self._read_public(self.worker_public_path)

    def current_kid(self) -> str:
        try:
            return (self.root / "current").read_text().strip()
        except FileNotFoundError:
            raise KeyStoreError(f"no key store at {self.root}: run 'signalement init'") from None

    def epoch_public(self, kid: str) -> PublicKey:
        return self._read_public(self.public_path(kid))

    def epoch_ids(self) -> list[str]:
        if not self.epochs_dir.exists():
            return []
        return sorted(p.stem for p in self.epochs_dir.glob("*.json"))

    def _read_public(self, path: Path) -> PublicKey:
        try:
            return decode_public(path.read_bytes())
        except FileNotFoundError:
            raise KeyStoreError(f"missing key file {path.name}: run 'signalement init'") from None
