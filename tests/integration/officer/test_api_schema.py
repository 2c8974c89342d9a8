"""The API description at ``/schema`` holds: only officer routes are in it, and schemathesis finds no 5xx
and no response that breaks the schema, with valid and with invalid requests, signed in as a supervisor
(then as an admin for the staff and key operations).

It runs against a real ``signalement serve`` process. The app limits each client address to 300 requests a
minute; the fuzzer sends each operation from its own loopback address (127.0.x.y) so that limit does not
turn the run into a test of the rate limiter.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from requests.adapters import HTTPAdapter

from signalement.db.models import Role
from signalement.staff import totp
from support.cases import submit
from support.live import start_server
from support.officers import OfficerLogin

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is part of the test extra")
from schemathesis import GenerationMode  # noqa: E402

EXAMPLES = 25
# Signing out would end the fuzzer's own session; tests/integration/officer/test_sessions.py covers it.
SKIPPED = {("DELETE", "/api/v1/session")}
ADMIN_PATHS = ("/api/v1/staff", "/api/v1/keys")
_addresses = (f"127.0.{a}.{b}" for a, b in itertools.product(range(2, 250), range(1, 250)))


class FromAddress(HTTPAdapter):
    """Connect from a chosen loopback address (the server sees a different client per operation)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str, cookies: Any) -> requests.Session:  # noqa: ANN401
    s = requests.Session()
    s.mount("http://", FromAddress(address))
    s.cookies.update(cookies)
    return s


def signed_in(base_url: str, login: OfficerLogin, code: str) -> tuple[Any, str]:
    s = session_from(next(_addresses), {})
    token = s.get(f"{base_url}/api/v1/session", timeout=10).json()["csrf_token"]
    r = s.post(
        f"{base_url}/api/v1/session",
        json={"username": login.username, "password": login.password, "code": code},
        headers={"x-csrftoken": token},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return s.cookies, token


def checker(strategy: Any, session: requests.Session, base_url: str, token: str) -> Any:  # noqa: ANN401
    """One property test: every generated request gets a response the schema and the checks accept."""

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:  # noqa: ANN401
        response = case.call(base_url=base_url, session=session, headers={"x-csrftoken": token}, timeout=30)
        case.validate_response(response, headers={"x-csrftoken": token})

    return check


def fuzz(
    schema: Any,
    base_url: str,
    cookies: Any,
    token: str,
    *,
    only: tuple[str, ...] | None,  # noqa: ANN401
    path_parameters: dict[str, str],
) -> list[str]:
    """Run every operation in both modes; return the failures schemathesis reported."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        if only is not None and not operation.path.startswith(only):
            continue
        params = {k: v for k, v in path_parameters.items() if "{" + k + "}" in operation.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            session = session_from(next(_addresses), cookies)
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=params or None)
            check = checker(strategy, session, base_url, token)
            try:
                check()
            except Unsatisfiable:
                continue  # nothing about this operation can be invalid (no parameters, no body)
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises one group per operation
                failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]: {exc}"[:3000])
    return failures


async def test_the_schema_lists_only_the_officer_api(web) -> None:
    schema = (await web.get("/schema/openapi.json")).json()
    assert schema["paths"] and all(path.startswith("/api/v1/") for path in schema["paths"])
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            errors = {code for code, r in operation["responses"].items() if code.startswith(("4", "5"))}
            assert {"401", "403", "429"} <= errors, (method, path)
            for code in errors:
                content = operation["responses"][code]["content"]
                assert list(content) == ["application/problem+json"], (method, path, code)


@pytest.mark.slow
async def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    stack, staff, tmp_path: Path
) -> None:
    receipt = await submit(stack, province="QC", phone="+15145550100")
    supervisor = await staff(Role.SUPERVISOR, region=None)
    admin = await staff(Role.ADMIN, region=None)
    server = start_server(stack.settings, tmp_path / "server.log")
    try:
        failures = await asyncio.to_thread(run_all, server.base_url, supervisor, admin, receipt.case_id)
    finally:
        server.stop()
    logs = server.logs()
    assert "unhandled_error" not in logs, logs[-3000:]
    assert not failures, "\n\n".join(failures)


def run_all(base_url: str, supervisor: OfficerLogin, admin: OfficerLogin, case_id: str) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
    cookies, token = signed_in(base_url, supervisor, totp.current_code(supervisor.totp_secret))
    failures = fuzz(schema, base_url, cookies, token, only=None, path_parameters={})
    # Again with a real case, so the handlers behind the guard are reached, not just the 404.
    failures += fuzz(
        schema, base_url, cookies, token, only=("/api/v1/cases/",), path_parameters={"case_id": case_id}
    )
    cookies, token = signed_in(
        base_url, admin, totp.current_code(admin.totp_secret)
    )  # neither has used a code yet
    failures += fuzz(schema, base_url, cookies, token, only=ADMIN_PATHS, path_parameters={})
    return failures
