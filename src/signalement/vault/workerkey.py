"""The worker's private key, sealed under a secret that only the worker's environment holds.

Outbox payloads that carry something sensitive (a phone number to text) are sealed to the worker's public
key. If its private half sat in the key folder in clear, anyone with a copy of that folder and of the
database would read every pending payload without any password. So ``worker.key`` is AES-256-GCM under a
key from ``SIGNALEMENT_WORKER_KEYS`` (a key list, so the secret can rotate): the key folder alone opens
nothing. The public tier and the research tier never import this module (import contracts).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from signalement.settings import KeyList
from signalement.vault.keystore import KeyStore, KeyStoreError, PublicKey, write_atomic
from signalement.vault.opening import PrivateKeyObject, private_key_from_bytes
from signalement.vault.suites import SuiteName

FORMAT = "signalement/worker-key/v1"


class WorkerKeyError(KeyStoreError):
    """The worker key file is missing, in the old clear format, or not sealed under any configured worker key."""


def _kek(secret: bytes) -> bytes:
    return hmac.new(secret, FORMAT.encode(), hashlib.sha256).digest()


def _aad(public: PublicKey) -> bytes:
    return f"{FORMAT}|{public.key_id}|{public.suite.value}".encode()


def seal_worker_private(store: KeyStore, public: PublicKey, private: bytes, secrets: KeyList) -> None:
    """Write ``worker.key``: the private key sealed under the newest worker secret."""
    kid, secret = secrets.current
    nonce = os.urandom(12)
    body = {
        "format": FORMAT, "worker": public.key_id, "suite": public.suite.value, "secret": kid,
        "nonce": base64.b64encode(nonce).decode(),
        "sealed": base64.b64encode(AESGCM(_kek(secret)).encrypt(nonce, private, _aad(public))).decode(),
    }
    write_atomic(store.worker_private_path, json.dumps(body).encode(), mode=0o600)


def is_legacy_clear(store: KeyStore) -> bool:
    """True when ``worker.key`` is in the first release's clear format (``suite`` line, hex line)."""
    try:
        raw = store.worker_private_path.read_bytes()
    except FileNotFoundError:
        return False
    return not raw.lstrip().startswith(b"{")


def reseal_legacy(store: KeyStore, secrets: KeyList) -> bool:
    """Seal a clear ``worker.key`` left by an older release; returns whether there was one."""
    if not is_legacy_clear(store):
        return False
    suite_line, hex_key = store.worker_private_path.read_text().split()
    public = store.worker_public()
    if SuiteName(suite_line) is not public.suite:
        raise WorkerKeyError("worker.key and worker.json disagree about the suite")
    seal_worker_private(store, public, bytes.fromhex(hex_key), secrets)
    return True


def open_worker_private(store: KeyStore, secrets: KeyList) -> tuple[SuiteName, PrivateKeyObject]:
    """The worker's private key, opened with the worker secret from the environment."""
    public = store.worker_public()
    try:
        body = json.loads(store.worker_private_path.read_bytes())
        if body.get("format") != FORMAT or body.get("worker") != public.key_id:
            raise WorkerKeyError("worker.key does not belong to worker.json")
        secret = secrets.get(str(body["secret"]))
        plain = AESGCM(_kek(secret)).decrypt(base64.b64decode(body["nonce"]), base64.b64decode(body["sealed"]),
                                             _aad(public))
    except FileNotFoundError:
        raise WorkerKeyError("worker.key is missing: run 'signalement init'") from None
    except KeyError:
        raise WorkerKeyError("worker.key is sealed under a worker key that is not configured") from None
    except (ValueError, TypeError, InvalidTag, AttributeError):
        raise WorkerKeyError(
            "worker.key does not open with SIGNALEMENT_WORKER_KEYS (or is in the old clear format: "
            "run 'signalement init' with the worker keys set to seal it)"
        ) from None
    return public.suite, private_key_from_bytes(public.suite, plain)
