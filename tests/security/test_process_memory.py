"""The memory of a running service, from an attacker's side: ``signalement serve`` (its supervisor and each
uvicorn worker, which starts from a fresh ``execve``) and ``signalement worker``, run as production runs them
(no capability), dump no core and refuse another process of their user ``/proc/PID/mem``, ``maps`` and
``environ`` (``signalement.hardening``). A plain process started the same way shows that the attacker would
read them otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from support.cluster import WorkerProcess, spawn_worker
from support.live import LiveServer, served_worker_pids, settings_env, start_server
from support.memory_reader import attack, sleeping_process, wait_for_core_limit
from support.stack import Template, clone

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]

REFUSED = {"capabilities": 0, "maps": "refused", "environ": "refused", "mem": "refused"}


class Service(msgspec.Struct):
    server: LiveServer
    worker: WorkerProcess


@pytest.fixture
def service(templates: dict[str, Template], tmp_path: Path) -> Iterator[Service]:
    settings, _database = clone(templates["sqlite"], tmp_path)
    worker = spawn_worker(settings_env(settings), tmp_path / "worker.log", unprivileged=True)
    try:
        server = start_server(settings, tmp_path / "server.log", workers=2, unprivileged=True)
        try:
            yield Service(server=server, worker=worker)
        finally:
            server.stop()
    finally:
        worker.stop()


def test_no_process_of_the_service_dumps_core_or_lets_its_user_read_its_memory(service: Service) -> None:
    with sleeping_process(hardened=False) as plain:
        assert attack(plain) == {"capabilities": 0, "maps": "read", "environ": "read", "mem": "read"}
    workers = served_worker_pids(service.server, 2)
    processes = {"serve": service.server.process.pid, "outbox worker": service.worker.process.pid}
    processes |= {f"web worker {n}": pid for n, pid in enumerate(workers)}
    for name, pid in processes.items():
        assert wait_for_core_limit(pid, ("0", "0")) == ("0", "0"), name
        assert attack(pid) == REFUSED, name
    assert service.worker.process.poll() is None, service.worker.logs()[-2000:]
    assert "process_hardening" not in service.server.logs() + service.worker.logs()
