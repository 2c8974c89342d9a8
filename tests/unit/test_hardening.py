"""``harden_process`` in a process of its own (it cannot be undone in the test's): no core limit left, not
dumpable, no core file after a crash, memory unreadable to another process of the same user, and a system
that refuses a step gets one warning naming no one."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from support.memory_reader import attack, core_limit, sleeping_process

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl and /proc are Linux's")

# A process that reports its dumpable flag and core limit, before and after ``{harden}``, logging as we do.
PROBE = """
import json, resource, sys
from signalement import hardening
from signalement.logs import configure_logging
configure_logging("json", "INFO", stream=sys.stderr)
def state():
    dumpable = hardening.load_libc().prctl(hardening.PR_GET_DUMPABLE, 0, 0, 0, 0)
    return {"dumpable": dumpable, "core": list(resource.getrlimit(resource.RLIMIT_CORE))}
before = state()
{harden}
print(json.dumps({"before": before, "after": state()}))
"""

# Crashes (SIGABRT) holding argv[1] in memory, after raising its core limit as far as it may.
CRASH = """
import os, resource, sys
from signalement.hardening import harden_process
sentinel = sys.argv[1].encode()
if "harden" in sys.argv:
    harden_process()
    try:  # only with CAP_SYS_RESOURCE (root): then the dumpable flag alone must stop the dump
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        pass
else:
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
os.abort()
"""


def probe(harden: str) -> tuple[dict[str, dict[str, object]], str]:
    done = subprocess.run([sys.executable, "-c", PROBE.replace("{harden}", harden)], capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout), done.stderr


def test_a_hardened_process_keeps_no_core_limit_and_is_not_dumpable() -> None:
    state, log = probe("hardening.harden_process()")
    assert state["before"]["dumpable"] == 1
    assert state["after"] == {"dumpable": 0, "core": [0, 0]}
    assert log == ""


def test_without_the_c_library_core_files_still_go_and_one_warning_names_only_the_missing_step() -> None:
    broken = "def missing():\n    raise OSError('no libc')\nhardening.harden_process(libc=missing)\n"
    state, log = probe(broken + "hardening.harden_process(libc=missing)")
    assert state["after"] == {"dumpable": 1, "core": [0, 0]}
    lines = log.splitlines()
    assert len(lines) == 1, log  # once a process, however often it is called
    entry = json.loads(lines[0])
    assert entry.keys() == {"ts", "level", "logger", "event", "missing"}
    assert (entry["level"], entry["event"], entry["missing"]) == ("warning", "process_hardening_incomplete", "dumpable")
    for identifier in (socket.gethostname(), os.environ.get("USER", "root"), sys.executable):
        assert identifier not in lines[0]


def core_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith("core")]


def crash(folder: Path, sentinel: str, *options: str) -> list[Path]:
    folder.mkdir()
    done = subprocess.run([sys.executable, "-c", CRASH, sentinel, *options], cwd=folder, capture_output=True,
                          timeout=60)
    assert done.returncode < 0, done.stderr  # killed by SIGABRT
    return core_files(folder)


def test_a_hardened_process_that_crashes_writes_no_core_file(tmp_path: Path) -> None:
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    sentinel = f"core-sentinel-{secrets.token_hex(8)}"
    unhardened = crash(tmp_path / "unhardened", sentinel)
    if pattern.startswith(("|", "/")) or not unhardened:
        pytest.skip(f"this machine writes no core file in the crashing process's folder ({pattern!r})")
    assert sentinel.encode() in unhardened[0].read_bytes()  # a crash puts the process's memory on disk
    assert crash(tmp_path / "hardened", sentinel, "harden") == []


def test_another_process_of_the_same_user_cannot_read_a_hardened_process_memory() -> None:
    with sleeping_process(hardened=False) as plain, sleeping_process(hardened=True) as hardened:
        # The attacker works on this machine: it reads a process that did not harden itself.
        assert attack(plain) == {"capabilities": 0, "maps": "read", "environ": "read", "mem": "read"}
        assert core_limit(plain)[1] != "0"
        assert core_limit(hardened) == ("0", "0")
        assert attack(hardened) == {"capabilities": 0, "maps": "refused", "environ": "refused", "mem": "refused"}
