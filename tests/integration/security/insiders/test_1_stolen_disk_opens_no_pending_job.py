"""Finding 1: a stolen database plus a host's key folder must open no pending job, with no password.

The attacker rotates nothing and knows no password. They wait for an admin to rotate the keys while the
worker lags, with a reply's text notice still queued, then take the database and the key folder (but not
the environment the processes run with) and try every key-shaped string in the folder on every sealed value
and outbox payload, adding any key they find inside a payload to the pool.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from signalement.db.models import OutboxJob, utcnow
from signalement.notify import SMS_JOB
from signalement.retention import purge
from support.cases import submit
from support.insiders import open_everything, private_keys_in, run_cli, steal_key_folder
from support.officers import form, next_code, sign_in

PG_ONLY = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
NARRATIVE = "Le contremaître garde nos passeports dans son camion rouge"
PHONE = "+15145550142"


@PG_ONLY
async def test_a_stolen_database_and_key_folder_open_no_job_narrative_or_phone_after_a_rotation(
    env_stack, web, staff, tmp_path
) -> None:
    officer = await staff()
    receipt = await submit(env_stack, narrative=NARRATIVE, phone=PHONE)
    token = await sign_in(web, env_stack.runtime, officer)
    r = await web.post(f"/officer/cases/{receipt.case_id}/replies", data=form(token, text="Merci, nous regardons."))
    assert r.status_code == 303, r.text[:300]
    async with env_stack.runtime.db.reading() as s:
        assert await s.scalar(select(OutboxJob.id).where(OutboxJob.kind == SMS_JOB)) is not None

    code = await next_code(env_stack.runtime, env_stack.admin)
    out = run_cli(env_stack.settings, env_stack.secrets_env, "keys", "rotate", "--admin", env_stack.admin.username,
                  stdin=f"{env_stack.admin.password}\n{code}\n")
    assert out.returncode == 0, out.stderr
    # The worker lags: nothing has run. The insider copies the key folder and reads the whole database.
    stolen = steal_key_folder(env_stack.settings, tmp_path)
    loot = await open_everything(env_stack.runtime.db, private_keys_in(stolen))

    assert loot.opened == [], [where for where, _ in loot.opened]
    for blob in [p.read_bytes() for p in stolen.rglob("*") if p.is_file()]:
        assert PHONE.encode() not in blob and NARRATIVE.encode() not in blob


@PG_ONLY
async def test_a_text_that_was_never_sent_loses_its_phone_number_when_it_expires(env_stack, web, staff) -> None:
    officer = await staff()
    receipt = await submit(env_stack, narrative=NARRATIVE, phone=PHONE)
    token = await sign_in(web, env_stack.runtime, officer)
    r = await web.post(f"/officer/cases/{receipt.case_id}/replies", data=form(token, text="Une nouvelle."))
    assert r.status_code == 303
    # Twilio was down for three days; the job kept failing and is still pending.
    past = utcnow() - dt.timedelta(hours=env_stack.settings.outbox_expiry_hours + 1)
    async with env_stack.runtime.db.writing() as s:
        await s.execute(update(OutboxJob).where(OutboxJob.kind == SMS_JOB).values(created_at=past))
        await s.commit()
    await purge(env_stack.runtime)
    async with env_stack.runtime.db.reading() as s:
        job = await s.scalar(select(OutboxJob).where(OutboxJob.kind == SMS_JOB))
    assert job is not None and job.payload == b"" and job.status == "failed" and job.last_error == "Expired"
