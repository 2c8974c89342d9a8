"""The privacy sentinel: plant unique values through a request, then prove none of them was written.

Every channel uses it. Each sentinel is searched for in clear, in the forms a careless
implementation would store it (MD5, SHA-1, SHA-256 hex; base64), in every file under the data
directory (database, WAL, key store), in a full SQL dump, in the server's log, and in Redis.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
import subprocess
from collections.abc import Iterable
from pathlib import Path

import msgspec

from signalement.settings import Settings
from support.pg import ADMIN_DSN


class Sentinels(msgspec.Struct, kw_only=True):
    """Values unique to one test run. The client address is a loopback alias the test binds to."""

    narrative: str
    employer: str
    phone: str
    phone_e164: str
    user_agent: str
    header: str
    forwarded_for: str
    query: str
    cookie: str
    client_ip: str

    @classmethod
    def make(cls) -> Sentinels:
        t = secrets.token_hex(5)
        last = f"{secrets.randbelow(100):02d}"
        return cls(
            narrative=f"narrative-sentinel-{t}", employer=f"Employer Sentinel {t}",
            phone=f"(514) 555-01{last}", phone_e164=f"+151455501{last}",
            user_agent=f"UA-sentinel-{t}", header=f"hdr-sentinel-{t}",
            forwarded_for=f"203.0.113.{secrets.randbelow(250) + 1}",
            query=f"q-sentinel-{t}", cookie=f"ck-sentinel-{t}",
            client_ip=f"127.0.{secrets.randbelow(200) + 20}.{secrets.randbelow(200) + 20}",
        )

    def searchable(self) -> dict[str, list[bytes]]:
        """Each sentinel with the encodings a leak might take."""
        out: dict[str, list[bytes]] = {}
        for name, value in msgspec.structs.asdict(self).items():
            if name == "phone":
                continue  # searched as its E.164 form and its digits below
            forms = encodings(value)
            if name == "phone_e164":
                forms.append(value.lstrip("+").encode())
            if name == "employer":
                forms.append(value.lower().encode())
            out[name] = forms
        return out


def encodings(value: str) -> list[bytes]:
    """``value`` in clear and in the forms a careless implementation would store it."""
    forms = [value.encode()]
    for h in (hashlib.md5, hashlib.sha1, hashlib.sha256):  # noqa: S324 - looking for careless hashes
        forms.append(h(value.encode()).hexdigest().encode())
    forms.append(base64.b64encode(value.encode()).rstrip(b"="))
    return forms


def sqlite_dump(db_path: Path) -> bytes:
    with sqlite3.connect(db_path) as conn:
        return "\n".join(conn.iterdump()).encode()


def postgres_dump(dbname: str) -> bytes:
    base = ADMIN_DSN.rsplit("/", 1)[0]
    return subprocess.run(["pg_dump", f"{base}/{dbname}"], capture_output=True, check=True, timeout=120).stdout


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in Path(root).rglob("*") if p.is_file()}


def redis_contents(url: str) -> bytes:
    import redis

    client = redis.Redis.from_url(url)
    try:
        parts = []
        for key in client.scan_iter(count=1000):
            parts.append(key)
            kind = client.type(key)
            if kind == b"string":
                parts.append(client.get(key) or b"")
            elif kind == b"hash":
                parts.extend(b"".join(kv) for kv in client.hgetall(key).items())
        return b"\n".join(parts)
    finally:
        client.close()


def everything_written(settings: Settings, log_path: Path, *, temp_dir: Path | None = None) -> dict[str, bytes]:
    """Every byte a stopped server left behind: its output, a full SQL dump, every file under the data directory
    (database, WAL, SHM, key store, shared stores) and, if given, every file in the temporary directory it used."""
    blobs = {"server output": log_path.read_bytes()}
    if settings.db_url.startswith("sqlite"):
        blobs["sql dump"] = sqlite_dump(Path(settings.db_url.split("///", 1)[1]))
    else:
        blobs["pg_dump"] = postgres_dump(settings.database_url.rsplit("/", 1)[1])
    blobs.update(files_under(settings.data_path))
    if temp_dir is not None:
        blobs.update({f"temp {name}": data for name, data in files_under(temp_dir).items()})
    return blobs


def find_leaks(sentinels: Sentinels, blobs: dict[str, bytes], *, allow: Iterable[str] = (),
               extra: dict[str, str] | None = None) -> list[str]:
    """Every (sentinel, place) where a sentinel or one of its encodings was found; ``extra`` values (known only
    during the run, such as the cookies a server set) are searched for the same way."""
    found = []
    allowed = set(allow)
    searched = sentinels.searchable()
    searched.update({name: encodings(value) for name, value in (extra or {}).items()})
    for name, forms in searched.items():
        if name in allowed:
            continue
        for where, blob in blobs.items():
            low = blob.lower()
            if any(form.lower() in low for form in forms):
                found.append(f"{name} found in {where}")
    return found
