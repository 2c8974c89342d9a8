"""Every route of the app, against every role and against no one: the status each gets, from one table.

The table is explicit. A route that is not in it fails the test, so a new
route cannot ship without someone deciding who may call it. Officer-tier
routes list the exact status per role; routes of other tiers (reporter,
health, metrics) must answer everyone the same: a staff session
changes nothing there.

Requests that change things are sent with a body the handler refuses (or an
object that does not exist) *after* the guard has decided, so an allowed
role gets a 4xx from the handler and no row changes, while a refused role
gets 303/401/403 from the guard. Sign-out runs last.
"""

from __future__ import annotations

import itertools
from typing import Any

from signalement.db.models import Role
from signalement.evidence_store import write_evidence
from support.cases import submit
from support.officers import csrf_token, sign_in

ROLES = ("anonymous", "officer", "supervisor", "admin", "researcher")
SAME = "same for everyone"
NOBODY = 999_999

# (anonymous, officer, supervisor, admin, researcher)
PAGE_READ = (303, 200, 200, 403, 403)
PAGE_WRITE = (303, 400, 400, 403, 403)
API_READ = (401, 200, 200, 403, 403)
API_WRITE = (401, 400, 400, 403, 403)

EXPECTED: dict[tuple[str, str], tuple[int, ...] | str] = {
    # other tiers: whatever they answer, they answer it to everyone
    ("GET", "/healthz"): SAME,
    ("GET", "/readyz"): SAME,
    ("GET", "/static/{file_path:path}"): SAME,
    ("GET", "/assets/{digest:str}/{name:str}"): SAME,
    ("GET", "/exit"): SAME,
    # Twilio's webhooks: a signature decides, never a staff session (403 for everyone unsigned)
    ("POST", "/twilio/sms"): SAME,
    ("POST", "/twilio/sms/status"): SAME,
    ("POST", "/twilio/voice"): SAME,
    ("POST", "/twilio/voice/step"): SAME,
    ("POST", "/twilio/voice/recording"): SAME,
    ("POST", "/twilio/voice/status"): SAME,
    ("GET", "/"): SAME,
    ("GET", "/{lang:str}"): SAME,
    ("GET", "/favicon.ico"): SAME,
    ("GET", "/{lang:str}/report"): SAME,
    ("POST", "/{lang:str}/report"): SAME,
    ("POST", "/{lang:str}/report/evidence"): SAME,
    ("GET", "/{lang:str}/follow-up"): SAME,
    ("POST", "/{lang:str}/follow-up"): SAME,
    ("POST", "/{lang:str}/follow-up/view"): SAME,
    ("POST", "/{lang:str}/follow-up/reply"): SAME,
    ("POST", "/{lang:str}/follow-up/evidence"): SAME,
    ("POST", "/{lang:str}/feedback"): SAME,
    ("GET", "/metrics"): SAME,
    # the API description: any signed-in staff account (a browser is sent to sign in, a client gets 401)
    ("GET", "/schema"): (303, 200, 200, 200, 200),
    ("GET", "/schema/{path:str}"): (303, 404, 404, 404, 404),
    ("GET", "/schema/openapi.json"): (401, 200, 200, 200, 200),
    # officer pages
    ("GET", "/officer/sign-in"): (200, 303, 303, 303, 303),
    ("POST", "/officer/sign-in"): (400, 400, 400, 400, 400),
    ("GET", "/officer/setup"): (303, 303, 303, 303, 303),
    ("POST", "/officer/setup"): (303, 303, 303, 303, 303),
    ("GET", "/officer"): (303, 303, 303, 303, 303),
    ("GET", "/officer/account"): (303, 200, 200, 200, 200),
    ("POST", "/officer/account/password"): (303, 400, 400, 400, 400),
    ("POST", "/officer/language"): (303, 303, 303, 303, 303),
    ("POST", "/officer/session/keep"): (303, 200, 200, 200, 200),
    ("GET", "/officer/queue"): PAGE_READ,
    ("GET", "/officer/queue.csv"): PAGE_READ,
    ("POST", "/officer/queue/employer"): PAGE_WRITE,  # a name too short to match: 400 from the handler
    ("POST", "/officer/queue/assign"): (303, 403, 400, 403, 403),  # supervisors only; nothing ticked: 400
    ("GET", "/officer/cases/{case_id:str}"): PAGE_READ,
    ("GET", "/officer/cases/{case_id:str}/export"): PAGE_READ,
    ("GET", "/officer/cases/{case_id:str}/evidence/{evidence_id:str}"): PAGE_READ,
    ("POST", "/officer/cases/{case_id:str}/status"): PAGE_WRITE,
    ("POST", "/officer/cases/{case_id:str}/assign"): (
        303,
        403,
        409,
        403,
        403,
    ),  # nobody 999999: officers may not, to anyone else
    ("POST", "/officer/cases/{case_id:str}/notes"): PAGE_WRITE,
    ("POST", "/officer/cases/{case_id:str}/replies"): PAGE_WRITE,
    ("POST", "/officer/cases/{case_id:str}/referrals"): PAGE_WRITE,
    ("POST", "/officer/cases/{case_id:str}/referrals/{referral_id:str}/answer"): PAGE_WRITE,
    ("POST", "/officer/cases/{case_id:str}/legal-hold"): (303, 403, 409, 403, 403),
    ("POST", "/officer/cases/{case_id:str}/triage"): PAGE_WRITE,
    # machine translation is off unless a server is configured: 404 from the handler for those who may read
    ("POST", "/officer/cases/{case_id:str}/translation"): (303, 404, 404, 403, 403),
    ("POST", "/officer/cases/{case_id:str}/waiting"): PAGE_WRITE,
    ("GET", "/officer/clusters"): (303, 403, 200, 403, 403),
    ("POST", "/officer/clusters/names"): (303, 403, 200, 403, 403),
    ("GET", "/officer/audit"): (303, 403, 200, 200, 403),
    ("POST", "/officer/audit/verify"): (303, 403, 200, 200, 403),
    ("GET", "/officer/admin/staff"): (303, 403, 403, 200, 403),
    ("POST", "/officer/admin/staff"): (303, 403, 403, 400, 403),
    ("POST", "/officer/admin/staff/{officer_id:int}/role"): (303, 403, 403, 404, 403),
    ("POST", "/officer/admin/staff/{officer_id:int}/reset"): (303, 403, 403, 404, 403),
    ("POST", "/officer/admin/staff/{officer_id:int}/remove"): (303, 403, 403, 404, 403),
    ("GET", "/officer/admin/keys"): (303, 403, 403, 200, 403),
    ("POST", "/officer/sign-out"): (303, 200, 200, 200, 200),
    # officer API
    ("GET", "/api/v1/session"): (200, 200, 200, 200, 200),
    ("POST", "/api/v1/session"): (400, 400, 400, 400, 400),
    ("DELETE", "/api/v1/session"): (401, 204, 204, 204, 204),
    ("GET", "/api/v1/cases"): API_READ,
    ("GET", "/api/v1/cases/{case_id:str}"): API_READ,
    ("GET", "/api/v1/cases/{case_id:str}/evidence/{evidence_id:str}"): API_READ,
    ("POST", "/api/v1/cases/{case_id:str}/status"): API_WRITE,
    ("PUT", "/api/v1/cases/{case_id:str}/assignee"): API_WRITE,
    ("POST", "/api/v1/cases/{case_id:str}/notes"): API_WRITE,
    ("POST", "/api/v1/cases/{case_id:str}/replies"): API_WRITE,
    ("POST", "/api/v1/cases/{case_id:str}/referrals"): API_WRITE,
    ("POST", "/api/v1/cases/{case_id:str}/referrals/{referral_id:str}/answer"): API_WRITE,
    ("PUT", "/api/v1/cases/{case_id:str}/legal-hold"): (401, 403, 409, 403, 403),
    ("PUT", "/api/v1/cases/{case_id:str}/triage"): API_WRITE,
    ("PUT", "/api/v1/cases/{case_id:str}/waiting"): API_WRITE,
    ("GET", "/api/v1/clusters"): (401, 403, 200, 403, 403),
    ("POST", "/api/v1/clusters/names"): (401, 403, 200, 403, 403),
    ("GET", "/api/v1/audit"): (401, 403, 200, 200, 403),
    ("POST", "/api/v1/audit/verify"): (401, 403, 200, 200, 403),
    ("GET", "/api/v1/assignees"): API_READ,
    ("GET", "/api/v1/staff"): (401, 403, 403, 200, 403),
    ("POST", "/api/v1/staff"): (401, 403, 403, 400, 403),
    ("PATCH", "/api/v1/staff/{officer_id:int}"): (401, 403, 403, 404, 403),
    ("DELETE", "/api/v1/staff/{officer_id:int}"): (401, 403, 403, 404, 403),
    ("POST", "/api/v1/staff/{officer_id:int}/reset"): (401, 403, 403, 404, 403),
    ("GET", "/api/v1/keys"): (401, 403, 403, 200, 403),
    # research tier: researchers and supervisors only; comment ids that do not exist are 404 from the handler
    ("GET", "/research"): (303, 403, 200, 403, 200),
    ("GET", "/research/export.json"): (303, 403, 200, 403, 200),
    ("GET", "/research/export.csv"): (303, 403, 200, 403, 200),
    ("POST", "/research/comments/{comment_id:str}/flag"): (303, 403, 404, 403, 404),
    ("POST", "/research/comments/{comment_id:str}/unflag"): (303, 403, 404, 403, 404),
    ("POST", "/research/comments/{comment_id:str}/delete"): (303, 403, 404, 403, 404),
}
# Bodies an allowed role's handler refuses without changing anything.
FORMS: dict[str, dict[str, Any]] = {
    "/officer/queue/employer": {"name": "-"},
    "/officer/queue/assign": {"assignee": "me"},
    "/officer/sign-in": {"username": "nobody", "password": "wrong-password-here", "code": "000000"},
    "/officer/cases/{case_id:str}/status": {"to": "bogus"},
    "/officer/cases/{case_id:str}/assign": {"assignee": str(NOBODY)},
    "/officer/cases/{case_id:str}/notes": {"text": " "},
    "/officer/cases/{case_id:str}/replies": {"text": ""},
    "/officer/cases/{case_id:str}/referrals": {"partner": "nobody", "referred_on": "not a date"},
    "/officer/cases/{case_id:str}/referrals/{referral_id:str}/answer": {"text": " "},
    "/officer/cases/{case_id:str}/legal-hold": {"on": "off", "reason": "court order lifted", "confirm": "yes"},
    "/officer/cases/{case_id:str}/triage": {"urgency": "bogus", "reason": "bogus"},
    "/officer/cases/{case_id:str}/translation": {"part": "narrative"},
    "/officer/cases/{case_id:str}/waiting": {"waiting_for": "bogus"},
    "/officer/admin/staff": {"username": "x", "role": "bogus"},
    "/officer/admin/staff/{officer_id:int}/role": {"role": "officer"},
}
JSON: dict[str, Any] = {
    "/api/v1/cases/{case_id:str}/legal-hold": {"on": False, "reason": "court order lifted", "confirm": True},
    "/api/v1/staff/{officer_id:int}": {"role": "officer"},
}
# Each ends the session: these run last, and the client signs in again between the two.
SIGN_OUTS = [("POST", "/officer/sign-out"), ("DELETE", "/api/v1/session")]


def routes_of(app: Any) -> list[tuple[str, str]]:  # noqa: ANN401
    found = {
        (method, route.path)
        for route in app.routes
        for method in route.methods
        if method not in ("OPTIONS", "HEAD")
    }
    return sorted(found - set(SIGN_OUTS)) + [r for r in SIGN_OUTS if r in found]


def concrete(path: str, ids: dict[str, str]) -> str:
    return (
        path.replace("{file_path:path}", "officer.css")
        .replace("{lang:str}", "en")
        .replace("{path:str}", "openapi.yaml")
        .replace("{case_id:str}", ids["case"])
        .replace("{evidence_id:str}", ids["evidence"])
        .replace("{officer_id:int}", str(NOBODY))
        .replace("{comment_id:str}", "0" * 32)
        .replace("{referral_id:str}", "0" * 32)
    )


async def call(client: Any, method: str, path: str, real: str, token: str) -> int:  # noqa: ANN401
    if path.startswith("/api/"):
        body = JSON.get(path, {}) if method in ("POST", "PUT", "PATCH") else None
        r = await client.request(method, real, json=body, headers={"x-csrftoken": token})
    elif method == "GET":
        r = await client.get(real)
    else:
        r = await client.request(method, real, data={"_csrf_token": token, **FORMS.get(path, {})})
    return r.status_code


async def test_every_route_answers_every_role_as_the_table_says(stack, staff, make_client) -> None:
    receipt = await submit(stack, province="QC")
    async with stack.runtime.db.writing() as session:
        row = await write_evidence(
            session,
            stack.runtime.public_keys.current,
            case_id=receipt.case_id,
            attached=True,
            body=[b"\x89PNG\r\n\x1a\n" + b"\0" * 64],
            kind="image",
            content_type="image/png",
            size=72,
        )
        await session.commit()
    ids = {"case": receipt.case_id, "evidence": row.id}
    logins = {role: await staff(Role(role), region="quebec") for role in ROLES[1:]}
    routes = routes_of(stack.app)
    unlisted = [r for r in routes if r not in EXPECTED]
    assert not unlisted, f"routes missing from the role matrix: {unlisted}"
    assert not [r for r in EXPECTED if r not in routes], "the table lists routes that no longer exist"
    seen: dict[tuple[str, str], dict[str, int]] = {}
    for n, role in enumerate(ROLES):
        # One address per role: the app's per-address rate limit is not what this test is about.
        async with make_client(f"127.0.1.{n + 1}") as client:
            token = (
                await sign_in(client, stack.runtime, logins[role])
                if role != "anonymous"
                else await csrf_token(client)
            )
            for method, path in routes:
                if (method, path) == SIGN_OUTS[-1] and role != "anonymous":
                    token = await sign_in(client, stack.runtime, logins[role])
                seen.setdefault((method, path), {})[role] = await call(
                    client, method, path, concrete(path, ids), token
                )
    wrong = []
    for (method, path), got in seen.items():
        want = EXPECTED[(method, path)]
        if want == SAME:
            if len(set(got.values())) != 1 or any(status >= 500 for status in got.values()):
                wrong.append((method, path, got))
        elif tuple(got[r] for r in ROLES) != want:
            wrong.append((method, path, dict(zip(ROLES, want, strict=True)), got))
    assert not wrong, "\n".join(map(str, wrong))


def test_the_matrix_table_has_one_entry_per_role_for_every_officer_route() -> None:
    for key, want in EXPECTED.items():
        assert want == SAME or len(want) == len(ROLES), key
    officer_routes = [k for k in EXPECTED if k[1].startswith(("/officer", "/api/"))]
    assert all(EXPECTED[k] != SAME for k in officer_routes)
    assert len(list(itertools.chain(FORMS, JSON))) == len(FORMS) + len(JSON)
