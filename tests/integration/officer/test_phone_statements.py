"""A phone statement, as the worker stores it, on the officer's case page: named as a recording, downloaded
as an MP3 attachment (never played inline in the workspace's origin), decrypted on demand."""

from __future__ import annotations

from signalement.evidence_store import write_evidence
from signalement.recordings import CONTENT_TYPE
from support.cases import submit
from support.officers import sign_in


async def test_a_recorded_statement_is_listed_as_one_and_downloads_as_an_mp3_attachment(stack, web,  # noqa: ANN001
                                                                                         staff) -> None:
    receipt = await submit(stack, province="QC")
    audio = b"ID3\x03\x00" + bytes(range(256)) * 300
    async with stack.runtime.db.writing() as session:
        row = await write_evidence(session, stack.runtime.public_keys.current, case_id=receipt.case_id,
                                   attached=True, body=[audio], kind="audio", content_type=CONTENT_TYPE,
                                   size=len(audio))
        await session.commit()
    await sign_in(web, stack.runtime, await staff())
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert "Download recorded phone statement 1" in page and "<audio" not in page
    r = await web.get(f"/officer/cases/{receipt.case_id}/evidence/{row.id}")
    assert r.status_code == 200 and r.content == audio
    assert r.headers["content-type"].startswith("audio/mpeg")
    assert r.headers["content-disposition"] == f'attachment; filename="evidence-{row.id}.mp3"'
