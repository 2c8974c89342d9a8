"""A budget of database round trips per SMS text, on each database: the webhook's latency under 50
conversations is round trips times the database's latency under contention, so adding one must be a choice.

Counted by ``support.roundtrips`` (each exchange with PostgreSQL; each trip to a SQLite connection's thread),
for a whole conversation on a warm app. What the budget pays for, per conversation text: on PostgreSQL one
read (the ledger and the conversation in one statement, outside a transaction) and one write transaction
(BEGIN, the conversation, the ledger row, the purge job, COMMIT), and no pool ping; the confirming text adds
intake's write, one statement for the case and its sealed fields (on SQLite one call to the writer thread).
"""

from __future__ import annotations

import re

import pytest

from integration.channels.conftest import PUBLIC_URL
from support import roundtrips
from support.twilio_webhooks import Phone

pytestmark = pytest.mark.both_databases

TEXTS = ("AYUDA", "1 5", "2", "ON", "Granja Norte", "No me pagan desde hace tres semanas.",
         "El jefe guarda mi pasaporte.", "1", "2")
CONFIRM = "1"
RECEIPT = re.compile(r"\d{3}-\d{3}-\d{3}.*?\d{4} \d{4} \d{4} \d{4}", re.S)
# (conversation text, confirming text): measured 6 / 7 on PostgreSQL (6 / 10 until 2026-12-05, when intake's
# BEGIN, case, fields and COMMIT became one statement; 15 / 28 before 2026-12-04, with a pool ping on every
# checkout and the ledger and conversation read in a transaction of their own) and 10 / 11 on SQLite (14 / 24).
BUDGET = {"postgres": (6, 7), "sqlite": (10, 11)}


async def conversation(client: object, number: str) -> tuple[list[int], int]:
    counts = roundtrips.install()
    phone = Phone(client, PUBLIC_URL, number)
    trips = []
    for body in TEXTS:
        before = counts.total()
        assert await phone.text(body)
        trips.append(counts.total() - before)
    before = counts.total()
    replies = await phone.text(CONFIRM)
    assert any(RECEIPT.search(reply) for reply in replies), replies  # the report was filed
    return trips, counts.total() - before


async def test_an_sms_text_stays_within_its_round_trip_budget(tw: object, tw_client: object, backend: str) -> None:
    roundtrips.install()
    await conversation(tw_client, "+14165550101")  # warm: connections open, statements prepared
    trips, confirm = await conversation(tw_client, "+14165550102")
    text_budget, confirm_budget = BUDGET[backend]
    print(f"{backend}: round trips per text {trips}, confirming text {confirm}")
    assert max(trips) <= text_budget, (trips, text_budget)
    assert confirm <= confirm_budget, (confirm, confirm_budget)
