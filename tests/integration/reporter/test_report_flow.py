"""The report, end to end through the real app, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest
from PIL import Image
from sqlalchemy import func, select, update

from integration.reporter.reporting import FLOW, STORY, Opener, Reporter
from signalement.db.engine import Database
from signalement.db.models import Case, Evidence, EvidenceChunk, coarse_hour
from signalement.reporter.draft import Draft, Step
from signalement.reporter.page_state import DRAFT_IDLE_SECONDS, PageState
from support.metrics import flushed_counts

GPS_IFD = 0x8825


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (42.0, 3.0, 17.5), 3: "W", 4: (82.0, 36.0, 9.1)}
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


async def test_a_full_report_files_one_case_and_every_sealed_field_is_ciphertext(
    reporter: Reporter, opener: Opener, stack: Any
) -> None:
    await reporter.fill()
    receipt = await reporter.submit()
    assert receipt.status == 200 and receipt.h1 == "Your report was sent"
    code, secret = receipt.receipt()
    assert re.fullmatch(r"\d{3}-\d{3}-\d{3}", code) and re.fullmatch(r"(\d{4} ){3}\d{4}", secret)
    case = await opener.case_by_code(code)
    assert case is not None, "the receipt was shown for a case that is not committed"
    assert (case.channel, case.language, case.province, case.contact_pref) == ("web", "en", "ON", "sms")
    fields = await opener.fields(case.id)
    assert {"narrative", "answers", "phone"} <= set(fields)
    clear = [STORY.encode()[:20], b"Acme", b"Leamington", b"+16135550123", b"6135550123", b"passeport"]
    for name, envelope in fields.items():
        assert not any(c in envelope for c in clear), f"{name} holds plaintext"
    assert opener.open(fields["narrative"], case.id, "narrative").decode() == STORY
    answers = msgspec.json.decode(opener.open(fields["answers"], case.id, "answers"))
    assert answers["employer"] == "Acme Greenhouses" and answers["town"] == "Leamington"
    assert answers["categories"] == ["wages", "documents"]
    assert opener.open(fields["phone"], case.id, "phone") == b"+16135550123"
    if stack.backend == "sqlite":
        db = Path(stack.settings.data_dir) / "signalement.db"
        stored = b"".join(p.read_bytes() for p in db.parent.glob("signalement.db*"))
        assert b"Acme Greenhouses" not in stored and b"passeport" not in stored


async def test_pressing_send_twice_files_one_case_and_shows_the_same_receipt(
    reporter: Reporter, db: Database, client: Any
) -> None:
    review = await reporter.fill()
    body = {"_csrf_token": review.csrf(), "draft": review.hidden("draft"), "action": "submit"}
    first, second = await asyncio.gather(
        client.post("/en/report", data=body), client.post("/en/report", data=body)
    )
    third = await client.post("/en/report", data=body)  # a reload of the result page
    codes = {re.findall(r'class="receipt"[^>]*>([^<]+)<', r.text)[0] for r in (first, second, third)}
    secrets = {re.findall(r'class="receipt"[^>]*>([^<]+)<', r.text)[1] for r in (first, second, third)}
    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert len(codes) == 1 and len(secrets) == 1
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Case)) == 1


async def test_a_receipt_re_posted_hours_later_no_longer_shows_the_secret(
    reporter: Reporter, db: Database
) -> None:
    review = await reporter.fill()
    code, secret = (await reporter.submit()).receipt()
    async with db.writing() as s:
        await s.execute(update(Case).values(received_at=coarse_hour() - dt.timedelta(hours=3)))
        await s.commit()
    reporter.page = review
    again = await reporter.submit()
    assert again.status == 200 and again.h1 == "This report was already sent"
    assert secret not in again.text and code not in again.text


async def test_going_back_and_forward_never_loses_what_was_typed(reporter: Reporter) -> None:
    await reporter.start()
    for data in FLOW[:4]:
        await reporter.step(data)
    assert reporter.page.h1.startswith("Tell us what happened")
    page = await reporter.step({"narrative": "typed, then Back", "action": "back"})
    assert page.h1 == "Who is this about?" and page.value("f-employer") == "Acme Greenhouses"
    page = await reporter.step({"employer": "Acme Greenhouses", "site": "12 Road 3", "action": "back"})
    assert page.h1 == "Where did this happen?" and page.value("f-town") == "Leamington"
    assert 'value="ON" selected' in page.text
    for data in (
        {"province": "ON", "town": "Leamington", "action": "next"},
        {"employer": "Acme Greenhouses", "site": "12 Road 3", "action": "next"},
    ):
        page = await reporter.step(data)
    assert page.value("f-narrative") == "typed, then Back"


async def test_a_validation_error_keeps_the_input_and_points_at_the_field(
    reporter: Reporter, db: Database, stack: Any
) -> None:
    await reporter.start()
    await reporter.step(FLOW[0])
    await reporter.step(FLOW[1])
    page = await reporter.step({"province": "", "town": "Saint-Rémi  ", "action": "next"})
    assert page.status == 400 and page.h1 == "Where did this happen?"
    assert page.errors() == ["Choose a province or territory, or choose I do not know."]
    assert page.value("f-town") == "Saint-Rémi"
    assert 'aria-describedby="f-province-error" aria-invalid="true"' in page.text
    assert 'class="error-summary" role="alert" tabindex="-1" autofocus' in page.text
    assert '<a href="#f-province">' in page.text
    rows = [r for r in await flushed_counts(stack, db) if r.event == "validation_error"]
    assert [(r.step, r.field, r.count) for r in rows] == [("where", "province", 1)]


async def test_a_story_that_is_too_long_is_shown_again_whole_with_a_plain_limit(reporter: Reporter) -> None:
    await reporter.start()
    for data in FLOW[:4]:
        await reporter.step(data)
    story = "ਪ" * 20_001
    page = await reporter.step({"narrative": story, "action": "next"})
    assert page.status == 400
    assert page.errors() == ["This is too long. Please make it shorter than 20,000 characters."]
    assert page.value("f-narrative") == story


async def test_switching_language_in_the_middle_keeps_the_draft(reporter: Reporter) -> None:
    await reporter.start()
    for data in FLOW[:4]:
        await reporter.step(data)
    page = await reporter.step({"narrative": "Isinulat ko ito.", "action": "stay"}, lang="tl")
    assert page.status == 200 and '<html lang="tl"' in page.text
    assert page.value("f-narrative") == "Isinulat ko ito."
    assert 'formaction="/tl/report" lang="tl" aria-current="true"' in page.text
    page = await reporter.step({"narrative": "Isinulat ko ito.", "action": "next"}, lang="tl")
    page = await reporter.step({"action": "back"}, lang="tl")
    assert page.value("f-narrative") == "Isinulat ko ito."


async def test_changing_an_answer_from_the_review_page_returns_to_the_review(reporter: Reporter) -> None:
    await reporter.fill()
    page = await reporter.step({"action": "edit-who"})
    assert page.h1 == "Who is this about?" and 'value="review"' in page.text
    page = await reporter.step({"employer": "Other Farm Ltd", "site": "", "action": "review"})
    assert page.h1 == "Check your report" and "Other Farm Ltd" in page.text and "12 Road 3" not in page.text


async def test_a_photo_is_staged_then_attached_and_an_officer_sees_it_without_gps(
    reporter: Reporter, opener: Opener, stack: Any
) -> None:
    await reporter.start()
    for data in FLOW[:5]:
        await reporter.step(data)
    assert reporter.page.h1 == "Do you have photos or documents?"
    page = await reporter.upload([("IMG_0042.jpg", photo_with_gps(), "image/jpeg")])
    assert page.status == 200 and "Photo 1" in page.text
    page = await reporter.upload([("notes.jpg", b"MZ not a photo", "image/jpeg")])
    assert page.status == 400 and page.errors() == [
        "We can only accept photos (JPEG, PNG, WebP) and PDF files."
    ]
    assert "Photo 1" in page.text
    for data in FLOW[5:]:
        await reporter.step(data)
    code, _ = (await reporter.submit()).receipt()
    case = await opener.case_by_code(code)
    [(evidence, body)] = await opener.evidence(case.id)
    assert evidence.content_type == "image/jpeg"
    img = Image.open(io.BytesIO(body))
    assert img.size == (40, 30) and not img.getexif().get_ifd(GPS_IFD) and len(img.getexif()) == 0


async def test_a_removed_photo_is_deleted_at_once(reporter: Reporter, db: Database) -> None:
    await reporter.start()
    for data in FLOW[:5]:
        await reporter.step(data)
    await reporter.upload([("a.jpg", photo_with_gps(), "image/jpeg")])
    page = await reporter.step({"action": "remove-0"})
    assert page.status == 200 and "Photo 1" not in page.text
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Evidence)) == 0
        assert await s.scalar(select(func.count()).select_from(EvidenceChunk)) == 0


async def test_a_file_chosen_but_not_added_is_pointed_out_instead_of_dropped(reporter: Reporter) -> None:
    await reporter.start()
    for data in FLOW[:5]:
        await reporter.step(data)
    page = await reporter.step({"files": "pay slip.jpg", "action": "next"})
    assert page.status == 400 and page.h1 == "Do you have photos or documents?"


async def test_a_draft_past_its_lifetime_starts_again_keeping_the_last_page(
    reporter: Reporter, stack: Any
) -> None:
    await reporter.start()
    old = PageState(
        stack.runtime.form_keys,
        "report-draft",
        Draft,
        idle_seconds=10**9,
        absolute_seconds=10**9,
        clock=lambda: time.time() - DRAFT_IDLE_SECONDS - 60,
    )
    stale = msgspec.structs.replace(
        msgspec.json.decode(b'{"case_id":"x","client_id":"y","case_code":"1","secret":"2"}', type=Draft),
        step=Step.STORY,
    )
    page = await reporter.post(
        "/en/report",
        {
            "draft": old.encode(stale, visit=reporter.client.cookies["visit"]),
            "narrative": "my long story",
            "action": "next",
        },
        keep=("_csrf_token",),
    )
    assert page.status == 200 and page.h1 == "What happened?"
    assert "we cleared it to keep you safe" in page.text
    for data in FLOW[:4]:
        page = await reporter.step(data)
    assert page.value("f-narrative") == "my long story"


async def test_funnel_events_carry_step_names_only(reporter: Reporter, db: Database, stack: Any) -> None:
    await reporter.fill()
    await reporter.submit()
    rows = await flushed_counts(stack, db)
    events = {(r.event, r.step) for r in rows}
    assert (
        ("submitted", "") in events
        and ("step_viewed", "what") in events
        and ("step_reached", "review") in events
        and ("step_completed", "contact") in events
    )
    steps = {s.value for s in Step} | {""}
    assert all(r.step in steps and r.field == "" and r.channel == "web" and r.language == "en" for r in rows)


SAFE_TARGET = r"/([a-z]{2}/[a-z/-]*)?|/static/[a-z.]+|/assets/[0-9a-f]{16}/[a-z.]+|/exit|https://[^/]+/|#[a-z-]+|tel:\d+"


async def test_nothing_about_the_report_goes_into_a_url(reporter: Reporter) -> None:
    await reporter.fill()
    receipt = await reporter.submit()
    for page in (reporter.page, receipt):
        targets = re.findall(r'(?:action|formaction|href)="([^"]*)"', page.text)
        assert targets and all(
            "?" not in t
            and re.fullmatch(SAFE_TARGET, t)
            for t in targets
        ), targets
    assert "location" not in receipt.headers


async def test_a_5_mb_photo_goes_through_the_app_without_any_temporary_file(
    reporter: Reporter, opener: Opener, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("a temporary file was created during an upload")

    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    for name in ("TemporaryFile", "NamedTemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, refuse)  # SpooledTemporaryFile rolls over through these
    noise = Image.frombytes("RGB", (1300, 1300), os.urandom(1300 * 1300 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG", compress_level=0)
    assert len(out.getvalue()) > 5_000_000
    await reporter.start()
    for data in FLOW[:5]:
        await reporter.step(data)
    page = await reporter.upload([("scan.png", out.getvalue(), "image/png")])
    assert page.status == 200 and "Photo 1" in page.text
    assert list(private.iterdir()) == []
    monkeypatch.undo()
    for data in FLOW[5:]:
        await reporter.step(data)
    code, _ = (await reporter.submit()).receipt()
    [(evidence, body)] = await opener.evidence((await opener.case_by_code(code)).id)
    assert evidence.content_type == "image/png" and Image.open(io.BytesIO(body)).tobytes() == noise.tobytes()


@pytest.mark.parametrize("lang", ["en", "pa"])
async def test_a_yes_to_danger_shows_every_crisis_line_at_once_and_the_report_goes_on(
    client: Any, lang: str
) -> None:
    reporter = Reporter(client, lang=lang)
    await reporter.start()
    question = await reporter.step({"categories": ["confinement"], "action": "next"})
    assert 'href="tel:911"' in question.text  # the danger question itself already shows 911
    said = await reporter.step({"danger": "yes", "action": "next"})
    assert said.status == 200
    for number in ('href="tel:911"', 'href="tel:211"', 'href="tel:+18339001010"'):
        assert number in said.text, number
    assert 'name="province"' in said.text  # and the report goes on to the next step
    later = await reporter.step({"province": "ON", "town": "", "action": "next"})
    assert 'href="tel:911"' in later.text and 'href="tel:+18339001010"' not in later.text  # one line after that


@pytest.mark.both_databases
async def test_a_page_view_or_step_writes_nothing_and_send_commits_once(reporter: Reporter, stack: Any) -> None:
    """The step pages do no synchronous database work that writes: no write transaction even begins (on
    SQLite that would queue behind every Send for the one writer). Usability counts stay in memory until
    the timer's flush; the report itself is the one commit, made by Send (through ``Database.write_all``: on
    SQLite one call on its writer thread, not the sessions' writer engine; on PostgreSQL one statement, which
    PostgreSQL commits by itself: no BEGIN or COMMIT is sent)."""
    from sqlalchemy import event

    db = stack.runtime.db
    seen: list[str] = []
    write_alls: list[int] = []
    write_all = db.write_all

    async def counting_write_all(writes: Any) -> None:
        write_alls.append(len(writes))
        await write_all(writes)

    db.write_all = counting_write_all
    listeners = [(engine.sync_engine, name, lambda *_a, name=name, engine=engine: seen.append(
        f"{name} on the {'writer' if engine is db.writer else 'reader'}"))
        for engine in {db.writer, db.reader} for name in ("commit", "rollback")]
    listeners.append((db.writer.sync_engine, "begin", lambda *_a: seen.append("begin on the writer")))
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    try:
        page = await reporter.start()
        assert page.status == 200
        assert seen == [], f"a step page GET touched the database: {seen}"
        await reporter.fill()
        assert seen == [], f"the step POSTs touched the database: {seen}"
        receipt = await reporter.submit()
        assert receipt.h1 == "Your report was sent"
        # One transaction: the case and its sealed fields (on PostgreSQL one statement; on SQLite one a row).
        assert len(write_alls) == 1, write_alls
        assert write_alls[0] == 1 if db.is_postgres else write_alls[0] > 1, write_alls
        # Neither runs in the writer engine's sessions: SQLite's on write_all's own thread, PostgreSQL's alone.
        assert seen.count("commit on the writer") == 0, seen
        # On PostgreSQL SQLAlchemy still marks its connection begun, but sends no BEGIN in autocommit (the next
        # test counts the one round trip).
        assert seen.count("begin on the writer") == (1 if db.is_postgres else 0), seen
    finally:
        db.write_all = write_all
        for target, name, fn in listeners:
            event.remove(target, name, fn)


@pytest.mark.both_databases
async def test_send_writes_its_case_in_one_round_trip_on_postgres(
    reporter: Reporter, stack: Any, backend: str
) -> None:
    """On PostgreSQL a Send writes the case and its sealed fields with one statement, sent alone: one round trip
    (BEGIN, the case, the fields and COMMIT were four). Each round trip resumes the request's coroutines, on a
    cache the Argon2id derivation has just emptied: the event loop's largest share of a Send there."""
    if backend != "postgres":
        pytest.skip("SQLite's write is one call to its writer thread whatever the statements")
    from support import roundtrips

    counts = roundtrips.install()
    db = stack.runtime.db
    trips: list[int] = []
    write_all = db.write_all

    async def counting_write_all(writes: Any) -> None:
        before = counts.postgres
        await write_all(writes)
        trips.append(counts.postgres - before)

    db.write_all = counting_write_all
    try:
        for _ in range(2):  # the first also prepares the statement on its connection
            await reporter.fill()
            receipt = await reporter.submit()
            assert receipt.h1 == "Your report was sent"
    finally:
        db.write_all = write_all
    assert trips[-1] == 1, trips


async def test_step_pages_answer_while_the_key_pool_is_full_and_send_asks_to_try_again(
    reporter: Reporter, stack: Any
) -> None:
    """A flood of Sends fills the Argon2id pool; reading and filling in the form must not wait behind it."""
    import threading

    pool = stack.runtime.kdf_pool
    release = threading.Event()
    holders = [asyncio.ensure_future(pool.run(release.wait)) for _ in range(pool.workers + pool.max_waiting)]
    try:
        for _ in range(20):
            await asyncio.sleep(0)
        assert pool._slots.locked(), "the pool should be full"  # noqa: SLF001 - the test fills it on purpose
        started = time.monotonic()
        page = await asyncio.wait_for(reporter.start(), timeout=10)
        assert page.status == 200
        await asyncio.wait_for(reporter.fill(), timeout=20)
        assert time.monotonic() - started < 20
        busy = await reporter.submit()
        assert busy.status == 503 and busy.h1 == "Check your report" and "Your report is not sent yet" in busy.text
    finally:
        release.set()
        await asyncio.gather(*holders)
    assert (await reporter.submit()).h1 == "Your report was sent"
