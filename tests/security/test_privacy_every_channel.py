"""Every channel at once, then every byte written: no reporter identifier anywhere, not even in a temp file.

One real two-worker ``signalement serve`` behind a "proxy" it trusts (the client connects from a loopback
alias of its own and says who the reporter is in ``X-Forwarded-For``), with ``TMPDIR`` set to a folder the
test owns. Through it, with sentinel values:

* a web report with a large photo (its EXIF names the employer and the story; its file name is the story),
  asking to be texted back at the sentinel phone number;
* a report by SMS from that number with a photo sent by MMS, then follow-up by SMS, adding a message;
* a report by phone from that number, to the receipt read out (its recording announced, the call ended);
* web follow-up with the code and secret: a message and one more file;
* an officer's reply, which the reporter reads on the web;
* a real ``signalement worker`` (same ``TMPDIR``) running every job that causes against a fake Twilio: the MMS
  photo fetched, stripped and sealed, the reporter texted about the reply, messages and media deleted.

Then the server is stopped and everything it could have written is searched, in clear and in the encodings a
careless implementation would use: every file under the data directory (database, WAL and SHM, keys, the
workers' shared stores), a full SQL dump, everything the server and the worker wrote on stdout and stderr, and
every file in their temporary directory. The sentinels: the phone number, the reporter's address and the proxy's, the
User-Agent, a planted header, query and cookie, the narrative and the employer, and the values of the cookies
the server itself gave the reporter. The channel-specific tests (``tests/integration/reporter/
test_live_privacy.py``, ``tests/integration/channels/test_sms_privacy.py``) go deeper into each channel; this
one proves they hold together, and that nothing is spilled to the temporary directory on the way.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from PIL import Image
from sqlalchemy import select, update

from integration.reporter.reporting import FLOW, Reporter
from signalement.db.engine import Database
from signalement.db.models import Case, OutboxJob, Role, utcnow
from signalement.recordings import RECORDING_JOB
from signalement.runtime import Runtime
from signalement.settings import Settings
from support.cluster import WorkerProcess, process_environ, spawn_worker
from support.live import LiveServer, settings_env, start_server
from support.officers import create_officer, sign_in
from support.privacy import Sentinels, everything_written, find_leaks
from support.stack import Template, clone
from support.twilio_calls import Call
from support.twilio_peers import ACCOUNT_SID, FakeTwilio
from support.twilio_webhooks import TOKEN, Phone, new_sid

pytestmark = pytest.mark.timeout(90)

RECEIPT = re.compile(r"(\d{3}-\d{3}-\d{3}).*?(\d{4} \d{4} \d{4} \d{4})", re.S)


class Run(msgspec.Struct):
    settings: Settings
    server: LiveServer
    worker: WorkerProcess
    twilio: FakeTwilio
    temp_dir: Path
    admin: Any
    sentinels: Sentinels


@pytest.fixture
def run(templates: dict[str, Template], tmp_path: Path) -> Iterator[Run]:
    s = Sentinels.make()
    settings, _database = clone(templates["sqlite"], tmp_path)
    temp_dir = tmp_path / "server-tmp"
    temp_dir.mkdir(mode=0o700)
    with FakeTwilio() as twilio:
        settings = msgspec.structs.replace(settings, twilio_auth_token=TOKEN, twilio_api_base=twilio.base_url,
                                           twilio_account_sid=ACCOUNT_SID, twilio_from_number="+15005550006")
        worker = spawn_worker({**settings_env(settings), "TMPDIR": str(temp_dir)}, tmp_path / "worker.log")
        try:
            server = start_server(settings, tmp_path / "server.log", workers=2, extra_env={
                "TMPDIR": str(temp_dir), "SIGNALEMENT_TRUSTED_PROXIES": s.client_ip})
            try:
                yield Run(settings=settings, server=server, worker=worker, twilio=twilio, temp_dir=temp_dir,
                          admin=templates["sqlite"].admin, sentinels=s)
            finally:
                server.stop()
        finally:
            worker.stop()


def photo(s: Sentinels) -> bytes:
    """A photo of over a megabyte (past the size at which form parsers spool to disk), its EXIF naming names."""
    exif = Image.Exif()
    exif[0x010F] = s.employer  # Make
    exif[0x010E] = s.narrative  # ImageDescription
    exif[0x8825] = {1: "N", 2: (42.0, 3.0, 17.5), 3: "W", 4: (82.0, 36.0, 9.1)}  # GPS
    img = Image.frombytes("RGB", (1000, 900), os.urandom(1000 * 900 * 3))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95, exif=exif.tobytes(), comment=s.narrative.encode())
    assert len(out.getvalue()) > 1024 * 1024
    return out.getvalue()


async def web_report(client: httpx.AsyncClient, s: Sentinels) -> tuple[str, str]:
    flow = [dict(step) for step in FLOW]
    flow[3]["employer"] = s.employer
    flow[4]["narrative"] = f"They took my passport. {s.narrative}"
    flow[6]["phone"] = s.phone
    reporter = Reporter(client, lang="es")  # type: ignore[arg-type]
    await reporter.get(f"/es/report?ref={s.query}")
    for data in flow[:5]:
        page = await reporter.step(data)
        assert page.status == 200, page.errors()
    page = await reporter.upload([(f"{s.narrative}.jpg", photo(s), "image/jpeg")])
    assert page.status == 200, page.errors()
    for data in flow[5:]:
        page = await reporter.step(data)
        assert page.status == 200, page.errors()
    receipt = await reporter.submit()
    assert receipt.status == 200, receipt.errors()
    return receipt.receipt()


async def web_follow_up(client: httpx.AsyncClient, s: Sentinels, code: str, secret: str) -> Reporter:
    reporter = Reporter(client, lang="es")  # type: ignore[arg-type]
    await reporter.get(f"/es/follow-up?q={s.query}")
    portal = await reporter.post("/es/follow-up", {"code": code, "secret": secret}, keep=("_csrf_token",))
    assert portal.status == 200 and 'name="token"' in portal.text, portal.errors()
    sent = await reporter.post("/es/follow-up/reply", {"message": f"Una cosa más: {s.narrative}"},
                               keep=("_csrf_token", "token"))
    assert sent.status == 200, sent.errors()
    added = await reporter.upload([(f"{s.employer}.jpg", photo(s), "image/jpeg")], path="/es/follow-up/evidence",
                                  keep=("_csrf_token", "token"))
    assert added.status == 200, added.errors()
    return reporter


async def sms_report_and_follow_up(client: httpx.AsyncClient, run: Run) -> None:
    """A report by SMS with a photo sent by MMS (fetched, stripped and sealed by the worker), then follow-up."""
    s = run.sentinels
    phone = Phone(client, run.server.base_url, s.phone_e164)
    for body in ("HELP", "5", "2", "ON", s.employer):
        await phone.text(body)
    message_sid, media_sid = new_sid("MM"), new_sid("ME")
    run.twilio.media[media_sid] = photo(s)
    run.twilio.known.add(message_sid)
    media_url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message_sid}/Media/{media_sid}"
    reply = await phone.post(phone.params(f"They took my passport. {s.narrative}", message_sid, NumMedia="1",
                                          MediaUrl0=media_url, MediaContentType0="image/jpeg"))
    assert reply.status == 200, reply.body
    for body in ("1", "1"):
        await phone.text(body)
    receipt = RECEIPT.search((await phone.text("1"))[0])
    assert receipt, "no receipt by SMS"
    assert await phone.text(" ".join(receipt.groups()))
    assert await phone.text(f"Also: {s.narrative}") != []


async def phone_call(client: httpx.AsyncClient, live: LiveServer, s: Sentinels) -> None:
    """A report by phone from the same number, to the receipt read out, then the call ends."""
    call = Call(client, live.base_url, s.phone_e164)
    await call.dial()
    for digits in ("1", "1", "5", "2", "3"):  # English, report, categories, no danger now, a province
        await call.press(digits)
    turn, rsid = await call.record()
    assert len(turn.said) > 3, turn.said
    assert await call.recording_ready(rsid) == 204
    assert await call.ended() == 204


async def officer_reply(run: Run, client: httpx.AsyncClient, code: str) -> None:
    runtime = Runtime(run.settings)
    try:
        login = await create_officer(runtime, run.admin, Role.SUPERVISOR)
        token = await sign_in(client, runtime, login)
        async with runtime.db.reading() as session:
            case_id = await session.scalar(select(Case.id).where(Case.case_code == code.replace("-", "")))
    finally:
        await runtime.close()
    r = await client.post(f"/officer/cases/{case_id}/replies", data={
        "text": f"Gracias. We read: {run.sentinels.narrative}", "_csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:300])


async def worker_done(run: Run, seconds: float = 40.0) -> None:
    """Every job due (the MMS photo, the reply's text to the reporter, the deletions at Twilio) run by the worker."""
    db = Database(run.settings.db_url)
    try:
        async with db.writing() as session:  # time travel past the deletions' delay instead of sleeping
            await session.execute(update(OutboxJob).values(run_after=utcnow()))
            await session.commit()
        deadline = time.monotonic() + seconds
        while True:
            async with db.reading() as session:
                pending = list(await session.scalars(select(OutboxJob.kind).where(OutboxJob.status == "pending")))
            if not pending or set(pending) <= {RECORDING_JOB}:  # the recording is not at this fake: it retries
                break
            assert time.monotonic() < deadline, (pending, run.worker.logs()[-2000:])
            await asyncio.sleep(0.2)
    finally:
        await db.dispose()
    assert run.twilio.fetched and run.twilio.deleted_media, "the worker did not fetch and delete the MMS photo"
    assert any(m.get("To") == run.sentinels.phone_e164 for m in run.twilio.messages), "no text about the reply"


def assert_temp_dir_is(live: LiveServer, temp_dir: Path) -> None:
    """The server and each of its workers really use ``temp_dir``: an empty folder then proves something."""
    pid = live.process.pid
    workers = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    assert workers, "no worker processes"
    for each in [pid, *workers]:
        assert process_environ(each).get("TMPDIR") == str(temp_dir), each


async def test_every_channel_at_once_leaves_no_reporter_identifier_in_any_byte_written(run: Run) -> None:
    s, live = run.sentinels, run.server
    headers = {"user-agent": s.user_agent, "x-forwarded-for": s.forwarded_for, "x-sentinel": s.header}
    transport = httpx.AsyncHTTPTransport(local_address=s.client_ip)
    async with httpx.AsyncClient(base_url=live.base_url, transport=transport, headers=headers,
                                 cookies={"tracking": s.cookie}, timeout=60) as web:
        code, secret = await web_report(web, s)
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as twilio:
            await sms_report_and_follow_up(twilio, run)
            await phone_call(twilio, live, s)
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as office:
            await officer_reply(run, office, code)
        reporter = await web_follow_up(web, s, code, secret)
        assert run.sentinels.narrative in (reporter.page.text if reporter.page else ""), "the reply was not read"
        given = {f"cookie {c.name}": c.value for c in web.cookies.jar if c.name != "tracking"}
    assert given, "the server set the reporter no cookie: the cookie search would be blind"
    await worker_done(run)
    assert_temp_dir_is(live, run.temp_dir)
    assert process_environ(run.worker.process.pid).get("TMPDIR") == str(run.temp_dir)

    live.stop()
    run.worker.stop()
    blobs = everything_written(run.settings, live.log_path, temp_dir=run.temp_dir)
    blobs["worker output"] = run.worker.log_path.read_bytes()
    assert blobs["server output"], "the server wrote nothing at all: the log search would be blind"
    assert any(name.endswith(("-wal", ".db")) for name in blobs), sorted(blobs)
    print(f"{len(blobs)} places searched; in the temporary directory: "
          f"{sorted(n for n in blobs if n.startswith('temp ')) or 'nothing'}")
    assert find_leaks(s, blobs, extra=given) == []
    # The search can fail: the case code is stored in clear by design, and it is found.
    probe = msgspec.structs.replace(s, narrative=code.replace("-", ""))
    others = [n for n in msgspec.structs.asdict(s) if n != "narrative"]
    assert find_leaks(probe, blobs, allow=others) != []
