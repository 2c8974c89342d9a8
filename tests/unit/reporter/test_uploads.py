"""Upload parsing: streamed into memory, capped, CSRF-checked, and never written to a temporary file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.config.csrf import CSRFConfig
from litestar.middleware.csrf import generate_csrf_token

from signalement.evidence import MAX_FILE_BYTES
from signalement.reporter.uploads import MalformedUploadError, read_upload

CONFIG = CSRFConfig(secret="s" * 32, cookie_name="csrftoken")
BOUNDARY = "----signalementtestboundary"


class FakeApp:
    csrf_config = CONFIG


class FakeRequest:
    """Just what ``read_upload`` touches: content type, cookies, the app's CSRF config and the stream."""

    def __init__(
        self, body: bytes, *, cookie: str | None, content_type: str | None = None, chunk: int = 65536
    ) -> None:
        self.body = body
        self.chunk = chunk
        self.cookies = {"csrftoken": cookie} if cookie else {}
        self.app = FakeApp()
        self.scope: dict[str, Any] = {"state": {}}
        raw = content_type or f"multipart/form-data; boundary={BOUNDARY}"
        main, _, rest = raw.partition(";")
        options = dict(p.strip().split("=", 1) for p in rest.split(";") if "=" in p)
        self.content_type = (main.strip(), options)
        self.streamed = 0

    async def stream(self) -> AsyncIterator[bytes]:
        for i in range(0, len(self.body), self.chunk):
            self.streamed += len(self.body[i : i + self.chunk])
            yield self.body[i : i + self.chunk]


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> bytes:
    out = bytearray()
    for name, value in fields:
        out += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()
    for name, filename, data in files:
        out += (
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: image/jpeg\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    out += f"--{BOUNDARY}--\r\n".encode()
    return bytes(out)


@pytest.fixture
def token() -> str:
    return generate_csrf_token(CONFIG.secret)


@pytest.fixture
def no_temp_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Any attempt to make a temporary file fails the test, and so does any file in a private temp dir."""

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("the upload parser tried to create a temporary file")

    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))  # gettempdir() now answers this directory
    for name in ("TemporaryFile", "NamedTemporaryFile", "SpooledTemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    yield
    assert tempfile.gettempdir() == str(private) and list(private.iterdir()) == []


async def test_a_5_mb_upload_is_read_into_memory_without_any_temporary_file(
    token: str, no_temp_files: None
) -> None:
    photo = os.urandom(5 * 1024 * 1024)
    body = multipart([("_csrf_token", token), ("draft", "sealed")], [("files", "photo.jpg", photo)])
    form = await read_upload(FakeRequest(body, cookie=token))  # type: ignore[arg-type]
    assert form.csrf_ok and form.fields["draft"] == ["sealed"]
    assert [f.data for f in form.files] == [photo] and not form.files[0].too_big


async def test_a_file_over_the_cap_is_flagged_and_not_kept(token: str) -> None:
    body = multipart([("_csrf_token", token)], [("files", "big.jpg", b"\xff" * (MAX_FILE_BYTES + 1))])
    form = await read_upload(FakeRequest(body, cookie=token))  # type: ignore[arg-type]
    assert form.files[0].too_big and form.files[0].data == b""


async def test_a_file_at_the_cap_is_kept(token: str) -> None:
    body = multipart([("_csrf_token", token)], [("files", "ok.jpg", b"\xff" * MAX_FILE_BYTES)])
    form = await read_upload(FakeRequest(body, cookie=token))  # type: ignore[arg-type]
    assert not form.files[0].too_big and len(form.files[0].data) == MAX_FILE_BYTES


@pytest.mark.parametrize("cookie", [None, "wrong", "same"])
async def test_after_a_failed_csrf_check_no_file_byte_is_kept(token: str, cookie: str | None) -> None:
    other = generate_csrf_token(CONFIG.secret)
    form_token = "not-a-token" if cookie == "same" else token
    body = multipart([("_csrf_token", form_token)], [("files", "p.jpg", b"secret photo bytes")])
    cookie_value = {"wrong": other, "same": "not-a-token"}.get(cookie or "", None)
    form = await read_upload(FakeRequest(body, cookie=cookie_value))  # type: ignore[arg-type]
    assert not form.csrf_ok
    assert all(f.data == b"" for f in form.files)


async def test_an_upload_without_a_csrf_field_is_not_verified(token: str) -> None:
    form = await read_upload(FakeRequest(multipart([], [("files", "p.jpg", b"x")]), cookie=token))  # type: ignore[arg-type]
    assert not form.csrf_ok


async def test_an_empty_file_input_sends_no_file(token: str) -> None:
    form = await read_upload(
        FakeRequest(
            multipart([("_csrf_token", token)], [("files", "", b"")]),  # type: ignore[arg-type]
            cookie=token,
        )
    )
    assert form.files == []


@pytest.mark.parametrize(
    "body",
    [
        b"no multipart here",
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated'.encode(),
        multipart([("f", str(i)) for i in range(40)], []),
        multipart([("draft", "x" * 500_000)], []),
        multipart([], [("avatar", "p.jpg", b"x")]),
    ],
)
async def test_broken_or_oversized_forms_are_refused(token: str, body: bytes) -> None:
    with pytest.raises(MalformedUploadError):
        await read_upload(FakeRequest(body, cookie=token))  # type: ignore[arg-type]


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
async def test_a_request_that_is_not_a_multipart_upload_is_refused(content_type: str) -> None:
    with pytest.raises(MalformedUploadError):
        await read_upload(FakeRequest(b"a=b", cookie=None, content_type=content_type))  # type: ignore[arg-type]


def test_the_parser_module_does_not_use_litestars_spooling_form_parser() -> None:
    source = Path(__file__).resolve().parents[3].joinpath("src/signalement/reporter/uploads.py").read_text()
    code = source.split('"""', 2)[2]  # after the module docstring, which explains why
    assert "request.form(" not in code and "UploadFile" not in code
