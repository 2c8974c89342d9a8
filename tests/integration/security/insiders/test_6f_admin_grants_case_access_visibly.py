"""Finding 6f: an admin can read every case by creating a supervisor account and signing in as it.

The decision (docs/officer.md, docs/decisions/0007): giving an account a role that reads cases is an
admin's job and stays one, but it is a distinct, visible act. Every grant, whether a new account or a
role change across the line, is audited as ``officer.grant_case_access`` and listed on the admin page,
where every other admin sees who gave case access to whom.
"""

from __future__ import annotations

import pytest

from support.insiders import audit_actions
from support.officers import form, sign_in


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_giving_an_account_case_access_is_its_own_audited_and_listed_act(env_stack, web, staff) -> None:
    admin = await staff("admin", region=None)
    researcher = await staff("researcher", region=None)
    token = await sign_in(web, env_stack.runtime, admin)
    r = await web.post("/officer/admin/staff", data=form(token, username="sockpuppet", display_name="Sock",
                                                         role="supervisor", region="quebec"))
    assert r.status_code == 200, r.text[:300]
    r = await web.post(f"/officer/admin/staff/{researcher.id}/role",
                       data=form(token, role="officer", region="quebec"), follow_redirects=False)
    assert r.status_code in (200, 303), r.status_code
    grants = [a for a in await audit_actions(env_stack.runtime.db) if a[1] == "officer.grant_case_access"]
    assert {g[3].get("username") for g in grants} >= {"sockpuppet", researcher.username}
    assert all(g[0] == admin.username for g in grants)
    page = await web.get("/officer/admin/staff")
    assert "sockpuppet" in page.text and 'id="case-access-grants"' in page.text
