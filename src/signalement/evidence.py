"""Upload sanitisation: what a reporter's photo or PDF becomes before it is encrypted and stored.

A photo taken on a worker's phone carries the phone's make, the time to the
second and, often, the GPS position of the bunkhouse. An officer who forwards
it to a partner, or a file that leaks, must not place the worker there. So:

* files are recognised by their first bytes (an allow-list), never by their
  name or the browser's claimed type;
* images are decoded and **re-encoded from the pixels alone**, after applying
  the EXIF orientation: EXIF, GPS, XMP, ICC profiles, comments and text chunks
  have nowhere to ride along, and the output is checked for them again;
* PDFs are rebuilt page by page without document info or XMP; embedded JPEG
  images lose their metadata segments; PDFs with scripts, attachments or
  launch actions are refused (an officer opens these on a work machine).

Everything here is CPU-bound and synchronous: callers run ``sanitise`` in a
worker thread, never on the event loop.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Iterator
from typing import Any

import msgspec
from PIL import Image, ImageOps, UnidentifiedImageError

from signalement.errors import SignalementError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_CASE = 5
MAX_PIXELS = 40_000_000
MAX_PDF_PAGES = 500
MAX_PDF_OBJECTS = 200_000
JPEG_QUALITY = 90

# Pillow's own bomb check, for any code path that opens an image: it warns past
# this and refuses past twice this. ``_open_image`` checks the exact cap itself.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class Rejection(enum.StrEnum):
    """Why a file was refused; each maps to one plain message on the page."""

    TYPE = "type"
    TOO_BIG = "too_big"
    TOO_MANY_PIXELS = "too_many_pixels"
    UNREADABLE = "unreadable"
    PDF_ACTIVE = "pdf_active"
    # A reason code, not a password.
    PDF_PASSWORD = "pdf_password"  # noqa: S105  # nosec B105


class RejectedFileError(SignalementError):
    """An uploaded file is not one we accept, or could not be made safe."""

    def __init__(self, reason: Rejection) -> None:
        super().__init__(reason.value)
        self.reason = reason


class FileType(enum.StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    HEIC = "heic"
    PDF = "pdf"


class CleanFile(msgspec.Struct, frozen=True, kw_only=True):
    """A file with its metadata gone, ready to encrypt."""

    kind: str  # image | pdf
    content_type: str
    data: bytes


_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# Decoders Pillow may use for each sniffed type: a PNG that claims to be a JPEG is not decoded as a PNG.
_PILLOW_FORMATS = {
    FileType.JPEG: ["JPEG"],
    FileType.PNG: ["PNG"],
    FileType.WEBP: ["WEBP"],
    FileType.HEIC: ["HEIF"],
}


def sniff(data: bytes) -> FileType | None:
    """The file's type from its magic bytes, or ``None`` if it is not on the allow-list."""
    if data.startswith(b"\xff\xd8\xff"):
        return FileType.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType.PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return FileType.WEBP
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return FileType.HEIC
    if data.startswith(b"%PDF-"):
        return FileType.PDF
    return None


def sanitise(data: bytes) -> CleanFile:
    """Return a metadata-free copy of an allowed file, or raise ``RejectedFileError``."""
    if len(data) > MAX_FILE_BYTES:
        raise RejectedFileError(Rejection.TOO_BIG)
    kind = sniff(data)
    if kind is None:
        raise RejectedFileError(Rejection.TYPE)
    if kind is FileType.PDF:
        return CleanFile(kind="pdf", content_type="application/pdf", data=clean_pdf(data))
    return clean_image(data, kind)


# ---- images -------------------------------------------------------------------------------------


def _open_image(data: bytes, kind: FileType) -> Image.Image:
    Image.init()  # registers the decoders; until then ``Image.OPEN`` is empty in a fresh process
    formats = [f for f in _PILLOW_FORMATS[kind] if f in Image.OPEN]
    if not formats:
        raise RejectedFileError(Rejection.TYPE)  # e.g. HEIC without a HEIF plugin installed
    try:
        img = Image.open(io.BytesIO(data), formats=formats)  # reads the header only
    except Image.DecompressionBombError:
        raise RejectedFileError(Rejection.TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise RejectedFileError(Rejection.UNREADABLE) from None
    width, height = img.size
    if width <= 0 or height <= 0:
        raise RejectedFileError(Rejection.UNREADABLE)
    # Checked before a single pixel is decoded: a 50 KB PNG can claim 100,000 x 100,000 pixels.
    if width * height > MAX_PIXELS:
        raise RejectedFileError(Rejection.TOO_MANY_PIXELS)
    return img


def _pixels_only(img: Image.Image) -> Image.Image:
    """A new image holding the (upright) pixels and nothing else: no info, no EXIF, no palette tricks."""
    try:
        upright = ImageOps.exif_transpose(img)  # the photo must not turn sideways when EXIF goes
        upright.load()
    except Image.DecompressionBombError:
        raise RejectedFileError(Rejection.TOO_MANY_PIXELS) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise RejectedFileError(Rejection.UNREADABLE) from None
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    mode = "RGBA" if has_alpha else ("L" if upright.mode in ("1", "L", "I;16") else "RGB")
    converted = upright.convert(mode)
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    return clean


def clean_image(data: bytes, kind: FileType) -> CleanFile:
    """Re-encode from pixels: PNG stays lossless (screenshots of pay slips), photos become JPEG."""
    img = _open_image(data, kind)
    clean = _pixels_only(img)
    out = io.BytesIO()
    if kind is FileType.PNG or clean.mode == "RGBA":
        clean.save(out, format="PNG", optimize=False)
        result = out.getvalue()
        _assert_png_has_no_metadata(result)
        return CleanFile(kind="image", content_type="image/png", data=result)
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=False)
    result = out.getvalue()
    if jpeg_metadata_segments(result):
        raise RuntimeError("re-encoded JPEG still carries metadata")  # a Pillow change; never ship it
    return CleanFile(kind="image", content_type="image/jpeg", data=result)


_PNG_ALLOWED_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


def _png_chunks(data: bytes) -> Iterator[bytes]:
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        yield data[pos + 4 : pos + 8]
        pos += 12 + length


def _assert_png_has_no_metadata(data: bytes) -> None:
    extra = {c for c in _png_chunks(data)} - _PNG_ALLOWED_CHUNKS
    if extra:
        raise RuntimeError(f"re-encoded PNG still carries chunks {sorted(extra)}")


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start, end) of each header segment, up to the start of the scan data."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA or marker == 0xD9:  # start of scan / end of image
            return
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        yield marker, pos, pos + 2 + length
        pos += 2 + length


def _is_metadata_segment(marker: int, body: bytes) -> bool:
    if marker == 0xFE:  # COM
        return True
    if 0xE1 <= marker <= 0xEF:  # APP1 (EXIF, XMP) ... APP15; APP14 "Adobe" only says how to decode colour
        return not (marker == 0xEE and body.startswith(b"Adobe"))
    return False


def jpeg_metadata_segments(data: bytes) -> list[int]:
    """Markers of the EXIF/XMP/ICC/IPTC/comment segments a JPEG still carries."""
    return [m for m, start, end in _jpeg_segments(data) if _is_metadata_segment(m, data[start + 4 : end])]


def strip_jpeg_metadata(data: bytes) -> bytes:
    """Drop metadata segments from a JPEG without re-encoding it (used for images inside PDFs)."""
    out = bytearray(data[:2])
    pos = 2
    for marker, start, end in _jpeg_segments(data):
        if not _is_metadata_segment(marker, data[start + 4 : end]):
            out += data[start:end]
        pos = end
    out += data[pos:]
    return bytes(out)


# ---- PDF -----------------------------------------------------------------------------------------

# Keys and action types that run code, open other files or carry files. An officer opens
# evidence on a work machine; a PDF that can act on its own is not evidence we need.
_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA"}
_ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/ImportData",
    "/SubmitForm",
    "/GoToR",
    "/GoToE",
    "/RichMediaExecute",
    "/Rendition",
    "/Sound",
    "/Movie",
}
# Metadata that can name the author, the device, the software and the times.
_METADATA_KEYS = ("/Metadata", "/PieceInfo")


def _walk(root: Any) -> Iterator[Any]:
    """Every dictionary reachable from ``root`` (streams included), each once, with a budget."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise RejectedFileError(Rejection.UNREADABLE)
        if isinstance(obj, DictionaryObject):
            yield obj
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def _is_active(d: Any) -> bool:
    if any(key in d for key in _ACTIVE_KEYS):
        return True
    return str(d.get("/S", "")) in _ACTIVE_ACTIONS


def clean_pdf(data: bytes) -> bytes:
    """Rebuild a PDF from its pages with no document info, no XMP and no metadata in its JPEGs."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError, PyPdfError
    from pypdf.generic import StreamObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise RejectedFileError(Rejection.PDF_PASSWORD)
        if len(reader.pages) > MAX_PDF_PAGES or len(reader.pages) == 0:
            raise RejectedFileError(Rejection.UNREADABLE)
        if any(_is_active(d) for d in _walk(reader.trailer)):
            raise RejectedFileError(Rejection.PDF_ACTIVE)
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)  # pages only: no catalog names, outlines, forms or attachments
        writer.metadata = None  # no /Info dictionary at all
        for d in _walk(writer.root_object):
            for key in _METADATA_KEYS:
                d.pop(key, None)
            if isinstance(d, StreamObject) and d.get("/Filter") == "/DCTDecode":
                StreamObject.set_data(d, strip_jpeg_metadata(d._data))
        out = io.BytesIO()
        writer.write(out)
    except RejectedFileError:
        raise
    except (
        PdfReadError,
        PyPdfError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        IndexError,
        RecursionError,
        OSError,
        AssertionError,
    ):
        raise RejectedFileError(Rejection.UNREADABLE) from None
    return out.getvalue()
