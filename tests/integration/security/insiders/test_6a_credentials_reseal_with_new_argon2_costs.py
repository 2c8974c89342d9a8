"""Finding 6a: docs/crypto.md says the next sign-in re-seals a credential with new Argon2 parameters. It does.

A credential made when the costs were lower is re-sealed at sign-in with the current parameters, and the
upgrade is in the audit log. Someone who stole the old row holds only the weaker copy, which a password
change would also replace.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signalement.db.models import Officer, OfficerCredential
from signalement.staff.accounts import reseal_credential
from signalement.vault.kdf import Argon2Params, KdfCosts
from signalement.vault.wrapping import open_credential
from support.insiders import audit_actions
from support.officers import sign_in

WEAKER = Argon2Params(memory_kib=32, iterations=1)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_credential_below_the_current_costs_is_resealed_at_sign_in(env_stack, web, staff) -> None:
    rt = env_stack.runtime
    officer = await staff()
    current = rt.kdf_costs.officer
    # The credential was made when the installation used weaker parameters.
    async with rt.db.writing() as s:
        row = await s.get(OfficerCredential, officer.id)
        payload = open_credential(officer.password, officer.id, row.kdf, row.blob)
        rt.__dict__["kdf_costs"] = KdfCosts(receipt=rt.kdf_costs.receipt, officer=WEAKER)
        await reseal_credential(rt, s, await s.get(Officer, officer.id), officer.password, payload)
        await s.commit()
    rt.__dict__["kdf_costs"] = KdfCosts(receipt=rt.kdf_costs.receipt, officer=current)
    async with rt.db.reading() as s:
        assert (await s.get(OfficerCredential, officer.id)).kdf["m"] == WEAKER.memory_kib

    await sign_in(web, rt, officer)
    async with rt.db.reading() as s:
        kdf = await s.scalar(select(OfficerCredential.kdf).where(OfficerCredential.officer_id == officer.id))
    assert (kdf["m"], kdf["t"]) == (current.memory_kib, current.iterations)
    assert any(a[1] == "auth.credential_upgrade" and a[2] == str(officer.id) for a in await audit_actions(rt.db))
    assert (await web.get("/officer/queue", follow_redirects=False)).status_code == 200
