"""The per-address rate limit is a setting, and the setting is what the app enforces.

A community centre that helps many workers from one address needs a higher limit than the default; an
operator changes ``SIGNALEMENT_RATE_LIMIT_PER_MINUTE`` and nothing else. Seen from the client: the request
after the limit gets a calm, localized 429, and health checks are never throttled.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.testing import AsyncTestClient

from signalement.app import create_app
from signalement.runtime import Runtime
from signalement.settings import load_settings


async def _statuses(stack: Any, limit: int | None, path: str, n: int) -> list[int]:
    settings = stack.settings if limit is None else msgspec.structs.replace(stack.settings,
                                                                             rate_limit_per_minute=limit)
    runtime = Runtime(settings)
    try:
        async with AsyncTestClient(create_app(settings, runtime=runtime), raise_server_exceptions=False) as c:
            return [(await c.get(path)).status_code for _ in range(n)]
    finally:
        await runtime.close()


async def test_the_request_after_the_configured_limit_gets_a_calm_localized_429(stack: Any) -> None:
    settings = msgspec.structs.replace(stack.settings, rate_limit_per_minute=5)
    runtime = Runtime(settings)
    try:
        async with AsyncTestClient(create_app(settings, runtime=runtime), raise_server_exceptions=False) as c:
            allowed = [(await c.get("/fr/report")).status_code for _ in range(5)]
            refused = await c.get("/fr/report")
            health = await c.get("/healthz")
    finally:
        await runtime.close()
    assert allowed == [200] * 5
    assert refused.status_code == 429
    assert 'lang="fr"' in refused.text and "Traceback" not in refused.text
    assert health.status_code == 200  # probes are never throttled


async def test_the_default_limit_lets_a_shared_address_through_where_a_low_one_would_not(stack: Any) -> None:
    assert load_settings({}).rate_limit_per_minute == 300
    assert await _statuses(stack, None, "/en/report", 12) == [200] * 12
    assert await _statuses(stack, 10, "/en/report", 12) == [200] * 10 + [429] * 2
