"""``signalement serve``'s workers: each freezes its startup heap once started, so that no request pays a
full garbage collection over every module, route and template of the process."""

from __future__ import annotations

import gc
import importlib

import pytest
from litestar.testing import AsyncTestClient

from signalement import cli
from signalement.app import create_app, create_served_app
from support.live import settings_env


@pytest.fixture
def served_env(stack, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001 - the conftest's Stack
    for name, value in settings_env(stack.settings).items():  # a worker builds its app from the environment
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("served_env")
async def test_a_served_worker_freezes_its_startup_heap_once_started() -> None:
    module, _, name = cli.SERVED_APP.partition(":")
    factory = getattr(importlib.import_module(module), name)
    assert factory is create_served_app
    gc.unfreeze()
    try:
        app = factory(harden=False)  # irreversible in this process: tests/security/test_process_memory.py
        assert gc.get_freeze_count() == 0  # not before the startup hooks have run
        async with AsyncTestClient(app) as client:
            frozen = gc.get_freeze_count()
            assert frozen > 10_000  # the modules, routes and templates of a started worker
            assert (await client.get("/en/report")).status_code == 200
    finally:
        gc.unfreeze()


@pytest.mark.usefixtures("served_env")
async def test_an_app_made_in_process_freezes_nothing() -> None:
    gc.unfreeze()
    async with AsyncTestClient(create_app()) as client:
        assert (await client.get("/en/report")).status_code == 200
        assert gc.get_freeze_count() == 0
