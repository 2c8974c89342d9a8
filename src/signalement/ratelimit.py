"""The per-client request limit, one count for every replica.

Litestar's ``RateLimitMiddleware`` reads a client's history from the store, checks it and writes it back. In
one process its lock makes that safe; with several replicas sharing Redis, two replicas read the same count
and both let the request through, so a burst spread over the replicas passes far more than the limit (450
concurrent requests against a limit of 300 let 425 through in
``tests/integration/deployment/test_several_instances.py``). With a ``RedisStore`` this middleware counts
with one atomic ``INCR`` per request instead, in a window that starts with the client's first request (the
same fixed window as Litestar's). Other stores (the in-memory one, a single process) keep Litestar's code.

The key is the client's daily pseudonym (``throttle.ClientHasher``), never an address.
"""

from __future__ import annotations

from typing import Any

from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import DURATION_VALUES, RateLimitMiddleware
from litestar.stores.redis import RedisStore
from litestar.types import Receive, Scope, Send


async def count_request(store: RedisStore, key: str, window_seconds: int) -> int:
    """Add one request to ``key``'s window and return the window's count, atomically (MULTI/EXEC)."""
    redis_key = store._make_key(key)  # noqa: SLF001 - the store's own namespacing, so flushes stay in it
    async with store._redis.pipeline(transaction=True) as pipe:  # noqa: SLF001
        pipe.set(redis_key, 0, ex=window_seconds, nx=True)
        pipe.incr(redis_key)
        _, count = await pipe.execute()
    return int(count)


class SharedRateLimitMiddleware(RateLimitMiddleware):
    """``RateLimitMiddleware`` whose count cannot be lost between replicas when the store is Redis."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        store = self.config.get_store_from_app(app)
        if not isinstance(store, RedisStore) or self.config.set_rate_limit_headers:
            await super().__call__(scope, receive, send)
            return
        request: Any = app.request_class(scope)
        if await self.should_check_request(request=request):
            key = self.cache_key_from_request(request)
            if await count_request(store, key, DURATION_VALUES[self.unit]) > self.max_requests:
                raise TooManyRequestsException
        await self.app(scope, receive, send)
