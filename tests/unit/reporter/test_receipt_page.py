"""``ReceiptPage``: the receipt rendered once per language and variant is the page Jinja renders each time."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from litestar import Litestar, Request, get
from litestar.config.csrf import CSRFConfig
from litestar.params import FromPath
from litestar.response import Template
from litestar.testing import TestClient

from signalement import i18n
from signalement.reporter.receipt_page import RECEIPT, ReceiptPage
from signalement.reporter.steps import URGENCY_PROMISE
from signalement.templating import template_config

# What a reporter's values could never be, to prove they are escaped exactly as Jinja escapes them.
HOSTILE = {"code": "<b>A&B</b>", "secret": "\"'1 2>", "draft_state": "v1.<script>alert(1)</script>&"}
VARIANTS = list(itertools.product(URGENCY_PROMISE.values(), (False, True), ("code", "sms", "none")))


def _app(*, reload: bool = False) -> Litestar:
    def page(request: Request[Any, Any, Any], cached: bool, lang: str, variant: int, hostile: bool) -> Template:
        language = i18n.activate(lang)
        promise, danger, contact_pref = VARIANTS[variant]
        values = HOSTILE if hostile else {"code": "7K4M-Q2ZX-9", "secret": "1234 5678 9012 3456",
                                          "draft_state": "v1.abcdef_-"}
        if cached:
            return ReceiptPage(lang=language, promise=promise, danger=danger, contact_pref=contact_pref,
                               values=dict(values))
        return Template(RECEIPT, context={"lang": language, "page_path": "/report", "promise": promise,
                                          "danger": danger, "contact_pref": contact_pref,
                                          "feedback_page": "receipt", **values})

    @get("/page/{cached:int}/{lang:str}/{variant:int}/{hostile:int}")
    async def route(request: Request[Any, Any, Any], cached: FromPath[int], lang: FromPath[str],
                    variant: FromPath[int], hostile: FromPath[int]) -> Template:
        return page(request, bool(cached), lang, variant, bool(hostile))

    return Litestar([route], template_config=template_config(reload=reload),
                    csrf_config=CSRFConfig(secret="s" * 32, cookie_name="csrftoken"))


@pytest.mark.parametrize("reload", [False, True])
def test_the_filled_receipt_is_byte_for_byte_the_rendered_one(reload: bool) -> None:
    with TestClient(_app(reload=reload)) as client:
        client.cookies.set("visit", "v" * 43)  # a receipt only ever answers a post of a visit (visit.required)
        for lang, variant, hostile in itertools.product(i18n.BY_CODE, range(len(VARIANTS)), (0, 1)):
            for _ in range(2):  # the first fills the cache, the second reads it
                ours = client.get(f"/page/1/{lang}/{variant}/{hostile}")
                theirs = client.get(f"/page/0/{lang}/{variant}/{hostile}")
                assert ours.status_code == theirs.status_code == 200
                assert ours.headers["content-type"] == theirs.headers["content-type"]
                assert ours.text == theirs.text, (lang, VARIANTS[variant], hostile)
            assert 'name="_csrf_token" value="' in ours.text and 'value=""' not in ours.text


def test_a_reporters_values_are_escaped_and_never_kept_by_the_cache() -> None:
    with TestClient(_app()) as client:
        page = client.get("/page/1/en/0/1").text
        assert "<script>" not in page and "&lt;b&gt;A&amp;B&lt;/b&gt;" in page
        assert "1234 5678" not in page
        page = client.get("/page/1/en/0/0").text
        assert "1234 5678 9012 3456" in page and "&lt;b&gt;" not in page and "<b>A&B" not in page
