"""Fixtures: every integration test runs against the real app, on SQLite; PostgreSQL runs where it differs.

Most behaviour does not depend on the database, so it is checked once, on SQLite. The scenarios whose
outcome the database decides (row locks and ``SKIP LOCKED``, UNIQUE races, advisory locks, query plans and
keyset pages, what lands on disk or in a dump) run on both: the modules in ``BOTH_DATABASES`` below, and
any test marked ``@pytest.mark.both_databases``. Migrations are tested up and down on both in
``tests/unit/db``.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from support import pg
from support.stack import (
    AdminLogin,
    AppStack,
    SharedStack,
    SharedStacks,
    Template,
    build_template,
    clone,
    new_runtime,
    share_stack,
)

# Shared fixtures (Prism, the test's own pool, live servers, module stacks): see tests/support/fixtures.py.
pytest_plugins = ["support.fixtures"]

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# Module (path under tests/) -> why PostgreSQL must see it too.
BOTH_DATABASES = {
    "integration/test_worker.py": "jobs are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL",
    "integration/test_intake.py": "concurrent identical submissions race on UNIQUE keys",
    "integration/test_stored_bytes.py": "what PostgreSQL writes to disk and to a dump must hold no plaintext",
    "integration/test_key_commands.py": "rotation re-wraps in batches under PostgreSQL's transactions",
    "integration/test_app_foundation.py": "readiness checks the database's migration head",
    "integration/officer/test_queue.py": "queue queries, keyset pages and counts run different SQL",
    "integration/officer/test_case_work.py": "case changes lock the row (FOR UPDATE) on PostgreSQL",
    "integration/officer/test_audit_tampering.py": "the chain is serialized by an advisory lock on PostgreSQL",
    "integration/reporter/test_live_privacy.py": "pg_dump must hold no reporter identifier",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``backend``: SQLite always; PostgreSQL for the modules and tests that need it."""
    if "backend" not in metafunc.fixturenames:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if "backend" in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return  # the test chose its databases itself
    path = metafunc.definition.path.as_posix()
    in_list = any(path.endswith("tests/" + module) for module in BOTH_DATABASES)
    marked = metafunc.definition.get_closest_marker("both_databases") is not None
    metafunc.parametrize("backend", BACKENDS if in_list or marked else ["sqlite"], indirect=True)


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


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        pg.require_postgres()
    return request.param


class Stack(AppStack, kw_only=True):
    admin: AdminLogin
    backend: str
    shared: SharedStack | None = None

    @functools.cached_property
    def app(self) -> Litestar:
        return self.shared.app if self.shared is not None else super().app


@pytest.fixture(scope="session")
def shared_stacks(templates: dict[str, Template], tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedStacks]:
    """The worker's shared stacks (``SharedStack``), made on first use."""
    stacks = SharedStacks(templates, tmp_path_factory.mktemp)
    yield stacks
    stacks.drop()


@pytest.fixture
async def stack(backend: str, templates: dict[str, Template], shared_stacks: SharedStacks,
                request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stack]:
    """The test's stack: the worker's shared app and runtime, reset to the template (``SharedStack``), or,
    for a test marked ``fresh_stack``, a copy of the template with a runtime and an app of its own."""
    template = templates[backend]
    if share_stack(request):
        shared = shared_stacks.get(backend)
        await shared.reset()
        try:
            yield Stack(settings=shared.settings, runtime=shared.runtime, admin=template.admin, backend=backend,
                        shared=shared)
        finally:
            await shared.close()
        return
    settings, database = clone(template, tmp_path)
    runtime = new_runtime(settings)
    try:
        yield Stack(settings=settings, runtime=runtime, admin=template.admin, backend=backend)
    finally:
        await runtime.close()
        if database:
            pg.drop_database(database)


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(stack.app, raise_server_exceptions=False) as c:
        yield c
