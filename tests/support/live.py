"""A real ``signalement serve`` process on 127.0.0.1, for browser, privacy and crash tests.

Started in its own process group and always stopped by PID. Its stderr (our
logs) goes to a file the privacy tests grep.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import msgspec

from signalement.settings import Settings
from support.memory_reader import without_capabilities


class Process(msgspec.Struct, kw_only=True):
    """A ``signalement`` process started in its own process group, with its output in ``log_path``."""

    log_path: Path
    process: subprocess.Popen  # type: ignore[type-arg]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.wait_or_kill()

    def wait_or_kill(self) -> None:
        """Wait for a process already asked to stop (SIGKILL after 10 s). Never signal it twice: a second SIGTERM
        that lands after its event loop has closed, while it is still exiting, would kill it with -15."""
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class LiveServer(Process, kw_only=True):
    base_url: str


def health_probe() -> httpx.Client:
    """One HTTP client for a whole wait for a server to answer (``with health_probe() as probe: probe.get(...)``).

    ``httpx.get`` builds a client, and with it an SSL context (about 0.1 s of CPU), on every call: polling
    every 0.1 s with it kept a core busy for as long as the server took to start, on a machine with two."""
    return httpx.Client(timeout=1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALEMENT_")}
    env.update({
        "SIGNALEMENT_DATA_DIR": settings.data_dir,
        "SIGNALEMENT_DATABASE_URL": settings.database_url,
        "SIGNALEMENT_ENV": settings.env,
        "SIGNALEMENT_TIERS": settings.tiers,
        "SIGNALEMENT_PUBLIC_URL": settings.public_url,
        "SIGNALEMENT_TWILIO_API_BASE": settings.twilio_api_base,
        "SIGNALEMENT_TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "SIGNALEMENT_TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "SIGNALEMENT_TWILIO_FROM_NUMBER": settings.twilio_from_number,
        "SIGNALEMENT_LOG_FORMAT": "json",
        "SIGNALEMENT_KDF_COST": settings.kdf_cost,
    })
    env.pop("TWILIO_REGION", None)
    env.pop("TWILIO_EDGE", None)
    return {k: v for k, v in env.items() if v is not None}


def start_server(settings: Settings, log_path: Path, *, port: int | None = None,
                 extra_env: dict[str, str] | None = None, timeout: float = 30.0, workers: int = 1,
                 unprivileged: bool = False) -> LiveServer:
    """``signalement serve`` with ``workers`` workers, waited for. ``unprivileged``: with no capability, as in
    production, even when the tests run as root (``support.memory_reader``)."""
    port = port or free_port()
    env = settings_env(settings)
    env["SIGNALEMENT_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env.update(extra_env or {})
    log = log_path.open("ab")
    command = [sys.executable, "-m", "signalement", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]
    proc = subprocess.Popen(
        without_capabilities(command) if unprivileged else command, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = LiveServer(base_url=f"http://127.0.0.1:{port}", log_path=log_path, process=proc)
    deadline = time.monotonic() + timeout
    with health_probe() as probe:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{server.logs()[-2000:]}")
            try:
                if probe.get(f"{server.base_url}/healthz").status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not become healthy in {timeout}s:\n{server.logs()[-2000:]}")


def served_worker_pids(server: LiveServer, n: int, timeout: float = 30.0) -> list[int]:
    """The uvicorn worker processes under the server (not multiprocessing's resource tracker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = server.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        workers = [int(c) for c in children if b"spawn_main" in _cmdline(int(c))]
        if len(workers) == n:
            return sorted(workers)
        time.sleep(0.05)
    raise AssertionError(f"expected {n} worker processes under {server.process.pid}")


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""
