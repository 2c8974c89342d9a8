"""Making and opening cases in tests through the real services (intake; the admin's own key)."""

from __future__ import annotations

import os
import subprocess
import sys
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


def run_cli(settings, *args: str, stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = settings_env(settings)
    env["SIGNALEMENT_LOG_FORMAT"] = "text"
    return subprocess.run([sys.executable, "-m", "signalement", *args], input=stdin, env=env, text=True,
                          capture_output=True, timeout=timeout, cwd=os.getcwd())
