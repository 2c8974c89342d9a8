"""The follow-up portal: the right code and secret open it; anything else gets one neutral answer."""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable
from typing import Any

from PIL import Image
from sqlalchemy import func, select

from integration.reporter.reporting import Opener, Page, Reporter
from signalement.db.engine import Database
from signalement.db.models import Evidence, Message
from signalement.receipts import damm_digit, format_code, format_secret

NEUTRAL = "We could not open a case with this case code and secret. Check both and try again."


async def filed(reporter: Reporter) -> tuple[str, str]:
    await reporter.fill()
    return (await reporter.submit()).receipt()


async def sign_in(reporter: Reporter, code: str, secret: str, lang: str = "en", **extra: str) -> Page:
    await reporter.get(f"/{lang}/follow-up")
    return await reporter.post(
        f"/{lang}/follow-up", {"code": code, "secret": secret, **extra}, keep=("_csrf_token",)
    )


def other_valid(digits: str) -> str:
    """A different number that still passes the check digit: a real guess, not a typo."""
    body = digits[:-1]
    changed = body[:-1] + str((int(body[-1]) + 1) % 10)
    return changed + damm_digit(changed)


async def test_the_right_code_and_secret_open_the_case(reporter: Reporter) -> None:
    code, secret = await filed(reporter)
    page = await sign_in(reporter, code, secret)
    assert page.status == 200 and page.h1 == "Your report"
    assert "We received your report. An officer will read it soon." in page.text
    assert "No messages yet." in page.text and 'name="token"' in page.text


async def test_codes_typed_with_spaces_or_local_digits_still_work(reporter: Reporter) -> None:
    code, secret = await filed(reporter)
    devanagari = "".join(chr(0x0966 + int(d)) if d.isdigit() else d for d in code)
    page = await sign_in(reporter, devanagari, secret.replace(" ", ""))
    assert page.status == 200 and page.h1 == "Your report"


async def test_a_wrong_secret_and_an_unknown_code_get_the_same_neutral_answer(reporter: Reporter) -> None:
    code, secret = await filed(reporter)
    digits = secret.replace(" ", "")
    wrong_secret = await sign_in(reporter, code, format_secret(other_valid(digits)))
    unknown_code = await sign_in(reporter, format_code(other_valid(code.replace("-", ""))), secret)
    for page in (wrong_secret, unknown_code):
        assert page.status == 400 and page.errors() == [NEUTRAL] and 'name="token"' not in page.text
        assert page.value("f-secret") == ""  # a wrong secret is not echoed back
    strip = re.compile(r'name="_csrf_token" value="[^"]*"|value="[\d-]*"')
    assert strip.sub("", wrong_secret.text) == strip.sub("", unknown_code.text)


async def test_a_typo_caught_by_the_check_digit_gets_a_gentle_hint_and_is_not_counted(
    reporter: Reporter, stack: Any
) -> None:
    code, secret = await filed(reporter)
    typo = secret[:-1] + str((int(secret[-1]) + 1) % 10)
    for _ in range(12):  # more than the per-client limit: typos must never lock anyone out
        page = await sign_in(reporter, code, typo)
        assert page.status == 400
        assert page.errors() == [  # all 16 digits are there: one is wrong, and the message says so
            "One number in this secret is wrong, or two numbers are swapped. "
            "Look at your paper and check each number again."
        ]
        assert page.value("f-secret") == typo  # kept, so one digit can be fixed
    assert (await sign_in(reporter, code, secret)).status == 200


async def test_guessing_is_throttled_with_a_calm_localized_page(reporter: Reporter, stack: Any) -> None:
    code, secret = await filed(reporter)
    wrong = format_secret(other_valid(secret.replace(" ", "")))
    statuses = [(await sign_in(reporter, code, wrong, lang="es")).status for _ in range(11)]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429
    assert '<html lang="es"' in reporter.page.text and 'id="quick-exit"' in reporter.page.text


async def test_an_officer_reply_is_read_and_answered(
    reporter: Reporter, opener: Opener, officer_reply: Callable[[str, str], Awaitable[None]], db: Database
) -> None:
    code, secret = await filed(reporter)
    case = await opener.case_by_code(code)
    await officer_reply(case.id, "Thank you. Are you safe now?\nWe can call you.")
    page = await sign_in(reporter, code, secret)
    assert "Thank you. Are you safe now?\nWe can call you." in page.text and "Officer" in page.text
    page = await reporter.post(
        "/en/follow-up/reply",
        {"message": "Yes. Please send the form.\r\nThanks"},
        keep=("_csrf_token", "token"),
    )
    assert page.status == 200 and "Your message was sent." in page.text
    assert page.text.index("Are you safe now?") < page.text.index("Yes. Please send the form.\nThanks")
    async with db.reading() as s:
        mine = (await s.execute(select(Message).where(Message.author == "reporter"))).scalars().all()
    assert len(mine) == 1 and b"Please send" not in mine[0].envelope
    assert (
        opener.open(mine[0].envelope, case.id, f"message:{mine[0].id}")
        == b"Yes. Please send the form.\nThanks"
    )


async def test_a_double_tapped_reply_is_sent_once(reporter: Reporter, db: Database, client: Any) -> None:
    code, secret = await filed(reporter)
    page = await sign_in(reporter, code, secret)
    body = {"_csrf_token": page.csrf(), "token": page.hidden("token"), "message": "only once"}
    for _ in range(2):
        assert (await client.post("/en/follow-up/reply", data=body)).status_code == 200
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Message)) == 1


async def test_an_empty_reply_is_a_field_error(reporter: Reporter) -> None:
    code, secret = await filed(reporter)
    await sign_in(reporter, code, secret)
    page = await reporter.post("/en/follow-up/reply", {"message": "   "}, keep=("_csrf_token", "token"))
    assert page.status == 400 and page.errors() == ["Write your message first."]


async def test_evidence_added_later_is_attached_to_the_case_without_gps(
    reporter: Reporter, opener: Opener
) -> None:
    code, secret = await filed(reporter)
    await sign_in(reporter, code, secret)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (42.0, 3.0, 17.5)}
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(out, "JPEG", exif=exif.tobytes())
    page = await reporter.upload(
        [("later.jpg", out.getvalue(), "image/jpeg")],
        path="/en/follow-up/evidence",
        keep=("_csrf_token", "token"),
    )
    assert page.status == 200 and "Thank you. We added your file." in page.text
    case = await opener.case_by_code(code)
    [(evidence, body)] = await opener.evidence(case.id)
    assert evidence.case_id == case.id and len(Image.open(io.BytesIO(body)).getexif()) == 0


async def test_a_case_holds_at_most_five_files(reporter: Reporter, opener: Opener, db: Database) -> None:
    code, secret = await filed(reporter)
    await sign_in(reporter, code, secret)
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    files = [(f"{i}.png", out.getvalue(), "image/png") for i in range(6)]
    page = await reporter.upload(files, path="/en/follow-up/evidence", keep=("_csrf_token", "token"))
    assert page.status == 400 and page.errors() == ["You can add up to 5 files."]
    assert 'id="f-files"' not in page.text  # no room left: the upload field is gone
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Evidence)) == 5


async def test_switching_language_in_the_portal_keeps_the_access_and_the_typed_message(
    reporter: Reporter,
) -> None:
    code, secret = await filed(reporter)
    await sign_in(reporter, code, secret)
    page = await reporter.post("/vi/follow-up/view", {"message": "chưa gửi"}, keep=("_csrf_token", "token"))
    assert page.status == 200 and '<html lang="vi"' in page.text and 'name="token"' in page.text
    assert page.value("f-message") == "chưa gửi"
