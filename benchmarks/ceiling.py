"""The ceiling for ``benchmarks/run.py``: a bare Litestar endpoint on the same stack, doing the least a report must.

``POST /submit`` parses and validates the same form body as the report's final step (msgspec), seals the
story to an ML-KEM-768+X25519 key with the vault's HPKE, inserts one row through the same ``Database``
(SQLite WAL with ``synchronous=FULL`` and one writer, or PostgreSQL) and answers 303. No CSRF, no draft,
no triage, no templates, no Argon2id: what is left is the web framework, the server and one durable
write. ``run.py`` serves it with uvicorn and the same worker count as ``signalement serve``.

Settings come from the environment: ``CEILING_DATABASE_URL`` (the table ``ceiling_rows`` must exist).
"""

from __future__ import annotations

import os
import uuid

import msgspec
from litestar import Litestar, Response, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy import text

from signalement.db.engine import Database
from signalement.vault.keystore import PublicKey
from signalement.vault.seal import seal
from signalement.vault.suites import SuiteName, generate_private_bytes, public_bytes_for

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


class ReportForm(msgspec.Struct, kw_only=True):
    categories: list[str] | str
    danger: str
    province: str
    town: str = ""
    employer: str = ""
    narrative: str = ""
    contact: str = "none"
    action: str = "submit"


def create_app() -> Litestar:
    db = Database(os.environ["CEILING_DATABASE_URL"])
    raw = generate_private_bytes(SuiteName.HYBRID)
    recipient = PublicKey(key_id="ceiling", suite=SuiteName.HYBRID, purpose="epoch",
                          public=public_bytes_for(SuiteName.HYBRID, raw))

    @post("/submit", status_code=303)
    async def submit(data: ReportForm = FORM) -> Response[None]:
        if data.danger not in ("yes", "no", "unsure") or len(data.narrative) > 20_000:
            return Response(None, status_code=400)
        row_id = str(uuid.uuid4())
        envelope = seal(data.narrative.encode(), recipient, case_id=row_id, field="narrative")
        async with db.writing() as session:
            await session.execute(text("INSERT INTO ceiling_rows (id, envelope) VALUES (:id, :e)"),
                                  {"id": row_id, "e": envelope})
            await session.commit()
        return Response(None, status_code=303, headers={"location": "/done"})

    return Litestar([submit], on_shutdown=[db.dispose])
