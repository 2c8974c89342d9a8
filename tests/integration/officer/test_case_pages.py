"""The case page as an officer uses it: what the forms offer, and what a mistake says back."""

from __future__ import annotations

import re

from signalement.db.models import Role
from support.cases import submit
from support.officers import form, sign_in


def _options(page: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found, select_id
    return re.findall(r'<option value="([^"]*)"', found.group(1))


async def test_move_to_offers_the_next_step_first_and_closed_last(stack, web, staff) -> None:  # noqa: ANN001
    receipt = await submit(stack, province="QC")
    await sign_in(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert _options(page, "to") == ["triaged", "closed"]


async def test_each_status_mistake_says_what_went_wrong_and_what_to_do(stack, web, staff) -> None:  # noqa: ANN001
    receipt = await submit(stack, province="QC")
    token = await sign_in(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    path = f"/officer/cases/{receipt.case_id}/status"

    async def mistake(**fields: str) -> str:
        r = await web.post(path, data=form(token, **fields), follow_redirects=False)
        assert r.status_code == 409, r.status_code
        found = re.search(r'<p class="explanation">(.*?)</p>', r.text, re.S)
        assert found, r.text[:800]
        return found.group(1)

    missing = await mistake(to="closed")
    assert "choose its outcome" in missing
    extra = await mistake(to="triaged", outcome="duplicate")
    assert "only for closing" in extra and "Triaged" in extra
    skipped = await mistake(to="inspection")
    assert "cannot move to" in skipped and "Inspection opened" in skipped
    assert len({missing, extra, skipped}) == 3
    assert "does not fit the case" not in missing + extra + skipped
    # In French, the same mistakes in French.
    await web.post("/officer/language", data=form(token, language="fr", next="/officer/queue"))
    r = await web.post(path, data=form(token, to="closed"), follow_redirects=False)
    assert r.status_code == 409 and '<html lang="fr"' in r.text
    assert "résultat" in r.text and "choose its outcome" not in r.text
    # Nothing moved.
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert _options(page, "to") == ["triaged", "closed"]


async def test_the_api_names_each_status_mistake_in_its_problem_detail(stack, web, staff) -> None:  # noqa: ANN001
    from support.officers import sign_in_api

    receipt = await submit(stack, province="QC")
    token = await sign_in_api(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    details = []
    for body in ({"to": "closed"}, {"to": "triaged", "outcome": "duplicate"}, {"to": "inspection"}):
        r = await web.post(f"/api/v1/cases/{receipt.case_id}/status", json=body, headers={"x-csrftoken": token})
        assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
        details.append(r.json()["detail"])
    assert len(set(details)) == 3, details
    assert "outcome" in details[0]
