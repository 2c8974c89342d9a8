"""Reading an evidence upload from the request stream, in memory, with hard caps.

Litestar's ``request.form()`` spools any part over 1 MB to a temporary file:
a worker's photo, with its GPS position, in clear on our disk until the OS
reuses the blocks. So upload routes never call it. They feed
``request.stream()`` to ``multipart.PushMultipartParser`` (the parser
Litestar itself uses) and keep each file in a ``bytearray``, up to 10 MB; a
bigger file stops being kept the moment it passes the cap, and the whole
request is capped by the route's ``request_max_body_size`` (413 beyond).

The CSRF token is checked as soon as its field has arrived (our forms put it
first), and after a failure no further file byte is kept.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import anyio
import msgspec
from anyio import to_thread
from litestar import Request
from multipart import MultipartError, MultipartSegment, PushMultipartParser

from signalement.errors import SignalementError
from signalement.evidence import MAX_FILE_BYTES, MAX_FILES_PER_CASE, CleanFile, sanitise
from signalement.reporter import csrf

MAX_FIELD_BYTES = 420_000  # a sealed draft can hold a long story
MAX_PARTS = MAX_FILES_PER_CASE + 16
UPLOAD_MAX_BODY = MAX_FILES_PER_CASE * MAX_FILE_BYTES + 1024 * 1024
# Decoding a 40-megapixel photo takes ~160 MB; two at a time per process bounds memory under load.
SANITISE_CONCURRENCY = 2
CHUNK = 64 * 1024


class MalformedUploadError(SignalementError):
    """The upload is not a multipart form our pages send (no boundary, broken framing, too many parts)."""


class UploadedFile(msgspec.Struct):
    data: bytes
    too_big: bool


class UploadForm:
    """The text fields and files of one upload; ``getall`` makes it readable by ``forms.Fields``."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.files: list[UploadedFile] = []
        self.csrf_ok = False

    def getall(self, key: str, default: list[Any]) -> list[Any]:
        return self.fields.get(key, default)


class _Reader:
    """Feeds parser events into an ``UploadForm``."""

    def __init__(self, request: Request[Any, Any, Any], file_field: str) -> None:
        self.request = request
        self.file_field = file_field
        self.form = UploadForm()
        self.segment: MultipartSegment | None = None
        self.buffer = bytearray()
        self.limit = MAX_FIELD_BYTES
        self.over = False
        self.csrf_checked = False

    def start(self, segment: MultipartSegment) -> None:
        self.segment, self.buffer, self.over = segment, bytearray(), False
        is_file = segment.filename is not None
        if is_file and segment.name != self.file_field:
            raise MalformedUploadError("unexpected file field")
        self.limit = MAX_FILE_BYTES if is_file else MAX_FIELD_BYTES

    def data(self, chunk: bytes | bytearray) -> None:
        if self.over or (self._is_file() and self.csrf_checked and not self.form.csrf_ok):
            return  # past the cap, or after a failed CSRF check: drop, do not keep
        if len(self.buffer) + len(chunk) > self.limit:
            if not self._is_file():
                raise MalformedUploadError("field too large")
            self.over, self.buffer = True, bytearray()
            return
        self.buffer += chunk

    def end(self) -> None:
        seg = self.segment
        assert seg is not None
        if self._is_file():
            if seg.filename or self.buffer or self.over:  # an empty file input sends filename=""
                self.form.files.append(UploadedFile(data=bytes(self.buffer), too_big=self.over))
        else:
            text = self.buffer.decode("utf-8", errors="replace")
            self.form.fields.setdefault(seg.name or "", []).append(text)
            if seg.name == "_csrf_token" and not self.csrf_checked:
                self.csrf_checked = True
                self.form.csrf_ok = csrf.token_matches(self.request, text)
        self.segment, self.buffer = None, bytearray()

    def _is_file(self) -> bool:
        return self.segment is not None and self.segment.filename is not None


async def read_upload(request: Request[Any, Any, Any], file_field: str = "files") -> UploadForm:
    """Parse a multipart upload from the stream, in memory. Never touches the file system."""
    content_type, options = request.content_type
    boundary = options.get("boundary")
    if content_type != "multipart/form-data" or not boundary:
        raise MalformedUploadError("not multipart")
    reader = _Reader(request, file_field)
    try:
        with PushMultipartParser(boundary, max_segment_count=MAX_PARTS, strict=True) as parser:
            async for chunk in request.stream():
                if not chunk:
                    continue
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        reader.start(event)
                    elif event is None:
                        reader.end()
                    else:
                        reader.data(event)
    except MultipartError:
        raise MalformedUploadError("broken multipart") from None
    return reader.form


_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    if loop not in _limiters:
        _limiters[loop] = anyio.CapacityLimiter(SANITISE_CONCURRENCY)
    return _limiters[loop]


async def sanitise_in_thread(data: bytes) -> CleanFile:
    """Pillow and pypdf are CPU-bound: off the event loop, a few at a time."""
    return await to_thread.run_sync(sanitise, data, limiter=_limiter())


def chunks(data: bytes) -> list[bytes]:
    """The clean file in pieces, for chunk-by-chunk encryption."""
    view = memoryview(data)
    return [bytes(view[i : i + CHUNK]) for i in range(0, len(data), CHUNK)] or [b""]
