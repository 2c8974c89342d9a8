"""Reporter test helpers: a reporter who fills the form the way a browser does, and an officer-side
opener (built in the test from the admin credential) to prove what was really stored."""

from __future__ import annotations

import html
import re
from http.server import BaseHTTPRequestHandler
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from signalement.ciphertext_fields import (
    evidence_key_field,
    followup_recipient,
    is_story_field,
    join_story,
    message_field,
    next_message_seq,
)
from signalement.db.engine import Database
from signalement.db.models import Case, CaseField, Evidence, Message, coarse_hour, new_id
from signalement.evidence_store import read_evidence
from signalement.runtime import Runtime
from signalement.staff.accounts import master_from_password
from signalement.vault.seal import seal
from signalement.vault.unseal import PrivateKeyring
from support.live import LiveServer


def said(lang: str, msgid: str, **params: object) -> str:
    """A message as a page in ``lang`` shows it: translated by the real catalogue, then HTML-escaped."""
    from markupsafe import escape

    from signalement import i18n

    with i18n.using(lang):
        return str(escape(i18n.gettext(msgid, **params)))


STORY = "Le patron a pris mon passeport.\nਉਹ ਮੈਨੂੰ ਪੈਸੇ ਨਹੀਂ ਦਿੰਦੇ। <b>'; DROP TABLE cases; --\u202e"
FLOW = [
    {"categories": ["wages", "documents"], "action": "next"},
    {"danger": "no", "action": "next"},
    {"province": "ON", "town": "Leamington", "action": "next"},
    {"employer": "Acme Greenhouses", "recruiter": "", "site": "12 Road 3", "action": "next"},
    {"narrative": STORY, "action": "next"},
    {"action": "next"},
    {"contact": "sms", "phone": "613 555 0123", "action": "next"},
]


class Page:
    def __init__(self, status: int, text: str, headers: Any) -> None:
        self.status = status
        self.text = text
        self.headers = headers

    def hidden(self, name: str) -> str:
        found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', self.text)
        assert found, f"no field {name} on the page"
        return html.unescape(found.group(1))

    def value(self, field_id: str) -> str:
        """What an input or textarea shows (as the browser would read it)."""
        found = re.search(rf'<textarea id="{field_id}"[^>]*>(.*?)</textarea>', self.text, re.S)
        if found:
            return html.unescape(found.group(1))
        found = re.search(
            rf'id="{field_id}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*id="{field_id}"', self.text
        )
        assert found, f"no input {field_id}"
        return html.unescape(found.group(1) or found.group(2) or "")

    @property
    def h1(self) -> str:
        found = re.search(r"<h1>(.*?)</h1>", self.text, re.S)
        return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""

    def errors(self) -> list[str]:
        """The field errors shown (not the script-only size warning, which is ``hidden``)."""
        return [
            re.sub(r"<[^>]+>", "", e).replace("Error:", "").strip()
            for attrs, e in re.findall(r'<p class="error"([^>]*)>(.*?)</p>', self.text, re.S)
            if "hidden" not in attrs
        ]

    def receipt(self) -> tuple[str, str]:
        code, secret = re.findall(r'<p class="receipt"[^>]*>([^<]+)</p>', self.text)
        return code, secret

    def csrf(self) -> str:
        return self.hidden("_csrf_token")


def is_localized_reporter_page(page: Page, lang: str) -> bool:
    """A reporter page in ``lang`` (its BCP 47 tag), with its Quick exit: what every refusal must be."""
    return f'<html lang="{lang}"' in page.text and 'id="quick-exit"' in page.text


class Reporter:
    """Fills in the report the way a browser submits it: every post carries the page's token and draft."""

    def __init__(self, client: AsyncTestClient[Litestar], lang: str = "en") -> None:
        self.client = client
        self.lang = lang
        self.page: Page | None = None

    async def get(self, path: str) -> Page:
        r = await self.client.get(path)
        self.page = Page(r.status_code, r.text, r.headers)
        return self.page

    async def post(
        self,
        path: str,
        data: dict[str, Any],
        *,
        keep: tuple[str, ...] = ("_csrf_token", "draft"),
        files: Any = None,
    ) -> Page:
        assert self.page is not None
        body = {name: self.page.hidden(name) for name in keep if f'name="{name}"' in self.page.text}
        body.update(data)
        r = await self.client.post(path, data=body, files=files)
        self.page = Page(r.status_code, r.text, r.headers)
        return self.page

    async def start(self) -> Page:
        return await self.get(f"/{self.lang}/report")

    async def step(self, data: dict[str, Any], lang: str | None = None) -> Page:
        return await self.post(f"/{lang or self.lang}/report", data)

    async def upload(
        self,
        files: list[tuple[str, bytes, str]],
        path: str | None = None,
        keep: tuple[str, ...] = ("_csrf_token", "draft"),
    ) -> Page:
        parts = [("files", (name, data, ctype)) for name, data, ctype in files]
        return await self.post(
            path or f"/{self.lang}/report/evidence", {"action": "stay"}, keep=keep, files=parts
        )

    async def fill(self, flow: list[dict[str, Any]] = FLOW, until_review: bool = True) -> Page:
        await self.start()
        for data in flow:
            page = await self.step(data)
            assert page.status == 200, (data, page.errors())
        assert not until_review or self.page.h1 == "Check your report"  # type: ignore[union-attr]
        return self.page  # type: ignore[return-value]

    async def submit(self) -> Page:
        return await self.step({"action": "submit"})


class Opener:
    """The officer side, built in the test from the admin credential: proves what was stored.

    It has its own database pool: the test client runs the app on another event loop, and an
    asyncpg connection belongs to the loop that opened it.
    """

    def __init__(self, db: Database, keyring: PrivateKeyring) -> None:
        self.db = db
        self.keyring = keyring

    async def case_by_code(self, code: str) -> Case | None:
        async with self.db.reading() as s:
            return await s.scalar(select(Case).where(Case.case_code == code.replace("-", "")))

    async def fields(self, case_id: str) -> dict[str, bytes]:
        async with self.db.reading() as s:
            rows = (await s.execute(select(CaseField).where(CaseField.case_id == case_id))).scalars().all()
        return {r.name: r.envelope for r in rows}

    def open(self, envelope: bytes, case_id: str, field: str) -> bytes:
        return self.keyring.open(envelope, case_id=case_id, field=field)

    async def story(self, case_id: str) -> str:
        """The case's story as an officer reads it: whole (web) or joined from the parts it was sealed in (SMS)."""
        fields = await self.fields(case_id)
        return join_story({name: self.open(env, case_id, name) for name, env in fields.items() if is_story_field(name)})

    async def evidence(self, case_id: str) -> list[tuple[Evidence, bytes]]:
        async with self.db.reading() as s:
            rows = (await s.execute(select(Evidence).where(Evidence.case_id == case_id))).scalars().all()
        out = []
        for ev in rows:
            key = self.open(ev.key_envelope, ev.case_id or ev.draft_case_id, evidence_key_field(ev.id))
            out.append((ev, b"".join([chunk async for chunk in read_evidence(self.db, ev, key)])))
        return out


async def build_opener(stack: Any, db: Database) -> Opener:
    rt = stack.runtime
    async with db.reading() as session:
        master = await master_from_password(rt, session, stack.admin.username, stack.admin.password)
    return Opener(db, PrivateKeyring(rt.keystore, master))


async def add_officer_reply(runtime: Any, db: Database, case_id: str, text: str) -> None:
    """An officer's reply, sealed to the directorate and to the reporter's follow-up key."""
    async with db.writing() as session:
        case = await session.get(Case, case_id)
        message_id = new_id()
        field = message_field(message_id)
        reporter_key = followup_recipient(case.followup_public_key, str(case.receipt_kdf["suite"]))
        recipient = runtime.public_keys.current
        session.add(
            Message(
                id=message_id,
                case_id=case_id,
                author="officer",
                channel="web",
                created_at=coarse_hour(),
                key_id=recipient.key_id,
                seq=await next_message_seq(session, case_id),
                envelope=seal(text.encode(), recipient, case_id=case_id, field=field),
                reporter_envelope=seal(text.encode(), reporter_key, case_id=case_id, field=field),
            )
        )
        await session.commit()


class Elsewhere(BaseHTTPRequestHandler):
    """Another site on another port: the neutral site Quick exit goes to, and the page before ours."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        body = b"<!doctype html><title>Elsewhere</title><p>Weather</p>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


class BrowserStack:
    def __init__(self, server: LiveServer, runtime: Runtime, db: Database, elsewhere: str) -> None:
        self.server = server
        self.neutral = f"{elsewhere}/weather"
        self.before = f"{elsewhere}/before"
        self.runtime = runtime
        self.db = db
        self.portal_cases: dict[str, tuple[str, str]] = {}
        self._phones = 0

    def headers(self) -> dict[str, str]:
        """Headers for a new browser context: another phone, with its own rate-limit bucket."""
        self._phones += 1
        return {"x-forwarded-for": f"10.9.{self._phones // 250}.{self._phones % 250 + 1}"}
