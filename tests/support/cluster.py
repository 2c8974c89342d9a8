"""Several real Signalement processes on 127.0.0.1 sharing one database: the deployment tests.

Each process gets an environment built the way an operator's secret manager would build it: only the
key lists its tiers use, in ``SIGNALEMENT_*`` variables, and a key folder of its own. Servers and workers
are started together (importing the app takes seconds on a loaded machine), waited for with a deadline,
and always stopped by PID (``LiveServer.stop`` / ``WorkerProcess.stop``).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from signalement.settings import SECRET_LISTS, Settings
from support.live import LiveServer, Process, free_port, health_probe, settings_env
from support.memory_reader import without_capabilities

# A Redis database index no other test uses (live privacy: 11, insiders: 12). Each run also writes under a
# namespace of its own (``SIGNALEMENT_REDIS_NAMESPACE``) and deletes only that namespace's keys, so two test
# runs on one machine (two worktrees) never wipe each other's sessions or counts.
REDIS_URL = "redis://127.0.0.1:6379/14"


def redis_namespace() -> str:
    return f"sigtest-{uuid.uuid4().hex[:12]}"


def delete_namespace(client: Any, namespace: str) -> int:
    """Delete every key under ``namespace`` (and nothing else) from the Redis database ``client`` uses."""
    keys = list(client.scan_iter(match=f"{namespace}:*", count=500))
    return int(client.delete(*keys)) if keys else 0

# What each kind of process is given, as an operator would (docs/configuration.md, "Which host needs which
# key list"). The public intake tier gets no audit, staff or worker key.
PUBLIC_SECRETS = ("pepper_keys", "blind_index_keys", "form_keys", "followup_mac_keys", "metrics_token")
STAFF_SECRETS = ("pepper_keys", "blind_index_keys", "form_keys", "audit_keys", "followup_mac_keys",
                 "staff_keys", "metrics_token")
WORKER_SECRETS = (*STAFF_SECRETS, "worker_keys")


class WorkerProcess(Process, kw_only=True):
    """A ``signalement worker`` process."""


def dev_secrets(settings: Settings) -> dict[str, str]:
    """The key lists ``signalement init`` generated for the template (development ids)."""
    data = json.loads(settings.secrets_file.read_text())
    return {name: str(data[name]) for name in (*SECRET_LISTS, "metrics_token") if name in data}


def public_key_folder(source: Path, dest: Path) -> Path:
    """A copy of the key store with the public files only: ``current`` and every ``*.json`` public key."""
    for path in source.rglob("*"):
        if path.is_file() and (path.suffix == ".json" and path.name != "dev-secrets.json" or path.name == "current"):
            target = dest / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copy2(path, target)
    return dest


def staff_key_folder(source: Path, dest: Path) -> Path:
    """The key store as the staff tier mounts it: public keys and epoch keys sealed to the master key; not the
    worker's private key nor the development secrets file (secrets come from the environment)."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("dev-secrets.json", "worker.key"))
    return dest


def process_env(settings: Settings, *, tiers: str, key_dir: Path, data_dir: Path, secrets: dict[str, str],
                names: tuple[str, ...], extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of one process: the shared database, its tiers, its own folders, the named secrets."""
    env = settings_env(settings)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    env.update({"SIGNALEMENT_TIERS": tiers, "SIGNALEMENT_KEY_DIR": str(key_dir), "SIGNALEMENT_DATA_DIR": str(data_dir)})
    for name in names:
        env[f"SIGNALEMENT_{name.upper()}"] = secrets[name]
    env.update(extra or {})
    return env


def spawn_server(env: dict[str, str], log_path: Path, port: int | None = None,
                 public_url: str | None = None) -> LiveServer:
    """``signalement serve`` in its own process group; not waited for (``wait_healthy``)."""
    port = port or free_port()
    env = {**env, "SIGNALEMENT_PUBLIC_URL": public_url or f"http://127.0.0.1:{port}"}
    log = log_path.open("ab")
    proc = subprocess.Popen(
        # One process per instance, as one container per pod runs it (``serve`` defaults to one per core).
        [sys.executable, "-m", "signalement", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return LiveServer(base_url=f"http://127.0.0.1:{port}", log_path=log_path, process=proc)


def spawn_worker(env: dict[str, str], log_path: Path, *, unprivileged: bool = False) -> WorkerProcess:
    """``signalement worker`` in its own process group; ``unprivileged`` as ``live.start_server``'s."""
    log = log_path.open("ab")
    command = [sys.executable, "-m", "signalement", "worker"]
    proc = subprocess.Popen(without_capabilities(command) if unprivileged else command, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    return WorkerProcess(log_path=log_path, process=proc)


def wait_healthy(servers: list[LiveServer], timeout: float = 45.0) -> None:
    """Poll every server's ``/healthz`` until all answer, or fail naming the one that did not."""
    deadline = time.monotonic() + timeout
    pending = list(servers)
    with health_probe() as probe:
        while pending and time.monotonic() < deadline:
            for server in list(pending):
                if server.process.poll() is not None:
                    raise RuntimeError(f"server exited early:\n{server.logs()[-2000:]}")
                try:
                    if probe.get(f"{server.base_url}/healthz").status_code == 200:
                        pending.remove(server)
                except httpx.HTTPError:
                    pass
            if pending:
                time.sleep(0.1)
    if pending:
        raise RuntimeError(f"{pending[0].base_url} did not become healthy in {timeout}s:\n{pending[0].logs()[-2000:]}")


def process_environ(pid: int) -> dict[str, str]:
    """What a running process really holds in its environment (``/proc/PID/environ``). A Signalement process is
    not dumpable (``signalement.hardening``): only a reader with ``CAP_SYS_PTRACE`` gets it, as the tests do
    when run as root."""
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (item.decode(errors="replace").partition("=") for item in raw.split(b"\0") if item)
    return {k: v for k, _, v in pairs}


def stop_all(processes: list[LiveServer] | list[WorkerProcess] | list[LiveServer | WorkerProcess]) -> None:
    """SIGTERM every process group first, then wait for each (SIGKILL after 10 s): stopping takes one wait."""
    for p in processes:
        if p.process.poll() is None:
            try:
                os.killpg(p.process.pid, signal.SIGTERM)
            except ProcessLookupError:  # exited between the poll and the signal
                pass
    for p in processes:
        p.wait_or_kill()


def behind_tls(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Let ``client`` talk to a production-mode process directly over plain HTTP on 127.0.0.1, as the TLS proxy
    would: its cookies are ``__Host-`` and ``Secure``, which a cookie jar sends only over HTTPS."""

    async def add_secure_cookies(request: httpx.Request) -> None:
        secure = [f"{c.name}={c.value}" for c in client.cookies.jar if c.secure]
        if secure:
            existing = request.headers.get("cookie")
            request.headers["cookie"] = "; ".join(([existing] if existing else []) + secure)

    client.event_hooks["request"].append(add_secure_cookies)
    return client


def production_secrets() -> dict[str, str]:
    """Fresh key lists with non-development ids, for a process that runs with ``SIGNALEMENT_ENV=production``."""
    from signalement.settings import generate_key_entry

    out = {name: generate_key_entry(prefix="prod-") for name in SECRET_LISTS}
    out["metrics_token"] = base64.urlsafe_b64encode(os.urandom(24)).decode()
    return out
