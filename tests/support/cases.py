"""Making and opening cases in tests through the real services (intake; the admin's own key)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import traceback
import uuid

from signalement.db.models import new_id
from signalement.intake import Answers, IntakeService, Receipt, Submission
from signalement.staff.accounts import master_from_password
from signalement.vault.unseal import MasterKey, PrivateKeyring
from support.live import settings_env


async def submit(stack, *, narrative: str = "They locked us in the bunkhouse.", employer: str = "Ferme Exemple",
                 phone: str | None = None, language: str = "en", categories: tuple[str, ...] = ("confinement",),
                 danger: str = "no", province: str = "QC") -> Receipt:
    sub = Submission(
        submission_key=f"test:{uuid.uuid4().hex}", channel="web", language=language,
        answers=Answers(categories=categories, danger_now=danger, province=province, town="Saint-Rémi",
                        employer=employer, site="J0L 1A0"),
        narrative=narrative, contact_pref="sms" if phone else "code", phone=phone,
    )
    return await IntakeService(stack.runtime).submit(sub)


async def submit_sealed_story(stack, parts: list[str], *, language: str = "en", province: str = "QC",
                              categories: tuple[str, ...] = ("other",)) -> Receipt:
    """A report whose story was sealed text by text as it arrived, as the SMS channel files one."""
    intake = IntakeService(stack.runtime)
    case_id = new_id()
    sealed = tuple(intake.seal_story_part(case_id, n, text, language) for n, text in enumerate(parts, 1))
    return await intake.submit(Submission(
        submission_key=f"test:{uuid.uuid4().hex}", channel="sms", language=language,
        answers=Answers(categories=categories, province=province), case_id=case_id, story_parts=sealed,
    ))


async def admin_master(stack) -> MasterKey:
    async with stack.runtime.db.writing() as session:
        return await master_from_password(stack.runtime, session, stack.admin.username, stack.admin.password)


async def keyring(stack) -> PrivateKeyring:
    return PrivateKeyring(stack.runtime.keystore, await admin_master(stack))


async def admin_stdin(stack) -> str:
    """What an admin types for a key ceremony: the password, then a fresh TOTP code."""
    from support.officers import next_code

    return f"{stack.admin.password}\n{await next_code(stack.runtime, stack.admin)}\n"


def run_cli(settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The ``signalement`` command run as an operator runs it: its settings only from ``SIGNALEMENT_*`` variables,
    its secrets from piped stdin, its answer as an exit code, stdout and stderr.

    It runs in this process (``cli.main`` in a thread of its own, for its own event loop, with the environment,
    stdin, stdout and stderr swapped while it runs), not in a new Python: a new interpreter spent about 0.7 s of
    CPU importing the app for every call, most of the key-ceremony tests' time. ``cli.main`` is what
    ``python -m signalement`` calls (``test_the_help_lists_only_commands_that_do_real_work`` starts that process),
    and the command builds its own runtime from the environment, so it shares no object with the test's stack."""
    from signalement import cli

    env = settings_env(settings)
    env["SIGNALEMENT_LOG_FORMAT"] = "text"
    out, err = io.StringIO(), io.StringIO()
    code: list[int] = []

    def command() -> None:
        try:
            code.append(cli.main(list(args)))
        except SystemExit as exc:  # argparse's own errors, as the process would exit with them
            code.append(exc.code if isinstance(exc.code, int) else 1)
        except BaseException:  # what an uncaught exception does to a process: exit 1, traceback on stderr
            traceback.print_exc(file=err)
            code.append(1)

    saved_env, saved_streams = dict(os.environ), (sys.stdin, sys.stdout, sys.stderr)
    os.environ.clear()
    os.environ.update(env)
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        worker = threading.Thread(target=command, name="signalement-cli")
        worker.start()
        worker.join()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["signalement", *args], code[0], out.getvalue(), err.getvalue())
