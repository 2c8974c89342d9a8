"""A real Signalement stack for one test: initialised data directory, keys, database, app.

Initialisation (migrations, key generation, the bootstrap admin) runs once per
session and backend; each test gets a copy (a copied directory for SQLite, a
``CREATE DATABASE ... TEMPLATE`` for PostgreSQL), so tests are isolated and fast.
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from litestar import Litestar
from litestar.stores.memory import MemoryStore

from signalement.app import create_app
from signalement.bootstrap import initialize
from signalement.logs import configure_logging
from signalement.metrics.events import Recorder
from signalement.ratelimit import CounterTable
from signalement.runtime import Runtime
from signalement.settings import Settings, load_settings
from support import pg


class AdminLogin(msgspec.Struct, frozen=True):
    username: str
    password: str
    totp_secret: bytes


class Template(msgspec.Struct, frozen=True):
    backend: str
    var_dir: str
    database: str | None
    admin: AdminLogin


def settings_for(var_dir: Path, database_url: str = "", **overrides: object) -> Settings:
    """Settings for a test stack. Argon2 runs at the test cost (``SIGNALEMENT_KDF_COST=test``): the same
    code paths, a thousandth of the time; tests that check or time the real cost ask for ``standard``."""
    env: dict[str, str] = {}
    overrides.setdefault("kdf_cost", "test")
    return load_settings(env, data_dir=str(var_dir), database_url=database_url, **overrides)


def build_template(backend: str, root: Path) -> Template:
    var_dir = root / "var"
    database = None
    url = ""
    if backend == "postgres":
        database = pg.create_database("sig_tpl")
        url = pg.sqlalchemy_url(database)
    report = pg.run_sync(initialize(settings_for(var_dir, url)))
    assert report.admin is not None and report.admin.totp_secret is not None
    admin = AdminLogin(report.admin.username, report.admin.one_time_password, report.admin.totp_secret)
    return Template(backend=backend, var_dir=str(var_dir), database=database, admin=admin)


def clone(template: Template, dest: Path) -> tuple[Settings, str | None]:
    """A private copy of the template for one test. Returns its settings and PG database (if any)."""
    var_dir = dest / "var"
    shutil.copytree(template.var_dir, var_dir)
    if template.backend == "postgres":
        assert template.database
        database = pg.create_database("sig_t", template=template.database)
        return settings_for(var_dir, pg.sqlalchemy_url(database)), database
    return settings_for(var_dir), None


def new_runtime(settings: Settings) -> Runtime:
    """A test's runtime, with logging configured as ``create_app`` configures it (whether or not an app is built)."""
    configure_logging(settings.effective_log_format, settings.log_level)
    return Runtime(settings)


class AppStack(msgspec.Struct, kw_only=True, dict=True):
    """Settings and runtime, and an app built on first use: building one (registering every route) costs about
    0.2 s of CPU, and many tests work on the runtime alone."""

    settings: Settings
    runtime: Runtime

    @functools.cached_property
    def app(self) -> Litestar:
        return create_app(self.settings, runtime=self.runtime)


# SIGNALEMENT_TEST_FRESH_STACKS=1: every test gets a stack of its own, as before stacks were shared (to compare
# timings, or to tell whether a failure comes from sharing).
FRESH_STACKS = os.environ.get("SIGNALEMENT_TEST_FRESH_STACKS", "") == "1"


def share_stack(request: pytest.FixtureRequest) -> bool:
    """Whether the test may use the worker's shared stack (not when marked ``fresh_stack``)."""
    return request.node.get_closest_marker("fresh_stack") is None and not FRESH_STACKS


class SharedStack:
    """One runtime and one app per xdist worker and backend, reset to the template before every test.

    Building an app registers every route (0.2-0.3 s of CPU); most integration tests need only a fresh
    database, fresh stores and a fresh runtime state, not a fresh app. ``reset`` gives them exactly what a
    fresh ``clone`` would: the template's files copied again at the same path (SQLite) or the database made
    again from the template under the same name (PostgreSQL, the app's pool was closed first), every store
    emptied, the usability counts emptied, and the runtime's attributes put back as they were after the app
    was built (a test that swaps ``runtime.settings``, ``kdf_costs`` or a store gets the original back).
    ``tests/integration/test_shared_stack.py`` proves that nothing carries over.
    """

    def __init__(self, template: Template, root: Path, **overrides: object) -> None:
        self.template = template
        self.var_dir = root / "var"
        self.database: str | None = None
        url = ""
        if template.backend == "postgres":
            self.database = f"sig_shared_{uuid.uuid4().hex[:12]}"
            url = pg.sqlalchemy_url(self.database)
        self.settings = msgspec.structs.replace(settings_for(self.var_dir, url), **overrides)
        self._copy_template()
        self.runtime = new_runtime(self.settings)
        # Built now, before any test can change the runtime it captures.
        self.app = create_app(self.settings, runtime=self.runtime)
        self._routes = len(self.app.routes)
        self._pristine = self._snapshot()

    def _copy_template(self) -> None:
        if self.var_dir.exists():
            # Moved aside, then removed: a connection the previous test's app is still closing (a WAL checkpoint)
            # may write into the old folder while it goes; it cannot stop the copy, nor reach the new folder's files.
            old = self.var_dir.with_name(f"old-{uuid.uuid4().hex[:8]}")
            self.var_dir.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        shutil.copytree(self.template.var_dir, self.var_dir)
        if self.database:
            assert self.template.database
            pg.drop_database(self.database)
            pg.create_database("", template=self.template.database, name=self.database)

    def _snapshot(self) -> dict[str, object]:
        """The runtime's state right after the app was built: what every test starts from."""
        state = dict(vars(self.runtime))
        state.pop("kdf_pool", None)  # closed after each test; the next one makes its own on first use
        state.pop("receipt_reserve", None)  # emptied with it; refilled when the next test's app starts
        state["_stores"] = dict(state["_stores"])  # type: ignore[call-overload]
        return state

    async def reset(self) -> None:
        """Back to the template, before a test (the previous test's ``close`` released every connection)."""
        configure_logging(self.settings.effective_log_format, self.settings.log_level)
        self._copy_template()
        await self._restore_runtime()

    async def _restore_runtime(self) -> None:
        runtime = self.runtime
        stores = [*runtime._stores.values(), *self._pristine["_stores"].values()]  # type: ignore[attr-defined]  # noqa: SLF001
        vars(runtime).clear()
        vars(runtime).update(self._pristine)
        runtime._stores = dict(self._pristine["_stores"])  # type: ignore[call-overload]  # noqa: SLF001
        for store in stores:
            if isinstance(store, MemoryStore | CounterTable):
                await store.delete_all()
        recorder = runtime.recorder  # the app's flusher holds this object: make it new in place
        vars(recorder).clear()
        vars(recorder).update(vars(Recorder(hourly_days=self.settings.metrics_hourly_days)))
        runtime.public_keys.refresh()  # keys are read again from the files just copied

    async def close(self) -> None:
        await self.runtime.close()
        if len(self.app.routes) != self._routes:
            # The test added routes (``app.register``): they must not reach the next test. A new app, and a failure.
            await self._restore_runtime()
            self.app = create_app(self.settings, runtime=self.runtime)
            self._pristine = self._snapshot()
            raise AssertionError("this test changed the shared app: mark it fresh_stack")

    def drop(self) -> None:
        if self.database:
            pg.drop_database(self.database)


class SharedStacks:
    """The session's ``SharedStack``s (so one set per xdist worker), one per backend and settings, made on first use."""

    def __init__(self, templates: dict[str, Template], root: Callable[[str], Path]) -> None:
        self._templates = templates
        self._root = root
        self._built: dict[tuple[str, tuple[tuple[str, object], ...]], SharedStack] = {}

    def get(self, backend: str, **overrides: object) -> SharedStack:
        key = (backend, tuple(sorted(overrides.items())))
        if key not in self._built:
            self._built[key] = SharedStack(self._templates[backend], self._root(f"shared-{backend}"), **overrides)
        return self._built[key]

    def drop(self) -> None:
        for shared in self._built.values():
            shared.drop()
