"""Keeps a running Signalement process's memory inside it: no core dump, no reads by the same user.

A web worker's memory holds reports in flight, the pepper and every other key list, officers' unlocked keys
and the receipt reserve's secrets (decision 18); the outbox worker's holds the worker private key and phone
numbers. Two ways that memory leaves the process without any bug of ours:

- a crash writes a core file, the whole address space, to disk, where backups and support bundles pick it up;
- another process of the same user (a shell or a compromised tool in the container, a debugger) attaches
  with ptrace or reads ``/proc/PID/mem``, ``/proc/PID/environ`` or ``/proc/PID/maps``.

``harden_process`` sets ``RLIMIT_CORE`` to 0, soft and hard (no core file, and the process cannot raise it
again), and ``prctl(PR_SET_DUMPABLE, 0)``: the kernel then dumps no core at all, not even to a
``core_pattern`` pipe handler (which ``RLIMIT_CORE`` does not reach), and refuses ptrace and those ``/proc``
reads to any process without ``CAP_SYS_PTRACE``, same user included.

What it does not protect against: root, or anything holding ``CAP_SYS_PTRACE`` over the process (the host,
a privileged container); a kernel bug; ``fs.suid_dumpable = 2`` (the kernel then dumps non-dumpable processes
too, readable by root only); memory swapped to an unencrypted disk; the moments before it runs (a process's
imports, before any setting or key is read). ``execve`` resets dumpable, so every process we start that holds
secrets calls it itself: ``signalement serve`` and each of its uvicorn workers (``app.create_served_app``),
and ``signalement worker``.
"""

from __future__ import annotations

import ctypes
import logging
import resource
import sys
from collections.abc import Callable

logger = logging.getLogger("signalement.hardening")

# <linux/prctl.h>
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4

_warned = False


def load_libc() -> ctypes.CDLL:
    """The C library already loaded in this process (glibc or musl), which holds ``prctl``."""
    return ctypes.CDLL(None, use_errno=True)


def harden_process(libc: Callable[[], ctypes.CDLL] = load_libc) -> None:
    """Turn core dumps off and make this process non-dumpable, on Linux. A step the system refuses is logged
    once a process, at WARNING, naming the step and nothing else, and the process carries on: refusing to
    serve would take the reporting channel away, which is worse than a dump that may never happen."""
    if not sys.platform.startswith("linux"):
        return
    missing = [name for name, applied in (("core_limit", _forbid_core_files()), ("dumpable", _forbid_dumping(libc)))
               if not applied]
    global _warned
    if missing and not _warned:
        _warned = True
        logger.warning("process_hardening_incomplete", extra={"missing": ",".join(missing)})


def _forbid_core_files() -> bool:
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        return False
    return True


def _forbid_dumping(libc: Callable[[], ctypes.CDLL]) -> bool:
    try:
        prctl = libc().prctl
    except (OSError, AttributeError):
        return False
    return bool(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)
