"""Finding 3: a database or Redis insider acts as a staff member without their password or TOTP.

* A credential row is the officer's secrets sealed under their password. An insider who writes one made
  with a password and TOTP secret of their own must not be able to sign in with it.
* A role raised by an UPDATE must not take effect.
* A session is a record in Redis. An insider who reads the store must not be able to use a session id
  from it, and one who rewrites a session must get nothing but a logged rejection.
"""

from __future__ import annotations

import base64
import os
import time

import msgspec
import pytest
from sqlalchemy import select, update

from signalement.db.models import Officer, OfficerCredential
from signalement.staff import totp
from signalement.vault.kdf import TEST_COSTS
from signalement.vault.wrapping import CredentialPayload, seal_credential
from support.insiders import REDIS_URL, audit_actions, http_client
from support.officers import csrf_token, next_code, sign_in

PG_ONLY = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
ATTACKER_PASSWORD = "insider-chosen-password-9"  # noqa: S105


@PG_ONLY
async def test_a_credential_row_written_by_a_database_insider_does_not_sign_in(env_stack, web, staff) -> None:
    victim = await staff("supervisor")
    my_totp = os.urandom(20)
    kdf, blob = seal_credential(ATTACKER_PASSWORD, victim.id, CredentialPayload(totp_secret=my_totp),
                                TEST_COSTS.officer)
    async with env_stack.runtime.db.writing() as s:
        await s.execute(update(OfficerCredential).where(OfficerCredential.officer_id == victim.id)
                        .values(kdf=kdf, blob=blob))
        await s.commit()

    token = await csrf_token(web)
    r = await web.post("/officer/sign-in", data={
        "username": victim.username, "password": ATTACKER_PASSWORD, "_csrf_token": token,
        "code": totp.current_code(my_totp, at=(int(time.time()) // 30 + 1) * 30),
    }, follow_redirects=False)
    assert r.status_code == 400, r.status_code
    assert (await web.get("/officer/queue", follow_redirects=False)).status_code == 303
    actions = await audit_actions(env_stack.runtime.db)
    assert any(a[1] == "auth.credential_rejected" and a[2] == str(victim.id) for a in actions), actions[-3:]


@PG_ONLY
async def test_a_role_raised_in_the_database_does_not_take_effect(env_stack, web, staff) -> None:
    researcher = await staff("researcher", region=None)
    async with env_stack.runtime.db.writing() as s:
        await s.execute(update(Officer).where(Officer.id == researcher.id).values(role="admin"))
        await s.commit()
    token = await csrf_token(web)
    await web.post("/officer/sign-in", data={
        "username": researcher.username, "password": researcher.password, "_csrf_token": token,
        "code": await next_code(env_stack.runtime, researcher)}, follow_redirects=False)
    assert (await web.get("/officer/admin/staff", follow_redirects=False)).status_code != 200
    assert any(a[1] == "auth.credential_rejected" and a[2] == str(researcher.id)
               for a in await audit_actions(env_stack.runtime.db))


@pytest.fixture
def with_redis() -> bool:
    return True


SESSIONS = "signalement:sessions:"


def _session_keys() -> set[bytes]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return set(client.scan_iter(match=SESSIONS + "*", count=1000))
    finally:
        client.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_session_id_read_out_of_redis_does_not_open_a_session(env_stack, web, staff) -> None:
    officer = await staff("supervisor")
    before = _session_keys()
    await sign_in(web, env_stack.runtime, officer)
    assert (await web.get("/officer/queue", follow_redirects=False)).status_code == 200
    new = _session_keys() - before
    assert new, "the session was not written to Redis"
    for key in new:
        async with http_client(env_stack.app) as thief:
            thief.cookies.set("signalement-session", key.decode()[len(SESSIONS):])
            r = await thief.get("/officer/queue", follow_redirects=False)
            assert r.status_code == 303 and "/officer/sign-in" in r.headers["location"], r.status_code


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_session_rewritten_in_redis_acts_as_no_one_and_is_logged(env_stack, web, staff) -> None:
    import redis

    from signalement.staff.access import Stage
    from signalement.staff.sessions import SessionState

    officer = await staff("officer")
    before = _session_keys()
    await sign_in(web, env_stack.runtime, officer)
    (key,) = _session_keys() - before
    async with env_stack.runtime.db.reading() as s:
        admin = await s.scalar(select(Officer).where(Officer.username == env_stack.admin.username))
        stamp = await s.scalar(select(OfficerCredential.updated_at).where(OfficerCredential.officer_id == admin.id))
    now = time.time()
    forged = SessionState(officer_id=admin.id, stage=Stage.READY, created=now, seen=now,
                          credential_at=stamp.isoformat())
    value = msgspec.json.encode({"state": base64.b64encode(msgspec.msgpack.encode(forged)).decode()})
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.set(key, value, ex=600)
    finally:
        client.close()

    r = await web.get("/officer/admin/staff", follow_redirects=False)
    assert r.status_code == 303 and "/officer/sign-in" in r.headers["location"], r.status_code
    assert any(a[1] == "auth.session_rejected" for a in await audit_actions(env_stack.runtime.db))
