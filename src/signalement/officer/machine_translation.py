"""Machine translation of one part of a case (the story, or one message), on an officer's demand.

The path is the case path: check access, commit the audit entry (which part, into which language,
through which provider, never the words), open only that part, send it to the department's own
translation server, and hand back both texts for one page. Nothing is written: the translation is not
stored, cached or logged, so there is no clear copy to seal or to forget to purge; asking again
translates again, and is audited again.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import select

from signalement.ciphertext_fields import NARRATIVE, is_story_field, join_story, message_field, story_fields
from signalement.db.models import Message
from signalement.errors import NotFoundError
from signalement.officer.cases import record_access
from signalement.runtime import Runtime
from signalement.staff.access import Principal
from signalement.translation import TranslationProvider, TranslationUnavailableError
from signalement.vault.unseal import PrivateKeyring

MESSAGE_PREFIX = "message:"


class TranslatedPart(msgspec.Struct, frozen=True, kw_only=True):
    """The original and, when the server answered, its machine translation. Never stored."""

    case_id: str
    case_code: str
    part: str  # "narrative" or "message"
    part_ref: str  # what the form sent: "narrative" or "message:<id>" (to ask again)
    original: str
    source: str
    target: str
    translation: str | None
    provider: str


async def translate_part(
    runtime: Runtime,
    provider: TranslationProvider,
    principal: Principal,
    keyring: PrivateKeyring,
    case_id: str,
    part: str,
    target: str,
) -> TranslatedPart:
    """Audit, open one part, translate it; a server that fails gives ``translation=None``, never an error page."""
    message_id = part.removeprefix(MESSAGE_PREFIX)[:32] if part.startswith(MESSAGE_PREFIX) else None
    if part != NARRATIVE and not message_id:
        raise NotFoundError
    detail: dict[str, object] = {"part": "message" if message_id else NARRATIVE, "target": target,
                                 "provider": provider.name}
    if message_id:
        detail["message"] = message_id
    async with runtime.db.reading() as session:  # a message of another case is "not found", before any entry
        if message_id and await session.scalar(
            select(Message.id).where(Message.id == message_id, Message.case_id == case_id[:32])
        ) is None:
            raise NotFoundError
    case = await record_access(runtime, principal, case_id, "case.translate", detail)
    async with runtime.db.reading() as session:
        if message_id:
            envelope = await session.scalar(select(Message.envelope).where(Message.id == message_id))
            sealed = {message_field(message_id): envelope} if envelope is not None else {}
        else:  # the story, whole (web) or in the parts an SMS report was sealed in
            sealed = {name: env for name, env in (await story_fields(session, case.id)).items()
                      if is_story_field(name)}
    if not sealed:
        raise NotFoundError
    opened = {name: keyring.open(env, case_id=case.id, field=name) for name, env in sealed.items()}
    original = next(iter(opened.values())).decode() if message_id else join_story(opened)
    try:
        translation: str | None = await provider.translate(original, source=case.language, target=target)
    except TranslationUnavailableError:
        translation = None
    return TranslatedPart(
        case_id=case.id, case_code=case.case_code, part=str(detail["part"]), original=original,
        part_ref=f"{MESSAGE_PREFIX}{message_id}" if message_id else NARRATIVE,
        source=case.language, target=target, translation=translation, provider=provider.name,
    )
