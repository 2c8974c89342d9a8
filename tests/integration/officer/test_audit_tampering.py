"""The audit chain catches an edited, a deleted and a reordered entry, in code and on the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from signalement import audit
from signalement.db.models import AuditEntry
from support.cases import run_cli, submit
from support.officers import sign_in, sign_in_api


async def busy_log(stack, web, staff) -> list[int]:  # noqa: ANN001
    """A log with real entries: sign-ins, case opens, notes."""
    receipt = await submit(stack, province="QC")
    token = await sign_in_api(web, stack.runtime, await staff())
    for i in range(3):
        await web.get(f"/api/v1/cases/{receipt.case_id}")
        await web.post(
            f"/api/v1/cases/{receipt.case_id}/notes", json={"text": f"n{i}"}, headers={"x-csrftoken": token}
        )
    async with stack.runtime.db.reading() as session:
        return list((await session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq))).scalars())


async def verify(stack) -> audit.VerifyResult:  # noqa: ANN001
    async with stack.runtime.db.reading() as session:
        return await audit.verify(session, stack.runtime.audit_keys)


def cli_verify(stack) -> tuple[int, str]:  # noqa: ANN001
    result = run_cli(stack.settings, "audit", "verify")
    return result.returncode, result.stdout


async def test_an_untouched_log_verifies(stack, web, staff) -> None:
    seqs = await busy_log(stack, web, staff)
    result = await verify(stack)
    assert result.ok and result.checked == len(seqs) >= 8
    code, out = cli_verify(stack)
    assert code == 0 and "audit log intact" in out


async def tamper(stack, how: str, seqs: list[int]) -> None:  # noqa: ANN001
    target = seqs[len(seqs) // 2]
    async with stack.runtime.db.writing() as session:
        if how == "edited":
            await session.execute(
                update(AuditEntry).where(AuditEntry.seq == target).values(actor="someone-else")
            )
        elif how == "edited-detail":
            await session.execute(
                update(AuditEntry).where(AuditEntry.seq == target).values(detail={"via": "nothing"})
            )
        elif how == "deleted":
            await session.execute(delete(AuditEntry).where(AuditEntry.seq == target))
        elif how == "reordered":
            # Swap two entries' positions, keeping each one's own MAC: the links no longer line up.
            a, b = target, target + 1
            await session.execute(update(AuditEntry).where(AuditEntry.seq == a).values(seq=-1))
            await session.execute(update(AuditEntry).where(AuditEntry.seq == b).values(seq=a))
            await session.execute(update(AuditEntry).where(AuditEntry.seq == -1).values(seq=b))
        await session.commit()


@pytest.mark.parametrize(
    ("how", "problem"),
    [
        ("edited", "was altered"),
        ("edited-detail", "was altered"),
        ("deleted", "is missing"),
        ("reordered", "does not follow"),
    ],
)
async def test_tampering_with_the_log_is_caught_by_verify_and_by_the_cli(
    stack, web, staff, how: str, problem: str
) -> None:
    seqs = await busy_log(stack, web, staff)
    await tamper(stack, how, seqs)
    result = await verify(stack)
    assert not result.ok and any(problem in p for p in result.problems), result.problems
    code, out = cli_verify(stack)
    assert code == 2 and "BROKEN" in out and "tampered" in out


async def test_cutting_entries_off_the_end_is_caught_with_an_anchor(stack, web, staff) -> None:
    await busy_log(stack, web, staff)
    head = await verify(stack)
    async with stack.runtime.db.writing() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.seq == head.head_seq))
        await session.commit()
    assert (await verify(stack)).ok  # a shorter chain is still a chain...
    result = run_cli(stack.settings, "audit", "verify", "--anchor", f"{head.head_seq}:{head.head_mac}")
    assert result.returncode == 2 and "anchor" in result.stdout  # ...which the anchor exposes


async def test_supervisors_can_verify_and_filter_the_log_in_the_workspace(
    stack, web, staff, make_client
) -> None:
    seqs = await busy_log(stack, web, staff)
    async with make_client() as boss:
        token = await sign_in(boss, stack.runtime, await staff("supervisor", region=None))
        page = await boss.get("/officer/audit?action=case.")
        assert page.status_code == 200 and "case.open" in page.text and "auth.sign_in" not in page.text
        ok = await boss.post("/officer/audit/verify", data={"_csrf_token": token})
        assert "The chain is intact" in ok.text
        await tamper(stack, "edited", seqs)
        broken = await boss.post("/officer/audit/verify", data={"_csrf_token": token})
        assert "The chain is broken" in broken.text and "was altered" in broken.text
