"""Hostile input at every parser: no 5xx, ever; a clear 4xx, on a page in the reporter's language, for everything
a reporter's route refuses.

``tests/integration/reporter/test_hostile_input.py`` fuzzes what is typed into the report's fields; here the
attacker controls the whole request: the body's size, its encoding and framing, its compression, the parts of
a multipart upload and their headers, the files themselves (pixel bombs, polyglots, names that try to climb
out of a folder), every field of a signed Twilio webhook (SMS and voice), and every staff form, signed in. Each
request goes through a real ``signalement serve``; the uploads that are accepted are opened with the officer's
key to show what was really kept. schemathesis covers the JSON API (``tests/integration/officer/test_api_schema.py``).
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import io
import re
import struct
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image
from twilio.request_validator import RequestValidator

from integration.reporter.reporting import FLOW, Page, Reporter, build_opener, is_localized_reporter_page
from signalement.db.engine import Database
from signalement.db.models import Case, Role
from signalement.evidence import MAX_FILE_BYTES, RejectedFileError, sanitise
from signalement.reporter.followup import FOLLOWUP_MAX_BODY
from signalement.reporter.steps import REPORT_MAX_BODY
from signalement.reporter.uploads import UPLOAD_MAX_BODY
from signalement.runtime import Runtime
from signalement.settings import Settings
from support.cases import submit
from support.live import LiveServer, start_server
from support.officers import create_officer, sign_in
from support.stack import Template, clone
from support.twilio_webhooks import TOKEN, new_sid, sign

pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")

FUZZ = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FORM_ROUTES = {"/fr/report": REPORT_MAX_BODY, "/fr/follow-up": FOLLOWUP_MAX_BODY,
               "/fr/follow-up/view": FOLLOWUP_MAX_BODY, "/fr/follow-up/reply": FOLLOWUP_MAX_BODY,
               "/fr/feedback": 64 * 1024}
UPLOAD_ROUTES = {"/fr/report/evidence": UPLOAD_MAX_BODY, "/fr/follow-up/evidence": UPLOAD_MAX_BODY}
BOUNDARY = "----hostile7MA4YWxkTrZu0gW"


# ---- one real server for the module, and a reporter standing at the evidence step -------------------------

class Served(msgspec.Struct, frozen=True):
    settings: Settings
    server: LiveServer
    admin: Any


@pytest.fixture(scope="module")
def served(templates: dict[str, Template], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A real ``signalement serve`` (uvicorn's own framing and limits, real streaming), with a Twilio token so that
    signed webhooks reach the SMS channel. One address sends everything: the rate limit is not under test."""
    root = tmp_path_factory.mktemp("hostile")
    settings, _database = clone(templates["sqlite"], root)
    settings = msgspec.structs.replace(settings, twilio_auth_token=TOKEN)
    server = start_server(settings, root / "server.log", extra_env={"SIGNALEMENT_RATE_LIMIT_PER_MINUTE": "10000000"})
    try:
        yield Served(settings=settings, server=server, admin=templates["sqlite"].admin)
    finally:
        server.stop()


@pytest.fixture
async def client(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.server.base_url, timeout=60) as c:
        yield c


@pytest.fixture
async def visitor(client: httpx.AsyncClient) -> str:
    """A browser that opened the report page: its cookies are set; returns the page's CSRF token."""
    return Page(200, (await client.get("/fr/report")).text, {}).csrf()


@pytest.fixture
async def at_evidence(client: httpx.AsyncClient) -> Reporter:
    reporter = Reporter(client, lang="fr")  # type: ignore[arg-type]
    await reporter.start()
    for data in FLOW[:5]:
        page = await reporter.step(data)
        assert page.status == 200, page.errors()
    assert 'name="files"' in page.text
    return reporter


def refused_calmly(status: int, text: str, *, allowed: tuple[int, ...] = ()) -> None:
    """A 4xx on a French reporter page (or one of the ``allowed`` statuses, also on a page): never a 5xx."""
    assert status < 500, (status, text[:300])
    assert 400 <= status < 500 or status in allowed, (status, text[:300])
    assert is_localized_reporter_page(Page(status, text, {}), "fr"), text[:300]


def multipart(parts: list[tuple[bytes, bytes]], boundary: str = BOUNDARY) -> bytes:
    """A multipart body from (raw part headers, part body) pairs, exactly as given: no escaping, no checks."""
    out = bytearray()
    for headers, body in parts:
        out += b"--" + boundary.encode() + b"\r\n" + headers + b"\r\n\r\n" + body + b"\r\n"
    return bytes(out + b"--" + boundary.encode() + b"--\r\n")


def file_part(filename: bytes, data: bytes, content_type: bytes = b"image/jpeg") -> tuple[bytes, bytes]:
    return (b'Content-Disposition: form-data; name="files"; filename="' + filename + b'"\r\nContent-Type: '
            + content_type, data)


def field_part(name: str, value: str) -> tuple[bytes, bytes]:
    return b'Content-Disposition: form-data; name="' + name.encode() + b'"', value.encode()


async def upload(reporter: Reporter, parts: list[tuple[bytes, bytes]], *, path: str = "/fr/report/evidence",
                 headers: dict[str, str] | None = None) -> Page:
    """Post an upload the way the evidence page does (token first, then the draft), plus ``parts``."""
    assert reporter.page is not None
    head = [field_part("_csrf_token", reporter.page.csrf()), field_part("draft", reporter.page.hidden("draft")),
            field_part("action", "stay")]
    r = await reporter.client.post(path, content=multipart(head + parts), headers={
        "content-type": f"multipart/form-data; boundary={BOUNDARY}", **(headers or {})})
    page = Page(r.status_code, r.text, r.headers)
    if 'name="draft"' in page.text:  # the step again (files added or refused); an error page keeps the old one
        reporter.page = page
    return page


# ---- files ------------------------------------------------------------------------------------------------

def jpeg(size: tuple[int, int] = (48, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(
        b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG with its frame header rewritten to claim ``width`` x ``height``."""
    data = bytearray(jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5: sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def zip_of(name: str, data: bytes) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return out.getvalue()


def pdf_page() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
TOO_MANY_PIXELS = "Cette photo est trop grande"
WRONG_TYPE = "Nous acceptons seulement"


async def stored_files(served: Served, reporter: Reporter) -> list[bytes]:
    """Send the report, then open its evidence with the officer's key: the bytes we really keep."""
    for data in FLOW[5:]:
        page = await reporter.step(data)
        assert page.status == 200, page.errors()
    receipt = await reporter.submit()
    assert receipt.status == 200, receipt.errors()
    code, _secret = receipt.receipt()
    db = Database(served.settings.db_url)
    runtime = Runtime(served.settings)
    try:
        opener = await build_opener(_Officer(runtime=runtime, admin=served.admin), db)
        case = await opener.case_by_code(code)
        assert isinstance(case, Case)
        return [data for _ev, data in await opener.evidence(case.id)]
    finally:
        await db.dispose()
        await runtime.close()


class _Officer(msgspec.Struct, frozen=True):
    """What ``build_opener`` needs: the services, and the bootstrap admin's credential."""

    runtime: Runtime
    admin: Any


# ---- the body as a whole ----------------------------------------------------------------------------------

async def announce(client: httpx.AsyncClient, path: str, length: int, headers: dict[str, str]) -> tuple[int, str]:
    """Announce a body of ``length`` bytes and send none of it (a raw socket: no client would)."""
    url = httpx.URL(str(client.base_url))
    reader, writer = await asyncio.open_connection(url.host, url.port)
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
    head = [f"POST {path} HTTP/1.1", f"Host: {url.host}:{url.port}", "Connection: close", f"Cookie: {cookie}",
            f"Content-Length: {length}",
            *(f"{k}: {v}" for k, v in headers.items())]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    await writer.drain()
    try:
        raw = await asyncio.wait_for(reader.read(), timeout=20)
    finally:
        writer.close()
    status_line, _, rest = raw.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2].decode(errors="replace")


@pytest.mark.parametrize(("path", "limit"), [*FORM_ROUTES.items(), *UPLOAD_ROUTES.items()])
async def test_a_body_over_the_routes_limit_gets_413_whether_announced_or_streamed(
    at_evidence: Reporter, path: str, limit: int
) -> None:
    client = at_evidence.client
    csrf = {"x-csrftoken": at_evidence.page.csrf()} if at_evidence.page else {}  # past the CSRF check to the body
    content_type = ("application/x-www-form-urlencoded" if path in FORM_ROUTES
                    else f"multipart/form-data; boundary={BOUNDARY}")
    announced = await announce(client, path, limit + 1, {**csrf, "content-type": content_type})
    assert announced[0] == 413, announced
    refused_calmly(*announced)

    # A well-formed start (an upload's fields, then a file that never ends), then more bytes than the limit.
    start = b"" if path in FORM_ROUTES else multipart([
        field_part("_csrf_token", at_evidence.page.csrf() if at_evidence.page else ""),
        field_part("draft", at_evidence.page.hidden("draft") if at_evidence.page else "")]).removesuffix(
        f"--{BOUNDARY}--\r\n".encode()) + b"--" + BOUNDARY.encode() + b"\r\n" + file_part(b"a.jpg", b"")[0] + (
        b"\r\n\r\n")

    async def stream() -> AsyncIterator[bytes]:  # no Content-Length: the server must count as it reads
        yield start
        sent = len(start)
        while sent <= limit:
            yield b"a" * 65536
            sent += 65536

    streamed = await client.post(path, content=stream(), headers={**csrf, "content-type": content_type})
    refused_calmly(streamed.status_code, streamed.text)
    assert streamed.status_code == 413


ENCODINGS = [
    pytest.param(b"narrative=%FF%FE%C3%28&action=next", "application/x-www-form-urlencoded", id="invalid-utf8-escaped"),
    pytest.param(b"narrative=\xff\xfe\xc3\x28&action=next", "application/x-www-form-urlencoded", id="invalid-utf8-raw"),
    pytest.param("narrative=caf\u00e9 ".encode("latin-1") + "et 雇主".encode(), "application/x-www-form-urlencoded",
                 id="mixed-latin1-utf8"),
    pytest.param("narrative=雇主".encode("utf-16"), "application/x-www-form-urlencoded; charset=utf-16", id="utf16"),
    pytest.param(b"narrative=x", "application/x-www-form-urlencoded; charset=no-such-charset", id="unknown-charset"),
    pytest.param(multipart([(b'Content-Disposition: form-data; name="narrative"', b"\xff\xfe\xc3\x28")]),
                 f"multipart/form-data; boundary={BOUNDARY}", id="multipart-invalid-utf8"),
    pytest.param(multipart([(b'Content-Disposition: form-data; name="narrative"\r\n'
                             b'Content-Type: text/plain; charset=no-such-charset', b"x")]),
                 f"multipart/form-data; boundary={BOUNDARY}", id="multipart-unknown-charset"),
    pytest.param(multipart([(b'Content-Disposition: form-data; name="narrative"\r\n'
                             b'Content-Type: text/plain; charset=utf-16', "雇主".encode())]),
                 f"multipart/form-data; boundary={BOUNDARY}", id="multipart-utf8-labelled-utf16"),
    pytest.param(multipart([file_part(b"story.txt", b"a story sent as a file", b"text/plain")]),
                 f"multipart/form-data; boundary={BOUNDARY}", id="multipart-file-on-a-text-form"),
]


@pytest.mark.parametrize("path", list(FORM_ROUTES))
async def test_bad_encodings_get_a_page_never_a_server_error(visitor: str, client: httpx.AsyncClient,
                                                             path: str) -> None:
    for param in ENCODINGS:
        (body, content_type), name = param.values, param.id
        # With the token in the header, the CSRF check passes without reading the body: the route's parser does.
        for headers in ({"content-type": content_type}, {"content-type": content_type, "x-csrftoken": visitor}):
            r = await client.post(path, content=body, headers=headers)
            assert r.status_code < 500, (name, headers)
            refused_calmly(r.status_code, r.text, allowed=(200,))


def concrete(path: str) -> str:
    """A route template made into a path: ``/{lang:str}/report`` -> ``/fr/report``."""
    values = {"lang": "fr", "int": "1"}
    return re.sub(r"\{(\w+):(\w+)\}", lambda m: values.get(m.group(1), values.get(m.group(2), "x")), path)


async def test_every_route_that_takes_a_body_refuses_hostile_framing_without_a_server_error(
    stack: Any, client: httpx.AsyncClient, visitor: str
) -> None:
    del visitor  # only its cookies: the CSRF check then gets as far as reading the form
    """Officer, research and API routes too: before our code runs, Litestar's CSRF check parses the form."""
    posts = sorted({(concrete(route.path), method) for route in stack.app.routes
                    for method in getattr(route, "methods", set()) & {"POST", "PUT", "PATCH", "DELETE"}})
    assert len(posts) > 20, posts
    framings = [p for p in ENCODINGS if p.id.startswith("multipart") or p.id == "invalid-utf8-raw"]

    async def send(path: str, method: str) -> None:
        for param in framings:
            (body, content_type), name = param.values, param.id
            r = await client.request(method, path, content=body, headers={"content-type": content_type})
            assert r.status_code < 500, (method, path, name, r.status_code)

    await asyncio.gather(*(send(path, method) for path, method in posts))


OFFICER_FIELDS = st.sampled_from([
    "text", "to", "outcome", "waiting_for", "assignee", "part", "template", "partner", "referred_on", "reference",
    "on", "reason", "confirm", "urgency", "categories", "explanation", "username", "password", "code", "role",
    "region", "display_name", "lang", "next", "_csrf_token", "x"])
OFFICER_VALUES = st.one_of(st.text(max_size=30), st.sampled_from([
    "", "closed", "new", "immediate", "police", "2026-02-30", "9999-99-99", "on", "yes", "\x00", "\u202e",
    "<script>alert(1)</script>", "'; DROP TABLE cases; --", "x" * 20_000, "message:nope", "narrative", "-1"]))


@pytest.fixture
async def officer_on_a_case(served: Served, client: httpx.AsyncClient) -> tuple[str, str]:
    """``client`` signed in as a supervisor of the region of a fresh case; returns its CSRF token and the case id."""
    runtime = Runtime(served.settings)
    try:
        receipt = await submit(_Officer(runtime=runtime, admin=served.admin), province="ON")
        login = await create_officer(runtime, served.admin, Role.SUPERVISOR)
        token = await sign_in(client, runtime, login)
    finally:
        await runtime.close()
    return token, receipt.case_id


@settings(FUZZ, max_examples=60)
@given(data=st.data(), fields=st.lists(st.tuples(OFFICER_FIELDS, OFFICER_VALUES), max_size=6))
async def test_any_officer_or_research_form_gets_a_page_or_a_4xx_never_a_server_error(
    stack: Any, client: httpx.AsyncClient, officer_on_a_case: tuple[str, str], data: st.DataObject,
    fields: list[tuple[str, str]]
) -> None:
    """Signed in, with a valid token, on a real case: every staff form's parser meets whatever a client sends."""
    token, case_id = officer_on_a_case
    posts = sorted({route.path for route in stack.app.routes if "POST" in getattr(route, "methods", set())
                    and route.path.startswith(("/officer", "/research"))
                    and not route.path.endswith(("/sign-out", "/sign-in"))})
    path = concrete(data.draw(st.sampled_from(posts)).replace("{case_id:str}", case_id))
    body = [("_csrf_token", token), *fields]
    r = await client.post(path, content=urlencode(body).encode(), headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert r.status_code < 500, (r.status_code, path, fields)


@functools.cache
def compression_bombs() -> dict[str, bytes]:
    """50 MB of zeros, compressed to about 50 KB."""
    zeros = b"\0" * 50_000_000
    return {"gzip": gzip.compress(zeros, compresslevel=9), "deflate": zlib.compress(zeros, 9)}


def peak_rss_mb(pid: int) -> float:
    """The highest resident memory of the server and its workers so far (VmHWM), in MB."""
    pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    peaks = []
    for p in pids:
        found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{p}/status").read_text())
        peaks.append(int(found.group(1)) / 1024 if found else 0.0)
    return max(peaks)


async def test_a_compressed_body_is_refused_and_never_inflated(served: Served, at_evidence: Reporter) -> None:
    """The server does not inflate request bodies at all: a compressed one is just bytes that are not a form."""
    before = peak_rss_mb(served.server.process.pid)
    for encoding, bomb in [*compression_bombs().items(), ("br", compression_bombs()["gzip"])]:
        assert len(bomb) < 100_000
        for path, content_type in (("/fr/report", "application/x-www-form-urlencoded"),
                                   ("/fr/report/evidence", f"multipart/form-data; boundary={BOUNDARY}"),
                                   ("/fr/follow-up", "application/x-www-form-urlencoded")):
            r = await at_evidence.client.post(path, content=bomb, headers={"content-type": content_type,
                                                                           "content-encoding": encoding})
            refused_calmly(r.status_code, r.text)
    assert peak_rss_mb(served.server.process.pid) - before < 40, "a compressed body was inflated in memory"


# ---- multipart framing ------------------------------------------------------------------------------------

async def test_a_multipart_bomb_of_many_parts_gets_a_4xx(at_evidence: Reporter) -> None:
    page = await upload(at_evidence, [field_part(f"x{i}", "") for i in range(5000)])
    refused_calmly(page.status, page.text)


@pytest.mark.parametrize("path", ["/fr/report", "/fr/report/evidence"])
async def test_a_multipart_part_with_huge_headers_gets_a_4xx(at_evidence: Reporter, path: str) -> None:
    huge = b'Content-Disposition: form-data; name="files"; filename="a.jpg"\r\nX-Padding: ' + b"A" * 1_000_000
    many = b'Content-Disposition: form-data; name="files"; filename="a.jpg"' + b"".join(
        b"\r\nX-H%d: v" % i for i in range(20_000))
    for headers in (huge, many):
        r = await at_evidence.client.post(path, content=multipart([(headers, jpeg())]), headers={
            "content-type": f"multipart/form-data; boundary={BOUNDARY}"})
        refused_calmly(r.status_code, r.text)


PART = st.tuples(
    st.one_of(
        st.sampled_from([b'Content-Disposition: form-data; name="files"; filename="a.jpg"',
                         b'Content-Disposition: form-data; name="message"',
                         b'Content-Disposition: form-data; name="draft"',
                         b'Content-Disposition: form-data; name="_csrf_token"',
                         b'Content-Disposition: form-data; name="other"; filename="../../etc/passwd"',
                         b'Content-Disposition: attachment',
                         b"Content-Type: image/png"]),
        st.binary(max_size=120),
    ),
    st.one_of(st.binary(max_size=200), st.sampled_from([b"", jpeg(), png_claiming(50_000, 50_000), HTML])),
)


@FUZZ
@given(parts=st.lists(PART, max_size=6), boundary=st.sampled_from([BOUNDARY, "b", "x" * 70]),
       path=st.sampled_from(list(UPLOAD_ROUTES)), csrf_first=st.booleans())
# Found once (a 500): a token field whose signature decodes to a character that is not ASCII.
@example(parts=[(b'Content-Disposition: form-data; name="_csrf_token"', b"a" * 64 + b"\xff" * 8)],
         boundary=BOUNDARY, path="/fr/report/evidence", csrf_first=False)
async def test_any_multipart_upload_gets_a_page_and_never_a_server_error(
    at_evidence: Reporter, parts: list[tuple[bytes, bytes]], boundary: str, path: str, csrf_first: bool
) -> None:
    assert at_evidence.page is not None
    head = [field_part("_csrf_token", at_evidence.page.csrf())] if csrf_first else []
    r = await at_evidence.client.post(path, content=multipart(head + parts, boundary), headers={
        "content-type": f"multipart/form-data; boundary={boundary}"})
    refused_calmly(r.status_code, r.text, allowed=(200,))


# A token long enough to be checked, with a character that is not ASCII in its signature: the comparison
# (``hmac.compare_digest`` on text) raised TypeError on it, a 500 the multipart fuzzer above found once.
NON_ASCII_TOKEN = "a" * 64 + "\u00e9" + "b" * 63


def cookie_header(client: httpx.AsyncClient, csrf_cookie: str) -> bytes:
    """The client's cookies with the CSRF cookie replaced, as raw bytes (Latin-1: what a server decodes)."""
    others = [f"{c.name}={c.value}" for c in client.cookies.jar if c.name != "csrftoken"]
    return "; ".join([*others, f"csrftoken={csrf_cookie}"]).encode("latin-1")


@pytest.mark.parametrize("path", list(UPLOAD_ROUTES))
@pytest.mark.parametrize("where", ["form", "cookie"])
async def test_an_upload_whose_token_or_cookie_is_not_ascii_is_refused_calmly(
    at_evidence: Reporter, path: str, where: str
) -> None:
    assert at_evidence.page is not None
    token, cookie = at_evidence.page.csrf(), str(at_evidence.client.cookies["csrftoken"])
    token, cookie = (NON_ASCII_TOKEN, cookie) if where == "form" else (token, NON_ASCII_TOKEN)
    body = multipart([field_part("_csrf_token", token), field_part("draft", at_evidence.page.hidden("draft")),
                      field_part("message", "ce que j'ai écrit")])
    r = await at_evidence.client.post(path, content=body, headers={
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
        "cookie": cookie_header(at_evidence.client, cookie)})
    refused_calmly(r.status_code, r.text)
    assert r.status_code == 403


@pytest.mark.parametrize("path", [*FORM_ROUTES, "/officer/sign-in", "/api/v1/session"])
@pytest.mark.parametrize("where", ["form", "header", "cookie"])
async def test_a_csrf_token_or_cookie_that_is_not_ascii_gets_a_403_never_a_server_error(
    visitor: str, client: httpx.AsyncClient, path: str, where: str
) -> None:
    """Headers and cookies arrive as Latin-1 text, form fields as UTF-8: any of them can hold a byte over 127."""
    cookie = str(client.cookies["csrftoken"])
    form_token, header_token, csrf_cookie = {"form": (NON_ASCII_TOKEN, None, cookie),
                                             "header": (visitor, NON_ASCII_TOKEN, cookie),
                                             "cookie": (visitor, None, NON_ASCII_TOKEN)}[where]
    headers: dict[str, Any] = {"cookie": cookie_header(client, csrf_cookie),
                               "content-type": "application/x-www-form-urlencoded"}
    if header_token:
        headers["x-csrftoken"] = header_token.encode("latin-1")
    body = urlencode({"_csrf_token": form_token, "narrative": "ce que j'ai écrit"}).encode()
    r = await client.post(path, content=body, headers=headers)
    assert r.status_code == 403, (r.status_code, r.text[:300])
    if path.startswith("/fr/"):
        refused_calmly(r.status_code, r.text)


async def test_a_story_posted_with_a_cookie_that_is_not_ascii_comes_back_and_the_next_post_passes(
    client: httpx.AsyncClient
) -> None:
    """The refusal is the expired-page one: the step again with what was typed, and a token that will pass."""
    reporter = Reporter(client, lang="fr")  # type: ignore[arg-type]
    await reporter.start()
    for data in FLOW[:4]:
        assert (await reporter.step(data)).status == 200
    assert reporter.page is not None
    story = "Le patron garde nos passeports depuis mars."
    body = {"_csrf_token": reporter.page.csrf(), "draft": reporter.page.hidden("draft"), "narrative": story,
            "action": "next"}
    r = await client.post("/fr/report", content=urlencode(body).encode(), headers={
        "content-type": "application/x-www-form-urlencoded", "cookie": cookie_header(client, NON_ASCII_TOKEN)})
    refused_calmly(r.status_code, r.text)
    again = Page(r.status_code, r.text, r.headers)
    assert again.value("f-narrative") == story
    reporter.page = again
    assert (await reporter.step({"narrative": story, "action": "next"})).status == 200


# ---- the files themselves ---------------------------------------------------------------------------------

@pytest.mark.parametrize("bomb", [png_claiming(50_000, 50_000), png_claiming(1, 2**31 - 1),
                                  jpeg_claiming(65_000, 65_000)], ids=["png-50k-square", "png-2g-tall", "jpeg-65k"])
async def test_an_image_pixel_bomb_is_refused_with_a_clear_message(at_evidence: Reporter, bomb: bytes) -> None:
    page = await upload(at_evidence, [file_part(b"photo.jpg", bomb)])
    refused_calmly(page.status, page.text)
    assert page.status == 400 and any(TOO_MANY_PIXELS in e or "ouvrir ce fichier" in e for e in page.errors())


@pytest.mark.parametrize("archive", [gzip.compress(b"\0" * 20_000_000), zip_of("photo.jpg", b"\0" * 20_000_000),
                                     gzip.compress(jpeg())], ids=["gzip-bomb", "zip-bomb", "gzipped-jpeg"])
async def test_a_compressed_file_inside_an_upload_is_refused_unopened(at_evidence: Reporter, archive: bytes) -> None:
    page = await upload(at_evidence, [file_part(b"photo.jpg", archive)])
    refused_calmly(page.status, page.text)
    assert any(WRONG_TYPE in e for e in page.errors()), page.errors()


TRICKY_NAMES = [b"../../../../etc/passwd", b"..\\..\\windows\\win.ini", b"photo\x00.jpg.exe", b"/etc/shadow",
                "\u202egpj.exe".encode(), b"%2e%2e%2fetc%2fpasswd", b"a" * 5000 + b".jpg", b"CON.jpg",
                b'x.jpg"; name="draft']


async def test_file_names_that_climb_out_of_folders_are_never_used(served: Served, at_evidence: Reporter) -> None:
    """Names are not kept at all: the file is accepted by its content, and no name reaches the disk."""
    for name in TRICKY_NAMES[:5]:
        page = await upload(at_evidence, [file_part(name, jpeg())])
        assert page.status == 200, (name, page.errors())
    for name in TRICKY_NAMES[5:]:
        page = await upload(at_evidence, [file_part(name, jpeg())])
        refused_calmly(page.status, page.text, allowed=(200,))  # the fifth file is one too many: a 400
    kept = await stored_files(served, at_evidence)
    assert len(kept) == 5
    on_disk = [str(p) for p in Path(served.settings.data_dir).rglob("*")]  # noqa: ASYNC240 - after the fact
    for name in (b"passwd", b"win.ini", b"shadow", b"gpj", b"CON"):
        assert not [p for p in on_disk if name.decode() in p], name


async def test_polyglot_files_are_kept_as_their_pixels_or_pages_only(served: Served, at_evidence: Reporter) -> None:
    """A JPEG that is also a ZIP, a PDF that is also an HTML page: what is kept is one thing, and harmless."""
    jpeg_zip = jpeg() + zip_of("payload.html", HTML)
    pdf_html = pdf_page() + HTML
    png_html = png_with_text(HTML)
    for data in (jpeg_zip, pdf_html, png_html):
        page = await upload(at_evidence, [file_part(b"evidence", data)])
        assert page.status == 200, page.errors()
    html_first = HTML + pdf_page()  # a browser would render this as a page: it is not a PDF
    page = await upload(at_evidence, [file_part(b"evidence.pdf", html_first, b"application/pdf")])
    refused_calmly(page.status, page.text)
    kept = await stored_files(served, at_evidence)
    assert len(kept) == 3
    for data in kept:
        assert b"PK\x03\x04" not in data and b"<script" not in data and b"<html" not in data


def png_with_text(text: bytes) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text.decode())
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


SEEDS = [jpeg(), png_with_text(HTML), pdf_page()]


@settings(max_examples=150, deadline=None)
@given(seed=st.sampled_from(SEEDS), cuts=st.lists(st.tuples(st.integers(0, 4000), st.binary(max_size=8)),
                                                  min_size=1, max_size=6))
def test_a_mangled_photo_or_pdf_is_cleaned_or_refused_never_crashes_the_sanitiser(
    seed: bytes, cuts: list[tuple[int, bytes]]
) -> None:
    data = bytearray(seed)
    for at, junk in cuts:
        at = at % (len(data) + 1)
        data[at: at + len(junk)] = junk
    try:
        clean = sanitise(bytes(data))
    except RejectedFileError:
        return
    assert len(clean.data) <= MAX_FILE_BYTES * 4


# ---- Twilio webhooks --------------------------------------------------------------------------------------

FIELD = st.sampled_from(["MessageSid", "SmsSid", "AccountSid", "From", "To", "Body", "NumMedia", "MediaUrl0",
                         "MediaContentType0", "MessageStatus", "CallSid", "CallStatus", "Digits", "RecordingSid",
                         "RecordingUrl", "RecordingStatus", "RecordingDuration", "x"])
VALUE = st.one_of(st.text(max_size=60), st.sampled_from(["", "0", "-1", "99999999999999999999", "NaN", "\x00",
                                                          "+15145550123", "anonymous", "\u202e", "1" * 2000, "#",
                                                          "hangup", "*0#", "http://127.0.0.1:1/x", new_sid(),
                                                          new_sid("CA"), new_sid("RE")]))
CALL = {"CallSid": new_sid("CA"), "AccountSid": "AC" + "0" * 32, "From": "+15145550123", "To": "+15005550006",
        "CallStatus": "in-progress", "Direction": "inbound"}
# A well-formed webhook of each kind, which the fuzzer then bends: fields changed, dropped, repeated.
WEBHOOKS = {
    "/twilio/sms": {"MessageSid": new_sid(), "AccountSid": "AC" + "0" * 32, "From": "+15145550123",
                    "To": "+15005550006", "Body": "HELP", "NumMedia": "0"},
    "/twilio/sms/status": {"MessageSid": new_sid(), "MessageStatus": "delivered"},
    "/twilio/voice": CALL,
    "/twilio/voice/step?n=1": {**CALL, "Digits": "1"},
    "/twilio/voice/step?n=%FF": {**CALL, "Digits": "1"},
    "/twilio/voice/step": {**CALL, "Digits": "#"},
    "/twilio/voice/recording": {**CALL, "RecordingSid": new_sid("RE"), "RecordingStatus": "completed",
                                "RecordingUrl": "https://api.twilio.com/x", "RecordingDuration": "9"},
    "/twilio/voice/status": {**CALL, "CallStatus": "completed", "CallDuration": "30"},
}


@FUZZ
@given(path=st.sampled_from(list(WEBHOOKS)), changed=st.dictionaries(FIELD, VALUE, max_size=4),
       dropped=st.sets(FIELD, max_size=3), repeated=st.lists(st.tuples(FIELD, VALUE), max_size=3))
async def test_any_signed_webhook_gets_twiml_or_a_bare_4xx(
    served: Served, client: httpx.AsyncClient, path: str, changed: dict[str, str], dropped: set[str],
    repeated: list[tuple[str, str]]
) -> None:
    """Signed with the real token, so every field reaches the SMS and voice channels' parsers."""
    from urllib.parse import urlencode

    fresh = {k: new_sid(v[:2]) for k, v in WEBHOOKS[path].items() if k.endswith("Sid") and k != "AccountSid"}
    base = {k: v for k, v in {**WEBHOOKS[path], **fresh, **changed}.items() if k not in dropped}
    fields = [*base.items(), *repeated]
    params: dict[str, list[str]] = {}
    for name, value in fields:
        params.setdefault(name, []).append(value)
    signature = RequestValidator(TOKEN).compute_signature(served.server.base_url + path, _Multi(params))
    r = await client.post(path, content=urlencode(fields).encode(), headers={
        "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature})
    assert r.status_code < 500, (r.status_code, path, fields)
    assert r.status_code in (200, 204) or 400 <= r.status_code < 500
    if r.status_code == 200:
        assert r.text.startswith("<?xml") and "<Response" in r.text and "<Say" in r.text or "<Message" in r.text or (
            r.text.endswith("<Response />")), r.text[:300]


# A SID seen before, in a request that differs from the one that used it: not a replay, not a new webhook.
# Every channel answers calmly (the voice recording and status callbacks once gave a 500 here).
OTHER_CONTENT = [
    pytest.param("/twilio/sms", id="sms"),
    pytest.param("/twilio/voice", id="voice-call"),
    pytest.param("/twilio/voice/recording", id="voice-recording"),
    pytest.param("/twilio/voice/status", id="voice-status"),
]


@pytest.mark.parametrize("path", OTHER_CONTENT)
async def test_a_sid_used_again_with_other_content_gets_a_calm_answer(
    served: Served, client: httpx.AsyncClient, path: str
) -> None:
    first = {**WEBHOOKS[path], **{k: new_sid(v[:2]) for k, v in WEBHOOKS[path].items()
                                  if k.endswith("Sid") and k != "AccountSid"}}
    for params in (first, {**first, "To": "+15005550001"}):
        r = await client.post(path, data=params, headers={
            "x-twilio-signature": sign(served.server.base_url + path, params)})
        assert r.status_code in (200, 204), (r.status_code, r.text[:200])


class _Multi(dict[str, list[str]]):
    def getall(self, name: str) -> list[str]:
        return self[name]


@FUZZ
@given(body=st.binary(max_size=400), content_type=st.sampled_from(
    ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-16", "text/xml",
     f"multipart/form-data; boundary={BOUNDARY}", ""]),
       encoding=st.sampled_from([None, "gzip"]))
async def test_an_unsigned_or_garbled_webhook_gets_403_and_nothing_else(
    served: Served, client: httpx.AsyncClient, body: bytes, content_type: str, encoding: str | None
) -> None:
    headers = {"content-type": content_type, "x-twilio-signature": sign(served.server.base_url + "/elsewhere", {})}
    if encoding:
        headers["content-encoding"] = encoding
    r = await client.post("/twilio/sms", content=body, headers=headers)
    assert r.status_code == 403, (r.status_code, body)
