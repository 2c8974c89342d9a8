"""A Twilio webhook delivered many times has one effect and one answer, against a real two-process server.

Twilio retries a webhook that was slow to answer, a proxy may replay it, and an attacker can resend a
signed one. Here ``signalement serve --workers 2`` runs on real sockets, so deliveries land in two
processes that share nothing but the database:

* **storm**: one signed webhook sent five times at once;
* **slow first answer**: the database holds the first delivery where its effect is written (the test holds
  the write lock), its caller gives up as Twilio does, and four retries arrive while it is still held.

Either way every answer is the same TwiML, and the effect happens once: one case for the confirming text,
one message for a follow-up text. Each ``Scenario`` brings a fresh phone to the webhook it replays and
counts its effect; a voice scenario plugs in the same way (its webhook, its effect table).
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
from signalement.db.models import Case, Message
from signalement.settings import Settings
from support import pg
from support.live import LiveServer, start_server
from support.stack import Template, clone
from support.twilio_webhooks import TOKEN, Phone, sign

pytestmark = pytest.mark.timeout(60)

RECEIPT = re.compile(r"(\d{3}-\d{3}-\d{3}).*?(\d{4} \d{4} \d{4} \d{4})", re.S)
COPIES = 5
# Twilio gives up on a webhook after 15 s; the test's "Twilio" gives up after this, then retries.
FIRST_GIVES_UP = 0.5
# How long the database keeps holding the first delivery once the retries are on their way.
HELD_AFTER_RETRIES = 0.5


class Scenario(msgspec.Struct, frozen=True):
    """One webhook worth replaying: how a fresh phone gets to it, and the table its one effect lands in."""

    name: str
    prepare: Callable[[Phone], Awaitable[tuple[str, dict[str, str]]]]  # -> (path, signed params)
    effect: Any  # the model whose row count the webhook raises by exactly one


async def _to_confirmation(phone: Phone) -> None:
    for body in ("HELP", "1", "2", "0", "0", "The boss keeps our passports.", "1", "2"):
        await phone.text(body)


async def confirming_text(phone: Phone) -> tuple[str, dict[str, str]]:
    await _to_confirmation(phone)
    return "/twilio/sms", phone.params("1")


async def follow_up_text(phone: Phone) -> tuple[str, dict[str, str]]:
    await _to_confirmation(phone)
    receipt = RECEIPT.search((await phone.text("1"))[0])
    assert receipt, "no receipt"
    await phone.text(" ".join(receipt.groups()))
    return "/twilio/sms", phone.params("They also took our phones last night.")


SCENARIOS = [
    Scenario("sms-confirm-files-one-case", confirming_text, Case),
    Scenario("sms-follow-up-adds-one-message", follow_up_text, Message),
]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, templates: dict[str, Template],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, LiveServer]]:
    """One two-worker server per database for the whole module; every test texts from its own number."""
    if request.param == "postgres":
        pg.require_postgres()
    root = tmp_path_factory.mktemp(f"replay-{request.param}")
    settings, database = clone(templates[request.param], root)
    settings = msgspec.structs.replace(settings, twilio_auth_token=TOKEN)
    live = start_server(settings, root / "server.log", workers=2)
    try:
        yield settings, live
    finally:
        live.stop()
        if database:
            pg.drop_database(database)


def _phone(client: httpx.AsyncClient, live: LiveServer) -> Phone:
    return Phone(client, live.base_url, f"+1416555{secrets.randbelow(10000):04d}")


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
        path, params = await scenario.prepare(_phone(client, live))
    return path, params, await _count(settings, scenario.effect)


def _same_answer(responses: list[httpx.Response]) -> str:
    assert [r.status_code for r in responses] == [200] * len(responses), [r.text[:300] for r in responses]
    bodies = {r.text for r in responses}
    assert len(bodies) == 1, bodies
    return bodies.pop()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
async def test_one_signed_webhook_sent_five_times_at_once_has_one_effect_and_one_answer(
    server: tuple[Settings, LiveServer], scenario: Scenario
) -> None:
    settings, live = server
    path, params, before = await _ready(settings, live, scenario)
    answer = _same_answer(list(await asyncio.gather(*(_deliver(live, path, params) for _ in range(COPIES)))))
    assert await _count(settings, scenario.effect) == before + 1
    assert _same_answer([await _deliver(live, path, params)]) == answer  # and once more, much later


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
async def test_retries_after_a_slow_first_answer_get_its_answer_and_add_nothing(
    server: tuple[Settings, LiveServer], scenario: Scenario
) -> None:
    settings, live = server
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
    if scenario.effect is Case:
        assert RECEIPT.search(answer), "the retries were not given the receipt the first delivery made"
    assert _same_answer([await _deliver(live, path, params)]) == answer
