"""The worker's shared app (``SharedStack`` in tests/support/stack.py) carries nothing from one test to the next.

Most integration tests share one app and one runtime per xdist worker and backend; before each test the
stack is put back to the template. The first test below leaves every kind of trace a test can leave: rows in
the database, entries in every store, usability counts in memory, a changed setting, a changed Argon2id cost,
an extra store, a file in the data directory and a key file deleted. The second runs after it, in the same
worker (``--dist loadfile`` keeps a module on one worker, in file order), gets the same app, and finds none.
"""

from __future__ import annotations

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from signalement.db.models import Officer, Role
from signalement.ratelimit import CounterTable
from signalement.vault.kdf import STANDARD_COSTS, TEST_COSTS
from support.officers import create_officer
from support.stack import FRESH_STACKS

pytestmark = [
    pytest.mark.both_databases,
    pytest.mark.skipif(FRESH_STACKS, reason="SIGNALEMENT_TEST_FRESH_STACKS=1: no stack is shared"),
]

LEFT: dict[str, object] = {}  # backend -> what the first test saw, for the second to compare


async def test_a_test_leaves_rows_store_entries_counts_settings_and_files_behind(stack) -> None:
    runtime = stack.runtime
    assert stack.shared is not None, "this module checks the shared stack: it must not be marked fresh_stack"
    async with runtime.db.reading() as s:
        officers = await s.scalar(select(func.count()).select_from(Officer))
    await create_officer(runtime, stack.admin, Role.OFFICER, username="left-behind")
    for name in ("sessions", "throttle"):
        await runtime.store(name).set("left-behind", b"x")
    counter = runtime.store("rate_limit")  # a CounterTable (no Redis): it counts hits, it holds no values
    assert isinstance(counter, CounterTable)
    assert counter.hit("left-behind", 1, 3600) and not counter.hit("left-behind", 1, 3600)
    runtime.recorder.record("step_viewed", channel="web", language="en", step="intro")
    assert runtime.recorder.pending()
    runtime.settings = msgspec.structs.replace(runtime.settings, rate_limit_per_minute=1)
    runtime.kdf_costs = STANDARD_COSTS
    runtime._stores["extra"] = runtime._stores["sessions"]  # noqa: SLF001
    (stack.settings.data_path / "left-behind.txt").write_text("x")
    (stack.settings.key_path / "current").unlink()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://t") as web:
        assert (await web.get("/readyz")).status_code == 503  # the app reads what the test changed
    LEFT[stack.backend] = {"app": id(stack.app), "officers": officers}


async def test_the_next_test_finds_none_of_it(stack, client, db) -> None:
    left = LEFT.get(stack.backend)
    assert left is not None, "the first test did not run before this one: this check would be blind"
    runtime = stack.runtime
    assert id(stack.app) == left["app"], "not the shared app: this module would check nothing"
    async with db.reading() as s:  # the test's own pool: the client runs the app on another event loop
        assert await s.scalar(select(func.count()).select_from(Officer)) == left["officers"]
        assert await s.scalar(select(Officer.id).where(Officer.username == "left-behind")) is None
    for name in ("sessions", "throttle"):
        assert await runtime.store(name).get("left-behind") is None, name
    assert runtime.store("rate_limit").hit("left-behind", 1, 3600), "the last test's count was carried over"
    assert runtime.recorder.pending() == {}
    assert runtime.settings is stack.settings and runtime.settings.rate_limit_per_minute != 1
    assert runtime.kdf_costs is TEST_COSTS
    assert "extra" not in runtime._stores  # noqa: SLF001
    assert not (stack.settings.data_path / "left-behind.txt").exists()
    assert (stack.settings.key_path / "current").exists()
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
