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


async def test_brotli_uses_a_page_sized_window_and_loses_no_bytes_by_it(client: Any) -> None:
    """A 64 KB window (lgwin 16) holds any page whole: brotli then keeps small match tables instead of 4 MB
    ones, cheaper on the server after each Argon2id derivation has emptied its caches, and the phone's
    decoder allocates a 64 KB window, not 4 MB. The page comes out as small as with the default window."""
    import brotli

    async with client.stream("GET", "/hi/report", headers={"accept-encoding": "br"}) as r:
        raw = b"".join([chunk async for chunk in r.aiter_raw()])
    assert r.headers["content-encoding"] == "br"
    page = brotli.decompress(raw)
    assert raw[0] & 1 == 0  # the stream header's window: a first bit 0 means 2**16 - 16 bytes
    assert len(raw) <= 1.01 * len(brotli.compress(page, quality=5, lgwin=22, mode=brotli.MODE_TEXT))
