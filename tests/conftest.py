"""Fixtures: every integration test runs against the real app, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from signalement.app import create_app
from signalement.runtime import Runtime
from signalement.settings import Settings
from support import pg
from support.stack import AdminLogin, Template, build_template, clone

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    """Built lazily: a session that never asks for PostgreSQL never touches it."""
    built: dict[str, Template] = {}
    yield _LazyTemplates(built, tmp_path_factory)  # type: ignore[misc]
    for tpl in built.values():
        if tpl.database:
            pg.drop_database(tpl.database)


class _LazyTemplates(dict):  # type: ignore[type-arg]
    def __init__(self, built: dict[str, Template], factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self._built = built
        self._factory = factory

    def __getitem__(self, backend: str) -> Template:
        if backend not in self._built:
            self._built[backend] = build_template(backend, self._factory.mktemp(f"tpl-{backend}"))
        return self._built[backend]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        pg.require_postgres()
    return request.param


class Stack(msgspec.Struct, kw_only=True):
    settings: Settings
    runtime: Runtime
    app: Litestar
    admin: AdminLogin
    backend: str


@pytest.fixture
async def stack(backend: str, templates: dict[str, Template], tmp_path: Path) -> AsyncIterator[Stack]:
    template = templates[backend]
    settings, database = clone(template, tmp_path)
    runtime = Runtime(settings)
    app = create_app(settings, runtime=runtime)
    try:
        yield Stack(settings=settings, runtime=runtime, app=app, admin=template.admin, backend=backend)
    finally:
        await runtime.close()
        if database:
            pg.drop_database(database)


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(stack.app, raise_server_exceptions=False) as c:
        yield c
