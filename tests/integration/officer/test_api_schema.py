"""The API description at ``/schema`` holds: it is for signed-in staff only, its viewer needs no script from
elsewhere, it declares how clients authenticate, only officer routes are in it, and schemathesis finds no 5xx
and no response that breaks the schema, with valid and with invalid requests, signed in as a supervisor
(then as an admin for the staff and key operations).

It runs against a real ``signalement serve`` process. The app limits each client address to 300 requests a
minute; the fuzzer sends each example from its own loopback address (127.0.x.y) so that limit does not
turn the run into a test of the rate limiter. Credentials come from the description's security schemes,
as a generated client's would.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import itertools
import re
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
from support.fuzzing import examples
from support.live import start_server
from support.officers import OfficerLogin, sign_in

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is part of the test extra")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.specs.openapi.checks import ignored_auth  # noqa: E402

# Examples per operation and mode: 12 in the suite (every operation, both modes, three sessions), 25 deep.
EXAMPLES = examples(suite=12, deep=25)
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


class KeepNone(http.cookiejar.DefaultCookiePolicy):
    """A cookie jar that stores nothing a response sets: each request carries only what the case says."""

    def set_ok(self, cookie: Any, request: Any) -> bool:  # noqa: ANN401
        return False


def session_from(address: str, cookies: Any) -> requests.Session:  # noqa: ANN401
    s = requests.Session()
    s.mount("http://", FromAddress(address))
    s.cookies.update(cookies)
    return s


def bare_session(address: str) -> requests.Session:
    """For generated requests: no cookie of its own, none kept from responses."""
    s = session_from(address, {})
    s.cookies.set_policy(KeepNone())
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


def checker(strategy: Any, base_url: str) -> Any:  # noqa: ANN401
    """One property test: every generated request gets a response the schema and the checks accept.

    The cookies and the CSRF header come from the description's security schemes (``described``), as a
    generated client's would: the session carries none, so a case generated without them is refused.
    """

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
        response = case.call(base_url=base_url, session=bare_session(next(_addresses)), timeout=30)
        # Schemathesis sends its auth probes without the session we pass, so all of them leave from one
        # address and the rate limit answers them (429) instead of the guard. Anonymous and wrong-role
        # calls to every route are checked in test_role_matrix.py; here a request generated without the
        # declared credentials (negative mode) must still be refused, which the other checks see.
        case.validate_response(response, excluded_checks=[ignored_auth])

    return check


def fuzz(
    schema: Any,
    base_url: str,
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
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=params or None)
            check = checker(strategy, base_url)
            try:
                check()
            except Unsatisfiable:
                continue  # nothing about this operation can be invalid (no parameters, no body)
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises one group per operation
                failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]: {exc}"[:3000])
    return failures


async def test_the_description_and_its_viewer_need_a_staff_session(web, stack, staff) -> None:  # noqa: ANN001
    r = await web.get("/schema/openapi.json")
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert "paths" not in r.text
    r = await web.get("/schema", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/officer/sign-in?next=%2Fschema")
    for other in ("/schema/swagger", "/schema/openapi.yaml", "/schema/redoc"):
        assert (await web.get(other, follow_redirects=False)).status_code in (303, 401, 404), other
    await sign_in(web, stack.runtime, await staff(Role.OFFICER))
    assert (await web.get("/schema/openapi.json")).status_code == 200
    assert (await web.get("/schema")).status_code == 200


async def test_the_schema_lists_only_the_officer_api(web, stack, staff) -> None:  # noqa: ANN001
    await sign_in(web, stack.runtime, await staff(Role.OFFICER))
    schema = (await web.get("/schema/openapi.json")).json()
    assert schema["paths"] and all(path.startswith("/api/v1/") for path in schema["paths"])
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            errors = {code for code, r in operation["responses"].items() if code.startswith(("4", "5"))}
            assert {"401", "403", "429"} <= errors, (method, path)
            for code in errors:
                content = operation["responses"][code]["content"]
                assert list(content) == ["application/problem+json"], (method, path, code)


async def test_the_schema_declares_the_session_cookies_and_the_csrf_header(web, stack, staff) -> None:  # noqa: ANN001
    await sign_in(web, stack.runtime, await staff(Role.OFFICER))
    schema = (await web.get("/schema/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert {(s["type"], s["in"], s["name"]) for s in schemes.values()} == {
        ("apiKey", "cookie", "signalement-session"),
        ("apiKey", "cookie", "signalement-key"),
        ("apiKey", "header", "X-CSRFToken"),
        ("apiKey", "cookie", "csrftoken"),
    }
    # all four, as signing in sets them; the guard itself needs only the session (see description.py)
    assert schema["security"] == [{name: [] for name in schemes}, {"sessionCookie": []}]
    # Signing in needs none of them (that is how a client gets them); every other operation needs all.
    public = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if op.get("security") == [{}]
    }
    assert public == {("GET", "/api/v1/session"), ("POST", "/api/v1/session")}


async def test_the_viewer_is_a_workspace_page_with_no_script_and_nothing_from_elsewhere(web, stack, staff) -> None:  # noqa: ANN001
    await sign_in(web, stack.runtime, await staff(Role.OFFICER))
    schema = (await web.get("/schema/openapi.json")).json()
    r = await web.get("/schema")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    page = r.text
    # The viewer itself needs no script: the only one is the workspace's idle-limit notice, from our host.
    scripts = re.findall(r"<script[^>]*>", page)
    own_notice = r'<script src="/assets/[0-9a-f]+/session\.js" defer>'
    assert len(scripts) == 1 and re.fullmatch(own_notice, scripts[0]), scripts
    assert "cdn" not in page.lower()
    assert not re.search(r'(src|href)="(https?:)?//', page), re.findall(r'(?:src|href)="[^"]+"', page)[:5]
    for path in schema["paths"]:
        assert path in page, path
    assert "X-CSRFToken" in page and "signalement-session" in page
    assert '<html lang="en"' in page


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


def described(base_url: str, cookies: Any, token: str) -> Any:  # noqa: ANN401
    """The description, read with a staff session, with that session's values for its security schemes."""
    document = session_from(next(_addresses), cookies).get(f"{base_url}/schema/openapi.json", timeout=30)
    assert document.status_code == 200, document.text[:300]
    raw = document.json()
    values = {"csrfHeader": token}
    for name, scheme in raw["components"]["securitySchemes"].items():
        if scheme["in"] == "cookie":
            values[name] = cookies[scheme["name"]]
    config = SchemathesisConfig.from_dict({"auth": {"openapi": {k: {"api_key": v} for k, v in values.items()}}})
    return schemathesis.openapi.from_dict(raw, config=config)


def run_all(base_url: str, supervisor: OfficerLogin, admin: OfficerLogin, case_id: str) -> list[str]:
    cookies, token = signed_in(base_url, supervisor, totp.current_code(supervisor.totp_secret))
    schema = described(base_url, cookies, token)
    failures = fuzz(schema, base_url, only=None, path_parameters={})
    # Again with a real case, so the handlers behind the guard are reached, not just the 404.
    failures += fuzz(schema, base_url, only=("/api/v1/cases/",), path_parameters={"case_id": case_id})
    cookies, token = signed_in(
        base_url, admin, totp.current_code(admin.totp_secret)
    )  # neither has used a code yet
    failures += fuzz(described(base_url, cookies, token), base_url, only=ADMIN_PATHS, path_parameters={})
    return failures
