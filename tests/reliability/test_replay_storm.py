"""A Twilio webhook delivered many times has one effect and one answer, against a real two-process server.

Twilio retries a webhook that was slow to answer, a proxy may replay it, and an attacker can resend a
signed one. Here ``signalement serve --workers 2`` runs on real sockets, so deliveries land in two
processes that share nothing but the database:

* **storm**: one signed webhook sent five times at once;
* **slow first answer**: the database holds the first delivery where its effect is written (the test holds
  the write lock), its caller gives up as Twilio does, and four retries arrive while it is still held.

Either way every answer is the same TwiML, and the effect happens once: one case for the confirming text
and for a call's recorded statement, one message for a follow-up text, one fetch job for a recording-ready
callback. Each ``Scenario`` brings a fresh phone (or call) to the webhook it replays and names the table
its effect lands in; another webhook plugs in the same way.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from signalement.db.engine import Database
from signalement.db.models import Case, Message, OutboxJob
from signalement.settings import Settings
from support import pg
from support.live import LiveServer, start_server
from support.stack import Template, clone
from support.twilio_calls import Call
from support.twilio_webhooks import TOKEN, Phone, new_sid, sign

pytestmark = pytest.mark.timeout(60)

RECEIPT = re.compile(r"(\d{3}-\d{3}-\d{3}).*?(\d{4} \d{4} \d{4} \d{4})", re.S)
COPIES = 5
# Twilio gives up on a webhook after 15 s; the test's "Twilio" gives up after this, then retries.
FIRST_GIVES_UP = 0.3
# How long the database keeps holding the first delivery once the retries are on their way.
HELD_AFTER_RETRIES = 0.3


class Scenario(msgspec.Struct, frozen=True):
    """One webhook worth replaying: how a fresh phone gets to it, and the table its one effect lands in."""

    name: str
    # (a client of the server, its public URL) -> (path with query, the webhook's params)
    prepare: Callable[[httpx.AsyncClient, str], Awaitable[tuple[str, dict[str, str]]]]
    effect: Any  # the model whose row count the webhook raises by exactly one
    receipt: bool = False  # the answer holds the receipt the first delivery made


def _number() -> str:
    return f"+1416555{secrets.randbelow(10000):04d}"


async def _to_confirmation(phone: Phone) -> None:
    for body in ("HELP", "1", "2", "0", "0", "The boss keeps our passports.", "1", "2"):
        await phone.text(body)


async def confirming_text(client: httpx.AsyncClient, public_url: str) -> tuple[str, dict[str, str]]:
    phone = Phone(client, public_url, _number())
    await _to_confirmation(phone)
    return "/twilio/sms", phone.params("1")


async def follow_up_text(client: httpx.AsyncClient, public_url: str) -> tuple[str, dict[str, str]]:
    phone = Phone(client, public_url, _number())
    await _to_confirmation(phone)
    receipt = RECEIPT.search((await phone.text("1"))[0])
    assert receipt, "no receipt"
    await phone.text(" ".join(receipt.groups()))
    return "/twilio/sms", phone.params("They also took our phones last night.")


async def _to_statement(client: httpx.AsyncClient, public_url: str) -> Call:
    call = Call(client, public_url, _number())
    await call.dial()
    for digits in ("1", "1", "5", "2", "3"):  # English, report, categories, no danger now, a province
        await call.press(digits)
    assert call.last is not None and call.last.record is not None, call.last
    return call


async def statement_recorded(client: httpx.AsyncClient, public_url: str) -> tuple[str, dict[str, str]]:
    """The ``<Record>`` action: the call's report is filed and its receipt read out."""
    call = await _to_statement(client, public_url)
    assert call.last is not None
    params = call.params(RecordingSid=new_sid("RE"), RecordingUrl="https://api.twilio.com/recording",
                         RecordingDuration="42", Digits="#")
    return call.last.action.removeprefix(public_url), params


async def recording_ready(client: httpx.AsyncClient, public_url: str) -> tuple[str, dict[str, str]]:
    """The recording-status callback: one job to fetch, seal and delete the statement."""
    path, params = await statement_recorded(client, public_url)
    await _deliver_signed(client, public_url, path, params)
    return "/twilio/voice/recording", {
        "AccountSid": params["AccountSid"], "CallSid": params["CallSid"], "RecordingSid": params["RecordingSid"],
        "RecordingUrl": params["RecordingUrl"], "RecordingStatus": "completed", "RecordingDuration": "42",
        "RecordingChannels": "1", "RecordingSource": "RecordVerb"}


async def _deliver_signed(client: httpx.AsyncClient, public_url: str, path: str, params: dict[str, str]) -> None:
    r = await client.post(path, data=params, headers={"x-twilio-signature": sign(public_url + path, params)})
    assert r.status_code == 200, r.text[:300]


SCENARIOS = [
    Scenario("sms-confirm-files-one-case", confirming_text, Case, receipt=True),
    Scenario("sms-follow-up-adds-one-message", follow_up_text, Message),
    Scenario("voice-statement-files-one-case", statement_recorded, Case, receipt=True),
    Scenario("voice-recording-ready-queues-one-job", recording_ready, OutboxJob),
]


# Every scenario on SQLite; on PostgreSQL (other locks, other UNIQUE races) the ones that file a case.
CASES = [pytest.param("sqlite", scenario, id=f"sqlite-{scenario.name}") for scenario in SCENARIOS] + [
    pytest.param("postgres", scenario, id=f"postgres-{scenario.name}", marks=pytest.mark.postgres)
    for scenario in SCENARIOS if scenario.receipt]


class Servers:
    """One two-worker server per database, started when a test first asks for it and kept for the module (the
    tests may run in any order); every test texts or calls from its own number."""

    def __init__(self, templates: dict[str, Template], factory: pytest.TempPathFactory) -> None:
        self.templates = templates
        self.factory = factory
        self.running: dict[str, tuple[Settings, LiveServer, str | None]] = {}

    def __call__(self, database: str) -> tuple[Settings, LiveServer]:
        if database == "postgres":
            pg.require_postgres()
        if database not in self.running:
            root = self.factory.mktemp(f"replay-{database}")
            settings, pg_name = clone(self.templates[database], root)
            settings = msgspec.structs.replace(settings, twilio_auth_token=TOKEN)
            self.running[database] = (settings, start_server(settings, root / "server.log", workers=2), pg_name)
        settings, live, _ = self.running[database]
        return settings, live

    def stop(self) -> None:
        for _settings, live, pg_name in self.running.values():
            live.stop()
            if pg_name:
                pg.drop_database(pg_name)


@pytest.fixture(scope="module")
def servers(templates: dict[str, Template], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    started = Servers(templates, tmp_path_factory)
    try:
        yield started
    finally:
        started.stop()


async def _count(settings: Settings, model: Any) -> int:
    db = Database(settings.db_url)
    try:
        async with db.reading() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await db.dispose()


async def _deliver(live: LiveServer, path: str, params: dict[str, str], gives_up_after: float = 30) -> httpx.Response:
    """One delivery by "Twilio": a connection of its own, the same signed body every time."""
    signature = sign(live.base_url + path, params)
    async with httpx.AsyncClient(base_url=live.base_url, timeout=gives_up_after) as client:
        return await client.post(path, data=params, headers={"x-twilio-signature": signature})


@asynccontextmanager
async def held(settings: Settings, model: Any) -> AsyncIterator[Callable[[], Awaitable[int]]]:
    """Hold the database where ``model``'s rows are written; yields a probe of how many sessions wait on it
    (PostgreSQL shows them; SQLite's busy wait is invisible, so its probe says -1)."""
    if settings.db_url.startswith("sqlite"):
        con = sqlite3.connect(settings.db_url.split("///", 1)[1], isolation_level=None, timeout=10)
        con.execute("BEGIN IMMEDIATE")  # the single writer's lock: every write in every process waits

        async def invisible() -> int:
            return -1

        try:
            yield invisible
        finally:
            con.execute("ROLLBACK")
            con.close()
        return
    dbname = settings.database_url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(f"{pg.ADMIN_DSN.rsplit('/', 1)[0]}/{dbname}", timeout=10)
    tx = conn.transaction()
    await tx.start()
    # Reads go on; every INSERT into the table waits for this transaction.
    await conn.execute(f'LOCK TABLE "{model.__tablename__}" IN SHARE ROW EXCLUSIVE MODE')

    async def waiting() -> int:
        return int(await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", dbname))

    try:
        yield waiting
    finally:
        await tx.rollback()
        await conn.close()


async def _until_held(waiting: Callable[[], Awaitable[int]], seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while await waiting() == 0:
        assert asyncio.get_running_loop().time() < deadline, "the first delivery was not held at the database"
        await asyncio.sleep(0.05)


async def _ready(settings: Settings, live: LiveServer, scenario: Scenario) -> tuple[str, dict[str, str], int]:
    """A fresh phone brought to the scenario's webhook: its path, its signed params, the effect count before."""
    async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as client:
        path, params = await scenario.prepare(client, live.base_url)
    return path, params, await _count(settings, scenario.effect)


def _same_answer(responses: list[httpx.Response]) -> str:
    statuses = {r.status_code for r in responses}
    assert statuses in ({200}, {204}), [(r.status_code, r.text[:300]) for r in responses]
    bodies = {r.text for r in responses}
    assert len(bodies) == 1, bodies
    return bodies.pop()


@pytest.mark.parametrize(("database", "scenario"), CASES)
async def test_one_signed_webhook_sent_five_times_at_once_has_one_effect_and_one_answer(
    servers: Servers, database: str, scenario: Scenario
) -> None:
    settings, live = servers(database)
    path, params, before = await _ready(settings, live, scenario)
    answer = _same_answer(list(await asyncio.gather(*(_deliver(live, path, params) for _ in range(COPIES)))))
    assert await _count(settings, scenario.effect) == before + 1
    assert _same_answer([await _deliver(live, path, params)]) == answer  # and once more, much later


@pytest.mark.parametrize(("database", "scenario"), CASES)
async def test_retries_after_a_slow_first_answer_get_its_answer_and_add_nothing(
    servers: Servers, database: str, scenario: Scenario
) -> None:
    settings, live = servers(database)
    path, params, before = await _ready(settings, live, scenario)
    async with held(settings, scenario.effect) as waiting:
        with pytest.raises(httpx.TimeoutException):  # the first delivery: its caller gives up, it goes on
            await _deliver(live, path, params, gives_up_after=FIRST_GIVES_UP)
        await _until_held(waiting)
        retries = [asyncio.create_task(_deliver(live, path, params)) for _ in range(COPIES - 1)]
        # The slow database, not a wait for something: the retries meet the first delivery still in flight.
        await asyncio.sleep(HELD_AFTER_RETRIES)
        assert not any(r.done() for r in retries), "a retry was answered while the first was still held"
    answer = _same_answer(list(await asyncio.wait_for(asyncio.gather(*retries), timeout=30)))
    assert await _count(settings, scenario.effect) == before + 1
    if scenario.receipt:
        assert RECEIPT.search(answer) or re.search(r"(\d, ){2}\d", answer), "the retries got no receipt"
    assert _same_answer([await _deliver(live, path, params)]) == answer
