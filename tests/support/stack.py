"""A real Signalement stack for one test: initialised data directory, keys, database, app.

Initialisation (migrations, key generation, the bootstrap admin) runs once per
session and backend; each test gets a copy (a copied directory for SQLite, a
``CREATE DATABASE ... TEMPLATE`` for PostgreSQL), so tests are isolated and fast.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import msgspec
from litestar import Litestar

from signalement.app import create_app
from signalement.bootstrap import initialize
from signalement.logs import configure_logging
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
