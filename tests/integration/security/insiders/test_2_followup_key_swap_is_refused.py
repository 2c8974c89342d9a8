"""Finding 2: a database administrator swaps a case's follow-up public key to read the officers' replies.

Replies (and the reporter's own copies of their messages) are sealed to ``cases.followup_public_key``. The
insider writes their own public key there, waits for a reply, and tries to read it with their private key.
The reply must not be sealed to their key, the officer must be told, and the audit log must show it.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import update

from signalement.db.models import Case
from signalement.intake import IntakeService
from signalement.vault.suites import PRIVATE_LEN, public_bytes_for
from support.cases import submit
from support.insiders import audit_actions, open_everything
from support.officers import form, sign_in

PG_ONLY = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


@PG_ONLY
async def test_a_swapped_follow_up_key_gets_no_reply_and_shows_in_the_audit_log(env_stack, web, staff) -> None:
    officer = await staff()
    receipt = await submit(env_stack, narrative="Nous dormons dans la grange.")
    suite = env_stack.runtime.suite
    mine = os.urandom(PRIVATE_LEN[suite])
    async with env_stack.runtime.db.writing() as s:
        await s.execute(update(Case).where(Case.id == receipt.case_id)
                        .values(followup_public_key=public_bytes_for(suite, mine)))
        await s.commit()

    token = await sign_in(web, env_stack.runtime, officer)
    r = await web.post(f"/officer/cases/{receipt.case_id}/replies",
                       data=form(token, text="Votre inspection est prévue mardi."))
    assert r.status_code == 409, r.status_code
    # The reporter comes back with their code and secret and writes again: their copy is sealed to the key
    # their secret derives, not to whatever the database says.
    access = await IntakeService(env_stack.runtime).open_followup(receipt.case_code, receipt.secret, "client")
    assert access is not None
    await IntakeService(env_stack.runtime).add_message(access, "Merci, à mardi.", channel="web")

    loot = await open_everything(env_stack.runtime.db, {(suite, mine)})
    assert loot.opened == [], loot.texts()
    rejected = [a for a in await audit_actions(env_stack.runtime.db) if a[1] == "case.followup_key_rejected"]
    assert rejected and rejected[0][2] == receipt.case_id and rejected[0][0] == officer.username
