"""The queue: urgency first, danger now first within it, then deadline; every filter right; pages that never
skip or repeat a case."""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import insert

from signalement import triage
from signalement.db.models import Case, CaseStatus, Role, utcnow
from support.officers import OfficerLogin, principal_of, sign_in, sign_in_api

STATUSES = [s.value for s in CaseStatus]


def random_cases(n: int, officers: list[int], seed: int = 7) -> list[dict[str, Any]]:
    """Cases with every attribute the queue filters on, spread so that each filter has matches and misses."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    employers = [f"dev-test:{rng.getrandbits(256):064x}" for _ in range(4)]
    rows = []
    for i in range(n):
        urgency = rng.choice(triage.URGENCIES)
        status = rng.choice(STATUSES)
        province = rng.choice(["QC", "ON", "BC", "NS", None])
        received = now - dt.timedelta(hours=rng.randint(0, 24 * 60))
        # Ties on the deadline happen (hour-truncated times): the id breaks them.
        due = received + dt.timedelta(days=rng.choice([1, 2, 3, 14]))
        cats = rng.sample(triage.CATEGORIES, rng.randint(1, 3))
        rows.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128)).hex,
                "case_code": f"T{i:08d}",
                "submission_key": f"t:{i}",
                "channel": rng.choice(["web", "sms", "voice"]),
                "language": rng.choice(["en", "fr", "es", "tl"]),
                "province": province,
                "region": triage.DEFAULT_REGIONAL_OFFICES.get(province or "", None),
                "status": status,
                "is_open": status != "closed",
                "outcome": "duplicate" if status == "closed" else None,
                "urgency": urgency,
                "urgency_rank": triage.URGENCY_RANK[urgency],
                "categories": triage.category_mask(cats),
                "danger_now": rng.random() < 0.2,
                "police_flag": False,
                "auto_urgency": urgency,
                "auto_categories": triage.category_mask(cats),
                "triage_reasons": [],
                "referral_suggestions": [],
                "employer_index": rng.choice(employers + [None]),
                "received_at": received,
                "sla_due_at": due,
                "assignee_id": rng.choice(officers + [None, None]),
                "legal_hold": False,
                "updated_at": received,
                "contact_pref": "code",
                "receipt_kdf": {"suite": "x25519"},
                "receipt_verifier": b"v",
                "followup_public_key": b"k",
            }
        )
    return rows


def expected(
    rows: list[dict[str, Any]], *, officer: OfficerLogin | None, now: dt.datetime, **f: Any
) -> list[str]:  # noqa: ANN401
    def keep(r: dict[str, Any]) -> bool:
        if officer is not None and not (r["assignee_id"] == officer.id or r["region"] == officer.region):
            return False
        status = f.get("status", "open")
        if status == "open" and not r["is_open"] or status == "closed" and r["is_open"]:
            return False
        if status not in ("open", "closed", "all") and r["status"] != status:
            return False
        checks = [
            ("urgency", r["urgency"]),
            ("province", r["province"]),
            ("region", r["region"]),
            ("channel", r["channel"]),
            ("language", r["language"]),
            ("employer", r["employer_index"]),
        ]
        if any(key in f and f[key] != value for key, value in checks):
            return False
        if "category" in f and not r["categories"] & (1 << triage.CATEGORIES.index(f["category"])):
            return False
        if "assignee" in f:
            want = None if f["assignee"] == "none" else int(f["assignee"])
            if r["assignee_id"] != want:
                return False
        if f.get("danger") and not r["danger_now"]:
            return False
        return not (f.get("breached") and not (r["is_open"] and r["sla_due_at"] < now))

    chosen = sorted(
        (r for r in rows if keep(r)),
        key=lambda r: (r["urgency_rank"], not r["danger_now"], r["sla_due_at"], r["id"]),
    )
    return [r["id"] for r in chosen]


async def walk(web, params: dict[str, Any]) -> list[str]:  # noqa: ANN001
    """Every page, following ``next_cursor`` until there is none."""
    ids: list[str] = []
    after = None
    for _ in range(100):
        query = {**params, **({"after": after} if after else {})}
        r = await web.get(
            "/api/v1/cases",
            params={k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        ids += [c["id"] for c in body["cases"]]
        after = body["next_cursor"]
        if after is None:
            return ids
    raise AssertionError("too many pages")


@pytest.fixture
async def seeded(stack, staff):  # noqa: ANN001, ANN201
    officer = await staff(Role.OFFICER, region="quebec")
    other = await staff(Role.OFFICER, region="ontario")
    rows = random_cases(240, [officer.id, other.id])
    async with stack.runtime.db.writing() as session:
        await session.execute(insert(Case), rows)
        await session.commit()
    return rows, officer


FILTERS: list[dict[str, Any]] = [
    {},
    {"status": "all"},
    {"status": "closed"},
    {"status": "new"},
    {"status": "inspection"},
    {"urgency": "immediate"},
    {"category": "wages"},
    {"category": "sexual_abuse"},
    {"province": "QC"},
    {"region": "western"},
    {"channel": "voice"},
    {"language": "tl"},
    {"assignee": "none"},
    {"breached": True},
    {"status": "all", "breached": True},
    {"category": "housing", "status": "closed"},
    {"danger": True},
    {"danger": True, "urgency": "immediate", "status": "all"},
    {"danger": True, "breached": True},
]


async def test_every_filter_returns_exactly_the_matching_cases_in_queue_order_across_pages(
    stack, web, staff, seeded
) -> None:
    rows, officer = seeded
    await sign_in_api(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    employer = next(r["employer_index"] for r in rows if r["employer_index"])
    for f in [*FILTERS, {"assignee": str(officer.id)}, {"employer": employer, "status": "all"}]:
        now = utcnow()
        got = await walk(web, f)
        want = expected(rows, officer=None, now=now, **f)
        assert got == want, f


async def test_an_officers_queue_is_their_region_plus_their_own_cases_in_one_order(
    stack, web, seeded
) -> None:
    rows, officer = seeded
    await sign_in_api(web, stack.runtime, officer)
    for f in [{}, {"status": "all"}, {"category": "wages"}, {"breached": True}, {"assignee": "me"}, {"danger": True}]:
        got = await walk(web, f)
        want_f = {**f, "assignee": str(officer.id)} if f.get("assignee") == "me" else f
        assert got == expected(rows, officer=officer, now=utcnow(), **want_f), f
        assert len(got) == len(set(got))


async def test_the_counts_and_the_late_banner_cover_the_whole_open_queue(stack, web, staff, seeded) -> None:
    rows, _ = seeded
    await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    now = utcnow()
    open_rows = [r for r in rows if r["is_open"]]
    late = sum(1 for r in open_rows if r["sla_due_at"] < now)
    page = (await web.get("/officer/queue?channel=web")).text
    for urgency in triage.URGENCIES:
        n = sum(1 for r in open_rows if r["urgency"] == urgency)
        assert f'urgency-{urgency}"><span class="n">{n}</span>' in page
    assert f"{late} open cases are past their deadline." in page


@pytest.mark.parametrize(
    "bad",
    [
        {"after": "not-a-cursor"},
        {"status": "everything"},
        {"category": "nope"},
        {"assignee": "someone"},
        {"employer": "x' OR 1=1"},
    ],
)
async def test_a_malformed_filter_is_a_400_not_a_guess(stack, web, staff, bad: dict[str, str]) -> None:
    await sign_in_api(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    r = await web.get("/api/v1/cases", params=bad)
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")


async def test_a_reporter_in_danger_now_leads_their_urgency_and_the_page_offers_a_danger_filter(
    stack, web, staff, seeded
) -> None:
    rows, _ = seeded
    await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    page = (await web.get("/officer/queue", params={"urgency": "immediate"})).text
    assert 'id="f-danger" name="danger" value="true"' in page
    codes = re.findall(r'<a href="/officer/cases/[0-9a-f]{32}">([^<]+)</a>', page)
    by_code = {r["case_code"]: r for r in rows}
    flags = [by_code[c]["danger_now"] for c in codes]
    assert flags and flags[0] and flags == sorted(flags, reverse=True), flags
    only = (await web.get("/officer/queue", params={"danger": "true"})).text
    assert 'id="f-danger" name="danger" value="true" checked' in only
    shown = re.findall(r'<a href="/officer/cases/[0-9a-f]{32}">([^<]+)</a>', only)
    assert shown and all(by_code[c]["danger_now"] for c in shown)


async def test_the_result_count_follows_the_filter_and_the_assignee_list_holds_only_case_workers(
    stack, web, staff, seeded
) -> None:
    rows, officer = seeded
    await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    now = utcnow()
    for f in ({"urgency": "immediate"}, {"category": "wages", "status": "all"}, {"danger": "true"},
              {"assignee": str(officer.id)}):
        page = (await web.get("/officer/queue", params=f)).text
        flags = {k: (v == "true") if v in ("true", "false") else v for k, v in f.items()}
        n = len(expected(rows, officer=None, now=now, **flags))
        assert f'<p class="result-count" role="status">{n} case' in page, (f, n)
    unfiltered = (await web.get("/officer/queue")).text
    assert 'class="result-count"' not in unfiltered  # the counts per urgency say it there
    chooser = re.search(r'<select id="f-assignee" name="assignee">(.*?)</select>', unfiltered, re.S)
    assert chooser
    offered = set(re.findall(r'<option value="(\d+)"', chooser.group(1)))
    admin = await principal_of(stack.runtime, stack.admin.username)
    assert str(officer.id) in offered and str(admin.officer_id) not in offered
    assert "Bootstrap admin" not in chooser.group(1)


async def test_a_case_code_finds_its_case_however_it_is_typed(stack, web, staff) -> None:
    from support.cases import submit

    wanted, other = await submit(stack, province="QC"), await submit(stack, province="QC")
    await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    code = wanted.case_code
    for typed in (code, f"{code[:3]}-{code[3:6]}-{code[6:]}", f" {code[:3]} {code[3:6]} {code[6:]} "):
        page = (await web.get("/officer/queue", params={"q": typed})).text
        shown = re.findall(r'<a href="/officer/cases/[0-9a-f]{32}">([^<]+)</a>', page)
        assert shown == [code], (typed, shown)
        assert '<p class="result-count" role="status">1 case matches this filter.' in page
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)  # a check digit that does not fit
    page = (await web.get("/officer/queue", params={"q": wrong})).text
    assert "0 cases match this filter." in page and other.case_code not in page
    api = await web.get("/api/v1/cases", params={"q": code})
    assert [c["case_code"] for c in api.json()["cases"]] == [code]


async def test_sorted_by_deadline_every_case_comes_once_soonest_first_across_pages(stack, web, staff, seeded) -> None:
    rows, officer = seeded
    await sign_in_api(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    for f in ({}, {"status": "all"}, {"category": "wages"}, {"danger": True}):
        by_queue = expected(rows, officer=None, now=utcnow(), **f)
        by_id = {r["id"]: r for r in rows}
        want = sorted(by_queue, key=lambda i: (by_id[i]["sla_due_at"], i))
        got = await walk(web, {**f, "sort": "deadline"})
        assert got == want, f
    await sign_in_api(web, stack.runtime, officer)
    got = await walk(web, {"sort": "deadline"})
    mine = expected(rows, officer=officer, now=utcnow())
    assert got == sorted(mine, key=lambda i: (next(r["sla_due_at"] for r in rows if r["id"] == i), i))


async def test_an_unknown_sort_is_refused_with_the_known_ones_named(stack, web, staff) -> None:
    await sign_in_api(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    r = await web.get("/api/v1/cases", params={"sort": "priority"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert "priority" in r.json()["detail"] and "urgency, deadline" in r.json()["detail"]
    async with web.stream("GET", "/api/v1/cases", params={"sort": "deadline"}) as ok:
        assert ok.status_code == 200
    await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    page = await web.get("/officer/queue", params={"sort": "received"})
    assert page.status_code == 400
    assert "cannot be sorted by &#34;received&#34;" in page.text
    assert "urgency, deadline" in page.text


async def test_the_column_headers_sort_and_keep_the_filter(stack, web, staff, seeded) -> None:
    await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    page = (await web.get("/officer/queue", params={"urgency": "high"})).text
    assert 'href="/officer/queue?urgency=high&amp;sort=deadline"' in page
    assert 'aria-sort="ascending">Urgency' in page
    by_deadline = (await web.get("/officer/queue", params={"urgency": "high", "sort": "deadline"})).text
    assert 'aria-sort="ascending">Deadline' in by_deadline
    assert 'href="/officer/queue?urgency=high&amp;sort=urgency"' in by_deadline
    assert "soonest deadline first, whatever the urgency" in by_deadline
    # the next page keeps the order
    nxt = re.search(r'<a href="([^"]+)" rel="next">', by_deadline)
    assert nxt and "sort=deadline" in nxt.group(1)


async def test_saved_views_are_links_and_the_current_one_is_marked(stack, web, staff) -> None:
    await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    page = (await web.get("/officer/queue")).text
    for href in ("/officer/queue?assignee=me", "/officer/queue?assignee=none&amp;urgency=immediate",
                 "/officer/queue?danger=true"):
        assert f'<a href="{href}">' in page, href
    current = (await web.get("/officer/queue", params={"urgency": "immediate", "assignee": "none"})).text
    assert '<a href="/officer/queue?assignee=none&amp;urgency=immediate" aria-current="page">' in current
