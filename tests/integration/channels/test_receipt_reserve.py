"""Receipts derived ahead (decision 18): an SMS filing takes a receipt the idle Argon2id threads made earlier.

From the reporter's side: the receipt texted back opens the case on the web portal and its follow-up key reads
an officer's reply and seals the reporter's answer. From the attacker's side: a secret is handed out once,
even to filings racing each other; a rotated pepper empties the reserve; no secret of the reserve, handed out
or still waiting, is written to the database, a file under the data directory or the log. And the reserve
never takes the Argon2id threads from someone waiting: a request derivation goes before every refill not yet
started. Argon2id itself is never replaced: derivations are only counted (``KdfPool.finished``).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from integration.channels.conftest import PUBLIC_URL
from integration.channels.test_sms_conversation import RECEIPT, _number, _report
from integration.reporter.reporting import Reporter, add_officer_reply, build_opener
from integration.reporter.test_followup import sign_in
from signalement.db.models import Case, Message
from signalement.intake import Answers, IntakeService, Submission
from signalement.logs import configure_logging
from signalement.receipts import check_secret, format_secret, new_receipt
from signalement.runtime import Runtime
from signalement.settings import KeyList
from signalement.vault.kdf import STANDARD_COSTS, KdfPool, derive
from support.privacy import encodings, everything_written
from support.twilio_webhooks import Phone


def _until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


async def _until_async(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def _warm(settings: Any) -> AsyncIterator[Runtime]:  # noqa: ANN401
    """A runtime of the test's own, its reserve started and full."""
    runtime = Runtime(settings)
    try:
        runtime.start_receipt_reserve(new_receipt)
        reserve = runtime.receipt_reserve
        await _until_async(lambda: len(reserve) == reserve.size)
        yield runtime
    finally:
        await runtime.close()


async def _opens(intake: IntakeService, receipt: Any) -> bool:  # noqa: ANN401
    access = await intake.open_followup(receipt.case_code, receipt.secret, "test-client")
    return access is not None and access.case_id == receipt.case_id


def _sms(n: int) -> Submission:
    return Submission(submission_key=f"sms:reserve-{n}-{time.monotonic_ns()}", channel="sms", language="en",
                      answers=Answers(categories=("wages",)), narrative=f"Not paid, report {n}.")


async def test_an_sms_filing_with_a_warm_reserve_runs_no_argon2id_on_its_request_and_its_receipt_opens(
        tw: Any, tw_client: Any, db: Any) -> None:
    reserve, pool = tw.runtime.receipt_reserve, tw.runtime.kdf_pool
    _until(lambda: len(reserve) == reserve.size == 8)
    before = dict(pool.finished)
    last, _ = await _report(Phone(tw_client, PUBLIC_URL, _number()), "en", danger="2")
    code, secret = RECEIPT.search(last[0]).groups()
    assert pool.finished["request"] == before["request"]  # the confirming text derived nothing
    assert reserve.taken == 1
    _until(lambda: len(reserve) == 8)  # refilled behind it, off the request
    assert pool.finished["idle"] == before["idle"] + 1

    # The pair opens: the texted secret passes the portal, and the follow-up key it derives is the case's.
    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code)
    assert case.receipt_kdf["pepper"] == tw.runtime.peppers.current[0]
    await add_officer_reply(tw.runtime, db, case.id, "Are you safe now?")
    reporter, checks = Reporter(tw_client), pool.finished["request"]
    page = await sign_in(reporter, code, secret)
    assert page.status == 200 and "Are you safe now?" in page.text
    assert pool.finished["request"] == checks + 1  # the portal's check of a typed secret: a request derivation
    page = await reporter.post("/en/follow-up/reply", {"message": "Yes, thank you."}, keep=("_csrf_token", "token"))
    assert page.status == 200 and "Your message was sent." in page.text
    async with db.reading() as s:
        mine = (await s.execute(select(Message).where(Message.author == "reporter"))).scalars().one()
    assert opener.open(mine.envelope, case.id, f"message:{mine.id}") == b"Yes, thank you."


async def test_filings_racing_each_other_never_get_the_same_secret(tw: Any) -> None:
    async with _warm(tw.settings) as runtime:
        reserve, intake = runtime.receipt_reserve, IntakeService(runtime)
        receipts = await asyncio.gather(*(intake.submit(_sms(n)) for n in range(30)))
        secrets = [r.secret for r in receipts]
        assert len(set(secrets)) == 30
        assert reserve.taken >= reserve.size  # the reserve served the first ones, inline derivations the rest
        assert runtime.kdf_pool.finished["request"] >= 30 - reserve.taken
        for receipt in receipts:  # each secret opens its own case, and only that one
            assert await _opens(intake, receipt)
        assert not {p.secret for p in reserve._pairs} & set(secrets)  # noqa: SLF001 - none handed out stays


async def test_an_empty_reserve_derives_inline_and_a_disabled_one_never_fills(tw: Any) -> None:
    for size in (8, 0):
        runtime = Runtime(msgspec.structs.replace(tw.settings, receipt_reserve=size))
        try:
            if not size:
                runtime.start_receipt_reserve(new_receipt)  # started, but off: nothing is ever derived ahead
            receipt = await IntakeService(runtime).submit(_sms(size))
            assert runtime.kdf_pool.finished == {"request": 1, "idle": 0}
            assert runtime.receipt_reserve.taken == 0 and len(runtime.receipt_reserve) == 0
            assert await _opens(IntakeService(runtime), receipt)
        finally:
            await runtime.close()


async def test_a_rotated_pepper_drains_the_reserve(tw: Any) -> None:
    async with _warm(tw.settings) as runtime:
        reserve = runtime.receipt_reserve
        stale = {p.secret for p in reserve._pairs}  # noqa: SLF001
        old = runtime.peppers
        runtime.__dict__["peppers"] = KeyList(((f"rotated-{time.monotonic_ns()}", b"r" * 32), *old.keys))
        receipt = await IntakeService(runtime).submit(_sms(1))
        assert receipt.secret not in stale
        assert runtime.kdf_pool.finished["request"] == 1  # derived inline with the new pepper
        async with runtime.db.reading() as s:
            case = await s.get(Case, receipt.case_id)
        assert case.receipt_kdf["pepper"] == runtime.peppers.current[0]
        assert check_secret(receipt.secret, case.receipt_kdf, case.receipt_verifier, runtime.peppers) is not None
        await _until_async(lambda: len(reserve) == reserve.size)  # refilled with the new pepper only
        fresh = list(reserve._pairs)  # noqa: SLF001
        assert not {p.secret for p in fresh} & stale
        assert {p.material.kdf["pepper"] for p in fresh} == {runtime.peppers.current[0]}


@pytest.mark.parametrize("threads", [1, 2])
async def test_a_request_derivation_goes_before_every_refill_not_yet_started(
        tw: Any, threads: int) -> None:
    order: list[str] = []
    gate = threading.Event()
    def counted_refill(*args: Any) -> Any:  # noqa: ANN401 - the real derivation, counted
        order.append("refill")
        if len(order) == 1:
            gate.wait(10)  # the first refill is still running when a request arrives
        return new_receipt(*args)

    def request(name: str) -> Callable[[], None]:
        def run() -> None:
            order.append(name)
            if name == "hold":
                gate.wait(10)
            derive(STANDARD_COSTS.receipt, b"0000000000000000", b"s" * 16)
        return run

    runtime = Runtime(msgspec.structs.replace(tw.settings, receipt_reserve=3))
    # One thread: ``serve`` with a worker a core (this machine's default); two: a spare thread for requests.
    pool = runtime.__dict__["kdf_pool"] = KdfPool(threads)
    try:
        # 1. A refill is running; a request arrives. With a free thread it starts at once; with none it waits
        # for that one derivation only, never for the refills the reserve still wants.
        runtime.start_receipt_reserve(counted_refill)
        await _until_async(lambda: order == ["refill"])
        waiting = asyncio.ensure_future(pool.run(request("request-1")))
        if threads == 1:
            await asyncio.sleep(0.05)
            assert order == ["refill"]
        else:
            await _until_async(lambda: order == ["refill", "request-1"])
        gate.set()
        await waiting
        await _until_async(lambda: len(runtime.receipt_reserve) == 3)
        assert order == ["refill", "request-1", "refill", "refill"]

        # 2. The pool is busy with requests and more are queued: no refill starts until every one is done.
        gate.clear()
        order.clear()
        held = asyncio.ensure_future(pool.run(request("hold")))
        await _until_async(lambda: order == ["hold"])
        assert runtime.receipt_reserve.take() is not None  # the reserve now wants one more
        queued = [asyncio.ensure_future(pool.run(request(f"queued-{n}"))) for n in range(3)]
        await asyncio.sleep(0.05)
        gate.set()
        await asyncio.gather(held, *queued)
        await _until_async(lambda: len(runtime.receipt_reserve) == 3)
        assert order == ["hold", "queued-0", "queued-1", "queued-2", "refill"]
    finally:
        gate.set()
        await runtime.close()


@pytest.mark.both_databases
async def test_no_secret_of_the_reserve_is_written_anywhere(tw: Any, tmp_path: Path) -> None:
    reserve = tw.runtime.receipt_reserve
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        configure_logging(tw.settings.effective_log_format, "DEBUG", stream=log)  # everything the app logs
        async with AsyncTestClient(tw.app, raise_server_exceptions=False) as client:
            _until(lambda: len(reserve) == reserve.size)
            phone = Phone(client, PUBLIC_URL, _number())
            last, _ = await _report(phone, "en", danger="2")
            code, handed_out = RECEIPT.search(last[0]).groups()
            assert await phone.text(f"{code} {handed_out}")  # followed up by SMS: the typed secret goes through
            _until(lambda: len(reserve) == reserve.size)
            waiting = [p.secret for p in list(reserve._pairs)]  # noqa: SLF001 - what a memory reader would see
    # The app has stopped: its log is complete and the reserve forgotten.
    configure_logging(tw.settings.effective_log_format, tw.settings.log_level)
    assert len(reserve) == 0
    await tw.runtime.db.dispose()
    blobs = everything_written(tw.settings, log_path)
    assert blobs["server output"], "the app logged nothing at all: the log search would be blind"
    assert blobs["sql dump"] if tw.backend == "sqlite" else blobs["pg_dump"]
    for secret in [handed_out.replace(" ", ""), *waiting]:
        for form in [*encodings(secret), format_secret(secret).encode()]:
            found = [where for where, blob in blobs.items() if form in blob]
            assert not found, f"a receipt secret found in {found}"
    # The search can fail: the case code is kept in clear by design, and it is found.
    assert any(code.replace("-", "").encode() in blob for blob in blobs.values())
