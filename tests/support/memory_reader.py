"""The attacker of ``signalement.hardening``'s tests: another process of the same user, with no privilege.

In production the service runs as a user of its own with no capability (``cap_drop: [ALL]``, a non-root
uid), and so would a compromised tool next to it. ``without_capabilities`` starts a command that way even when
the tests run as root (as on our CI machines): it empties the bounding set, then executes the command, which
gets no capability. ``attack(pid)`` runs this file the same way, as the test's own user, and tries what such
a tool would: read ``/proc/PID/maps`` and ``environ``, and bytes of the process's memory through
``/proc/PID/mem``. The kernel lets a process do that to another of the same uid whose capabilities it has
too, unless the target is not dumpable.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PR_CAPBSET_DROP = 24  # <linux/prctl.h>


def without_capabilities(command: list[str]) -> list[str]:
    """``command``, run as the same user with no capability at all (nothing changes for a non-root user)."""
    return [sys.executable, __file__, "run", *command]


def attack(pid: int) -> dict[str, object]:
    """What an unprivileged process of the same user gets from ``pid``: for ``maps``, ``environ`` and ``mem``,
    "read" or "refused"; and its own effective capabilities (0: it really has none)."""
    done = subprocess.run(without_capabilities([sys.executable, __file__, "read", str(pid)]), capture_output=True,
                          text=True, timeout=30, check=True)
    return dict(json.loads(done.stdout))


@contextmanager
def sleeping_process(*, hardened: bool) -> Iterator[int]:
    """A Python process of the same user with no capability, asleep once started (after ``harden_process``,
    if ``hardened``); its pid. Killed on leaving."""
    harden = "from signalement.hardening import harden_process; harden_process()" if hardened else ""
    code = f"import time\n{harden}\nprint('ready', flush=True)\ntime.sleep(60)"
    process = subprocess.Popen(without_capabilities([sys.executable, "-c", code]), stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        yield process.pid
    finally:
        process.kill()
        process.wait(timeout=10)


def core_limit(pid: int) -> tuple[str, str]:
    """``pid``'s core file size limit, soft and hard, as ``/proc/PID/limits`` shows it (readable by anyone)."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            soft, hard = line.split()[4:6]
            return soft, hard
    raise AssertionError(f"no core file size in /proc/{pid}/limits")


def wait_for_core_limit(pid: int, expected: tuple[str, str], timeout: float = 30.0) -> tuple[str, str]:
    """Poll ``pid``'s core limit until it is ``expected`` (the process has started and hardened itself) or
    the deadline passes; the last value seen either way."""
    deadline = time.monotonic() + timeout
    while (seen := core_limit(pid)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return seen


def _run_without_capabilities(command: list[str]) -> None:
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in range(int(Path("/proc/sys/kernel/cap_last_cap").read_text()) + 1):
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "PR_CAPBSET_DROP")
    # As root, an execve grants the bounding set: an empty one leaves no capability at all.
    os.execvp(command[0], command)  # noqa: S606 - the test's own command, no shell


def _attempt(read: Callable[[], bytes]) -> str:
    try:
        return "read" if read() else "empty"
    except PermissionError:
        return "refused"


def _read(pid: int) -> None:
    def memory() -> bytes:
        start = int(Path(f"/proc/{pid}/maps").read_text().split("-", 1)[0], 16)
        with open(f"/proc/{pid}/mem", "rb") as mem:
            mem.seek(start)
            return mem.read(64)

    status = Path("/proc/self/status").read_text()
    print(json.dumps({
        "capabilities": int(status.split("CapEff:")[1].split()[0], 16),
        "maps": _attempt(Path(f"/proc/{pid}/maps").read_bytes),
        "environ": _attempt(Path(f"/proc/{pid}/environ").read_bytes),
        "mem": _attempt(memory),
    }))


if __name__ == "__main__":
    if sys.argv[1] == "run":
        _run_without_capabilities(sys.argv[2:])
    else:
        _read(int(sys.argv[2]))
