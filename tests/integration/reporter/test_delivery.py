"""How pages and files travel: compressed, pages never cached, static files cached under their hash."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

STATIC = Path(__file__).resolve().parents[3] / "src" / "signalement" / "static"


@pytest.mark.parametrize(("accept", "encoding"), [("br, gzip", "br"), ("gzip", "gzip")])
async def test_pages_are_compressed_and_never_cached(client: Any, accept: str, encoding: str) -> None:
    r = await client.get("/tl/report", headers={"accept-encoding": accept})
    assert r.status_code == 200 and r.headers["content-encoding"] == encoding
    assert r.headers["cache-control"] == "no-store"
    assert "Susunod" in r.text or "<form" in r.text  # decoded by the client: the page is intact


async def test_static_files_are_addressed_by_their_content_and_cached_for_good(client: Any) -> None:
    page = (await client.get("/en/report")).text
    links = re.findall(r'(?:href|src)="(/assets/[^"]+)"', page)
    assert {link.rsplit("/", 1)[1] for link in links} == {"site.css", "exit.js"}
    for link in links:
        name = link.rsplit("/", 1)[1]
        assert link.split("/")[2] == hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]
        r = await client.get(link, headers={"accept-encoding": "gzip"})
        assert r.status_code == 200 and r.content == (STATIC / name).read_bytes()
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert r.headers["content-encoding"] == "gzip"
        assert "content-security-policy" in r.headers  # the other security headers stay


@pytest.mark.parametrize("path", ["/assets/0000000000000000/site.css", "/assets/x/../app.py", "/assets/x/nothing.css"])
async def test_an_old_or_unknown_asset_is_a_404_that_is_not_cached(client: Any, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 404 and r.headers["cache-control"] == "no-store"
