"""Finding 6d: ``keys rotate``, ``keys recovery split`` and ``officer add`` asked only for the admin's password.

A stolen admin password (a phished one, one read off a sticky note) is not enough to take the master key
out in recovery shares, hand it to a new account, or rotate: each asks for the admin's TOTP code too, and a
wrong code is in the audit log.
"""

from __future__ import annotations

import pytest

from support.insiders import audit_actions, run_cli
from support.officers import next_code

CEREMONIES = [
    ("keys", "rotate"),
    ("keys", "recovery", "split", "--shares", "3", "--threshold", "2"),
    ("officer", "add", "mallory", "--role", "supervisor"),
]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_each_ceremony_refuses_the_password_alone_and_accepts_it_with_the_code(env_stack) -> None:
    admin = env_stack.admin
    for args in CEREMONIES:
        full = [*args, "--admin", admin.username]
        alone = run_cli(env_stack.settings, env_stack.secrets_env, *full, stdin=f"{admin.password}\n")
        assert alone.returncode == 1, (args, alone.stdout)
        wrong = run_cli(env_stack.settings, env_stack.secrets_env, *full, stdin=f"{admin.password}\n000000\n")
        assert wrong.returncode == 1, (args, wrong.stdout)
        assert "SGSHARE" not in alone.stdout + wrong.stdout and "one-time password" not in alone.stdout + wrong.stdout
    refusals = [a for a in await audit_actions(env_stack.runtime.db) if a[1] == "auth.ceremony_refused"]
    assert len(refusals) >= len(CEREMONIES) * 2
    code = await next_code(env_stack.runtime, admin)
    ok = run_cli(env_stack.settings, env_stack.secrets_env, "keys", "recovery", "split", "--shares", "3",
                 "--threshold", "2", "--admin", admin.username, stdin=f"{admin.password}\n{code}\n")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count("SGSHARE1") == 3
