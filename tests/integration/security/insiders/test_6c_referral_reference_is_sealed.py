"""Finding 6c: a referral's ``reference`` (a police file number, a partner's case id) was stored in clear.

It names the case at a partner and can identify the worker there. It is sealed like every other case value.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from support.cases import submit
from support.officers import form, sign_in

REFERENCE = "SPVM-2026-0048213"
PG_ONLY = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


@PG_ONLY
async def test_a_referral_reference_is_nowhere_in_the_database_in_clear(env_stack, web, staff) -> None:
    officer = await staff()
    receipt = await submit(env_stack)
    token = await sign_in(web, env_stack.runtime, officer)
    r = await web.post(f"/officer/cases/{receipt.case_id}/referrals",
                       data=form(token, partner="police", referred_on="2026-03-02", reference=REFERENCE))
    assert r.status_code == 303, r.text[:300]
    page = await web.get(f"/officer/cases/{receipt.case_id}")
    assert REFERENCE in page.text  # the officer still reads it
    async with env_stack.runtime.db.reading() as s:
        tables = (await s.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"))).scalars().all()
        for table in tables:
            query = text(f'SELECT CAST(t AS TEXT) FROM "{table}" t')  # noqa: S608 - names from the catalogue
            dump = (await s.execute(query)).scalars().all()
            assert not any(REFERENCE in row for row in dump), table
