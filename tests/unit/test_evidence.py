"""Upload sanitisation: photos lose EXIF, GPS, XMP, ICC and text; PDFs lose their metadata; anything
not on the allow-list, too big, or able to act on its own is refused."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from signalement.evidence import (
    MAX_FILE_BYTES,
    MAX_PIXELS,
    RejectedFileError,
    Rejection,
    jpeg_metadata_segments,
    sanitise,
    sniff,
)

pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")

GPS_IFD = 0x8825
ORIENTATION = 0x0112
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>'
    b'<rdf:Description GPSLatitude="42,3N"/></rdf:RDF></x:xmpmeta>'
)


def jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (42.0, 3.0, 17.5), 3: "W", 4: (82.0, 36.0, 9.1)}
    img = Image.new("RGB", size, (200, 30, 30))
    img.paste((20, 20, 220), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    img.save(
        out, "JPEG", exif=exif.tobytes(), icc_profile=b"\0" * 128, comment=b"Leamington bunkhouse", xmp=XMP
    )
    return out.getvalue()


def reject_reason(data: bytes) -> Rejection:
    with pytest.raises(RejectedFileError) as caught:
        sanitise(data)
    return caught.value.reason


def test_the_test_photo_really_carries_gps_exif_xmp_icc_and_a_comment() -> None:
    data = jpeg_with_gps()
    img = Image.open(io.BytesIO(data))
    assert img.getexif().get_ifd(GPS_IFD)
    assert {"icc_profile", "comment"} <= set(img.info)
    assert b"GPSLatitude" in data and set(jpeg_metadata_segments(data)) >= {0xE1, 0xE2, 0xFE}


def test_a_photo_loses_its_gps_tag_and_every_other_metadata_segment() -> None:
    clean = sanitise(jpeg_with_gps())
    img = Image.open(io.BytesIO(clean.data))
    assert clean.content_type == "image/jpeg" and clean.kind == "image"
    assert not img.getexif().get_ifd(GPS_IFD) and len(img.getexif()) == 0
    assert not {"icc_profile", "comment", "exif", "xmp"} & set(img.info)
    assert jpeg_metadata_segments(clean.data) == []
    for trace in (b"GPSLatitude", b"PhoneMaker", b"Leamington", b"Exif\0\0", b"xmpmeta"):
        assert trace not in clean.data


def test_a_photo_taken_sideways_is_turned_upright_before_its_exif_is_dropped() -> None:
    clean = sanitise(jpeg_with_gps(size=(64, 32), orientation=6))  # 6: rotate 90 degrees to display
    assert Image.open(io.BytesIO(clean.data)).size == (32, 64)


def test_a_png_loses_its_text_chunks_and_stays_lossless() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Maria Santos")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    img = Image.new("RGB", (20, 10), (1, 2, 3))
    out = io.BytesIO()
    img.save(out, "PNG", pnginfo=info, dpi=(300, 300))
    clean = sanitise(out.getvalue())
    assert clean.content_type == "image/png"
    assert b"Maria" not in clean.data and b"xmpmeta" not in clean.data and b"pHYs" not in clean.data
    assert Image.open(io.BytesIO(clean.data)).getpixel((5, 5)) == (1, 2, 3)


def test_a_webp_photo_is_re_encoded_as_a_jpeg_without_exif() -> None:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (42.0, 3.0, 17.5)}
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(out, "WEBP", exif=exif.tobytes())
    assert sniff(out.getvalue()).value == "webp"
    clean = sanitise(out.getvalue())
    assert clean.content_type == "image/jpeg" and len(Image.open(io.BytesIO(clean.data)).getexif()) == 0


def test_a_transparent_image_becomes_a_png() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(out, "WEBP", lossless=True)
    assert sanitise(out.getvalue()).content_type == "image/png"


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00 this is a windows program renamed photo.jpg",
        b"<html><script>alert(1)</script></html>",
        b"GIF89a" + b"\0" * 32,
        b"PK\x03\x04 a zip file",
        b"",
    ],
)
def test_anything_not_on_the_allow_list_is_refused_whatever_its_name(data: bytes) -> None:
    assert reject_reason(data) is Rejection.TYPE


def test_a_file_that_only_starts_like_a_jpeg_is_refused_as_unreadable() -> None:
    assert reject_reason(b"\xff\xd8\xff\xe0" + b"garbage" * 50) is Rejection.UNREADABLE


def test_a_heic_photo_is_refused_when_no_heif_decoder_is_installed() -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 64
    assert sniff(heic).value == "heic"
    if "HEIF" in Image.OPEN:
        pytest.skip("a HEIF plugin is installed here; this test covers the plain-Pillow deployment")
    assert reject_reason(heic) is Rejection.TYPE


def test_a_file_over_10_mb_is_refused() -> None:
    assert reject_reason(b"\xff\xd8\xff" + b"\0" * MAX_FILE_BYTES) is Rejection.TOO_BIG


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: a decompression bomb's calling card."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("width", "height"), [(8000, 5001), (100_000, 100_000), (1, MAX_PIXELS + 1)])
def test_a_decompression_bomb_is_refused_before_any_pixel_is_decoded(width: int, height: int) -> None:
    assert reject_reason(png_header_claiming(width, height)) is Rejection.TOO_MANY_PIXELS


def test_a_real_compressed_bomb_is_refused() -> None:
    out = io.BytesIO()
    Image.new("1", (7000, 7000)).save(out, "PNG")  # 49 MP of zeros: a few KB on the wire
    assert len(out.getvalue()) < 100_000
    assert reject_reason(out.getvalue()) is Rejection.TOO_MANY_PIXELS


def pdf(
    author: str | None = "Maria Santos",
    action: DictionaryObject | None = None,
    attach: bool = False,
    image: bytes | None = None,
) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    if author:
        writer.add_metadata({"/Author": author, "/Creator": "Scanner app on a phone"})
        writer.root_object[NameObject("/Metadata")] = writer._add_object(
            __import__("pypdf.generic", fromlist=["StreamObject"]).DecodedStreamObject()
        )
    if action is not None:
        writer.root_object[NameObject("/OpenAction")] = action
    if attach:
        writer.add_attachment("payroll.txt", b"hidden")
    if image is not None:
        from pypdf.generic import DecodedStreamObject, NumberObject

        stream = DecodedStreamObject()
        stream.set_data(image)
        stream.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(64),
                NameObject("/Height"): NumberObject(32),
                NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
                NameObject("/BitsPerComponent"): NumberObject(8),
                NameObject("/Filter"): NameObject("/DCTDecode"),
            }
        )
        ref = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): ref})}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_loses_its_author_and_document_info() -> None:
    original = pdf()
    assert PdfReader(io.BytesIO(original)).metadata["/Author"] == "Maria Santos"
    clean = sanitise(original)
    reader = PdfReader(io.BytesIO(clean.data))
    assert clean.content_type == "application/pdf" and len(reader.pages) == 1
    assert reader.metadata is None and "/Metadata" not in reader.trailer["/Root"]
    assert b"Maria" not in clean.data and b"Scanner app" not in clean.data


def test_a_photo_inside_a_pdf_loses_its_gps_segment() -> None:
    original = pdf(author=None, image=jpeg_with_gps())
    assert b"GPSLatitude" in original
    clean = sanitise(original)
    assert b"GPSLatitude" not in clean.data and b"PhoneMaker" not in clean.data
    image = PdfReader(io.BytesIO(clean.data)).pages[0]["/Resources"]["/XObject"]["/Im0"].get_object()
    assert jpeg_metadata_segments(image._data) == [] and Image.open(io.BytesIO(image._data)).size == (64, 32)


@pytest.mark.parametrize(
    "action",
    [
        {"/S": "/JavaScript", "/JS": "app.alert('x')"},
        {"/S": "/Launch", "/F": "cmd.exe"},
        {"/S": "/SubmitForm", "/F": "https://example.invalid/"},
    ],
)
def test_a_pdf_that_can_act_on_its_own_is_refused(action: dict[str, str]) -> None:
    obj = DictionaryObject(
        {
            NameObject(k): NameObject(v) if v.startswith("/") else TextStringObject(v)
            for k, v in action.items()
        }
    )
    assert reject_reason(pdf(action=obj)) is Rejection.PDF_ACTIVE


def test_a_pdf_with_an_attached_file_is_refused() -> None:
    assert reject_reason(pdf(attach=True)) is Rejection.PDF_ACTIVE


def test_a_pdf_with_a_password_is_refused() -> None:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt(user_password="1234", owner_password="owner")  # noqa: S106 - a test file
    out = io.BytesIO()
    writer.write(out)
    assert reject_reason(out.getvalue()) is Rejection.PDF_PASSWORD


def test_a_pdf_with_only_an_owner_password_is_accepted_and_written_without_it() -> None:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt(user_password="", owner_password="owner")  # noqa: S106 - a test file
    out = io.BytesIO()
    writer.write(out)
    assert not PdfReader(io.BytesIO(sanitise(out.getvalue()).data)).is_encrypted


@pytest.mark.parametrize("data", [b"%PDF-1.7\n garbage", b"%PDF-1.4\n" + b"\0" * 100])
def test_a_pdf_that_does_not_parse_is_refused(data: bytes) -> None:
    assert reject_reason(data) in (Rejection.UNREADABLE,)


def test_a_fresh_process_recognises_photos_before_anything_else_loads_pillow() -> None:
    import subprocess
    import sys

    # The server process imports nothing else from Pillow before the first upload arrives.
    code = (
        "import sys; from signalement.evidence import sanitise; "
        "sys.stdout.write(sanitise(sys.stdin.buffer.read()).content_type)"
    )
    run = [sys.executable, "-c", code]  # our own interpreter and code
    out = subprocess.run(run, input=jpeg_with_gps(), capture_output=True, check=True)  # noqa: S603
    assert out.stdout == b"image/jpeg"
