"""Hostile input through the real app: huge fields, control characters, mixed scripts, right-to-left
overrides, HTML and SQL, wrong shapes, repeated fields. Each one is kept exactly as typed or gets a
4xx page in the reporter's language. None gets a 500."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration.reporter.reporting import FLOW, Page, Reporter, is_localized_reporter_page
from signalement.reporter.page_state import PageStates

HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><svg onload=alert(1)>',
        "'; DROP TABLE cases; --",
        "\u202eFDP.exe",
        "ਮੇਰਾ ਮਾਲਕ",
        "雇主",
        "Nguyễn",
        "\x00",
        "\x07",
        "\u0085",
        "\ufeff",
        "\U0001f9d1\u200d\U0001f33e",
        "%(x)s",
        "{{ config }}",
        "&amp;",
        "\r\n",
        "  ",
    ]
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(HOSTILE, st.text(max_size=6)), max_size=10).map("".join),
    st.builds(lambda s, n: s * n, st.sampled_from(["x", "ਪ", "<"]), st.integers(150, 260)),
)
FIELD_NAMES = st.sampled_from(
    [
        "draft",
        "action",
        "employer",
        "recruiter",
        "site",
        "categories",
        "province",
        "narrative",
        "contact",
        "phone",
        "_csrf_token",
        "files",
        "x",
    ]
)
SLOW = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def draft_at_who(reporter: Reporter, lang: str) -> str:
    cached = getattr(reporter, "_who", None)
    if cached is None or cached[0] != lang:
        await reporter.get(f"/{lang}/report")
        for data in FLOW[:3]:
            await reporter.step(data, lang=lang)
        reporter._who = (lang, reporter.page.hidden("draft"), reporter.page.csrf())  # type: ignore[attr-defined]
    return reporter._who[1]  # type: ignore[attr-defined]


@SLOW
@given(
    value=TEXT,
    name=st.sampled_from(["employer", "recruiter", "site"]),
    lang=st.sampled_from(["en", "pa", "zh"]),
)
async def test_a_hostile_answer_is_kept_exactly_or_refused_on_a_localized_page(
    reporter: Reporter, stack: Any, value: str, name: str, lang: str
) -> None:
    draft = await draft_at_who(reporter, lang)
    r = await reporter.client.post(
        f"/{lang}/report",
        data={"_csrf_token": reporter._who[2], "draft": draft, name: value, "action": "stay"},
    )  # type: ignore[attr-defined]
    page = Page(r.status_code, r.text, r.headers)
    assert page.status in (200, 400), page.status
    assert is_localized_reporter_page(
        page, "pa-Guru" if lang == "pa" else "zh-Hans" if lang == "zh" else lang
    )
    assert page.value(f"f-{name}") == value.strip()  # shown again exactly, either way
    if page.status == 200:
        states = PageStates(stack.runtime.form_keys, stack.runtime.settings.staged_evidence_hours)
        stored = states.drafts.decode(page.hidden("draft"), visit=reporter.client.cookies["visit"]).value
        assert getattr(stored, name) == value.strip()


@SLOW
@given(
    fields=st.lists(st.tuples(FIELD_NAMES, TEXT), max_size=8),
    path=st.sampled_from(
        ["/en/report", "/en/follow-up", "/en/follow-up/view", "/en/follow-up/reply", "/en/feedback"]
    ),
)
async def test_any_form_with_any_fields_gets_a_page_and_never_a_server_error(
    reporter: Reporter, fields: list[tuple[str, str]], path: str
) -> None:
    draft = await draft_at_who(reporter, "en")
    body = [("_csrf_token", reporter._who[2]), ("draft", draft), *fields]  # type: ignore[attr-defined]
    r = await reporter.client.post(
        path, content=urlencode(body).encode(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert 200 <= r.status_code < 500, (r.status_code, fields)
    assert is_localized_reporter_page(Page(r.status_code, r.text, r.headers), "en")


@SLOW
@given(
    body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/json",
            "text/plain",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
        ]
    ),
    path=st.sampled_from(["/en/report", "/en/report/evidence", "/en/follow-up/evidence", "/en/feedback"]),
)
async def test_bodies_of_the_wrong_shape_get_a_4xx_page(
    reporter: Reporter, body: bytes, content_type: str, path: str
) -> None:
    await draft_at_who(reporter, "en")
    r = await reporter.client.post(path, content=body, headers={"content-type": content_type})
    assert 400 <= r.status_code < 500, r.status_code
    assert is_localized_reporter_page(Page(r.status_code, r.text, r.headers), "en")
