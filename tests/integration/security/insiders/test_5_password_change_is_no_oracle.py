"""Finding 5: the password-change form must not be an unthrottled, unaudited password oracle.

Someone at a signed-in officer's unlocked workstation (or holding their session) guesses the current
password through the change form. After a few failures they get 429, even with the right password, and
every failure is in the audit log.
"""

from __future__ import annotations

import pytest

from support.insiders import audit_actions
from support.officers import form, sign_in


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_guessing_the_current_password_is_throttled_and_audited(env_stack, web, staff) -> None:
    officer = await staff()
    token = await sign_in(web, env_stack.runtime, officer)
    codes = []
    for i in range(25):
        r = await web.post("/officer/account/password", data=form(
            token, current_password=f"guess-number-{i}-wrong", new_password="a much longer new passphrase",
            confirm="a much longer new passphrase"), follow_redirects=False)
        codes.append(r.status_code)
    assert 429 in codes, codes
    assert codes.index(429) <= 10, codes
    right = await web.post("/officer/account/password", data=form(
        token, current_password=officer.password, new_password="a much longer new passphrase",
        confirm="a much longer new passphrase"), follow_redirects=False)
    assert right.status_code == 429  # the oracle stays shut for the window, right answer or not
    failures = [a for a in await audit_actions(env_stack.runtime.db)
                if a[1] == "auth.password_change_failed" and a[0] == officer.username]
    assert len(failures) >= codes.index(429)
