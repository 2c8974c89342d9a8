"""A stack configured like production for the insider tests: secrets in the environment, not the key folder.

``env_stack`` is the stack (app, runtime, settings) plus ``secrets_env``, the variables an operator's
processes get from the secret manager. The attacker in these tests never sees ``secrets_env``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from signalement.db.models import Role
from support import pg
from support.insiders import REDIS_URL, env_stack_settings, http_client
from support.officers import OfficerLogin, create_officer
from support.stack import AdminLogin, AppStack, Template, new_runtime


class EnvStack(AppStack, kw_only=True):
    secrets_env: dict[str, str]
    admin: AdminLogin
    backend: str


def require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if pg.CI:
            pytest.fail(f"CI=true needs Redis on 127.0.0.1:6379: {exc}")
        pytest.skip(f"Redis is not reachable on 127.0.0.1:6379 ({exc})")


@pytest.fixture
def with_redis() -> bool:
    """Tests that need the shared session store override this with ``True``."""
    return False


@pytest.fixture
async def env_stack(backend: str, templates: dict[str, Template], tmp_path: Path,
                    with_redis: bool) -> AsyncIterator[EnvStack]:
    overrides: dict[str, object] = {}
    if with_redis:
        require_redis()
        overrides["redis_url"] = REDIS_URL
    settings, secrets_env, database = env_stack_settings(templates[backend], tmp_path, **overrides)
    runtime = new_runtime(settings)
    try:
        yield EnvStack(settings=settings, secrets_env=secrets_env, runtime=runtime,
                       admin=templates[backend].admin, backend=backend)
    finally:
        await runtime.close()
        if database:
            pg.drop_database(database)


@pytest.fixture
async def web(env_stack: EnvStack) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(env_stack.app) as client:
        yield client


@pytest.fixture
def staff(env_stack: EnvStack) -> Callable[..., Awaitable[OfficerLogin]]:
    async def make(role: Role | str = Role.OFFICER, region: str | None = "quebec", **kw: object) -> OfficerLogin:
        return await create_officer(env_stack.runtime, env_stack.admin, role, region=region, **kw)  # type: ignore[arg-type]

    return make
