"""Page-feedback comments: scrubbed, sealed to the research key, dated to the day, shredded on time.

A comment is free text from a worker, so it is treated like one: before
anything is stored it is scrubbed of e-mail addresses, links, phone numbers,
long digit runs (a case code, a SIN, a passport or permit number) and any
name the reporter typed elsewhere in the same visit (employer, recruiter,
site, town, capitalised names in the story). What is left is sealed to the
research public key (HPKE, ``vault.seal``), so a copy of the database shows
no comment. The row carries the day, never the hour: a comment's time must
not line up with a case's received hour. After ``feedback_retention_days``
the row is deleted (SQLite overwrites deleted pages; PostgreSQL backups
expire on the backup window), and the research pages never list comments
from a group smaller than the suppression threshold. A researcher may flag
or delete a comment sooner; each of those is an entry in the audit chain
(``signalement.audit``), written in the same transaction, naming the
researcher and the comment id, never its text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

import msgspec
from sqlalchemy import delete, func, select, update

from signalement import audit
from signalement.db.engine import Database, rows_affected
from signalement.db.models import FeedbackComment, new_id, utcnow
from signalement.metrics.research_key import ResearchKey
from signalement.settings import KeyList
from signalement.vault.envelope import SealedValueError
from signalement.vault.keystore import PublicKey
from signalement.vault.opening import open_with, private_key_from_bytes
from signalement.vault.seal import seal

MAX_COMMENT = 500
SEAL_CASE = "research-feedback"
MIN_NAME = 3

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"(https?://|www\.)\S+|\b[\w-]+\.(com|ca|org|net|info|gc\.ca)\b\S*", re.I)
_LONG_TOKEN = re.compile(r"\b(?=\w*\d)\w{6,}\b")  # passport and permit numbers mix letters and digits
_DIGITS = re.compile(r"\+?\d[\d\s().+/-]*\d|\d")
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?。！？\n]\s*$")


def names_in(fields: Iterable[str], story: str = "") -> tuple[str, ...]:
    """Names a reporter typed elsewhere: whole fields (employer, recruiter, site, town), their words,
    and the capitalised words of the story that do not start a sentence."""
    found: set[str] = set()
    for value in fields:
        value = " ".join(value.split())
        if len(value) >= MIN_NAME:
            found.add(value)
            found.update(w for w in _WORD.findall(value) if len(w) >= MIN_NAME)
    for match in _WORD.finditer(story):
        word = match.group(0)
        before = story[: match.start()]
        if (word[:1].isupper() and len(word) >= MIN_NAME and before.strip()
                and not _SENTENCE_END.search(before)):
            found.add(word)
    return tuple(sorted(found, key=len, reverse=True))


def scrub(text: str, names: Sequence[str] = ()) -> str:
    """Remove contact details, document numbers, every digit and the given names from a comment."""
    text = text[:MAX_COMMENT]
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    for name in names:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "[name]", text, flags=re.IGNORECASE)
    text = _LONG_TOKEN.sub("[id]", text)
    text = _DIGITS.sub("[number]", text)
    text = "".join(ch for ch in text if ch.isprintable() or ch == "\n")
    return " ".join(text.split())


class OpenedComment(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    day: dt.date
    page: str
    channel: str
    language: str
    easy: bool
    flagged: bool
    text: str


def _field(comment_id: str) -> str:
    return f"comment:{comment_id}"


async def store_comment(db: Database, key: PublicKey, *, page: str, channel: str, language: str, easy: bool,
                        text: str, names: Sequence[str] = (), today: dt.date | None = None) -> str | None:
    """Scrub and seal one comment; returns its id, or ``None`` if nothing is left to keep."""
    clean = scrub(text, names)
    if not clean:
        return None
    comment_id = new_id()
    envelope = seal(clean.encode(), key, case_id=SEAL_CASE, field=_field(comment_id))
    async with db.writing() as session:
        session.add(FeedbackComment(id=comment_id, day=today or utcnow().date(), page=page[:24], channel=channel,
                                    language=language[:8], easy=easy, key_id=key.key_id, envelope=envelope,
                                    flagged=False))
        await session.commit()
    return comment_id


def open_comment(row: FeedbackComment, key: ResearchKey) -> str | None:
    """The comment's text, or ``None`` if it is not sealed to this key (or was tampered with)."""
    try:
        private = private_key_from_bytes(key.suite, key.private)
        return open_with(row.envelope, private, key.suite, key.key_id, case_id=SEAL_CASE,
                         field=_field(row.id)).decode()
    except (SealedValueError, UnicodeDecodeError, ValueError):
        return None


async def group_sizes(db: Database, since: dt.date) -> dict[tuple[str, str], int]:
    """Comments per (channel, language) since a day: the groups the threshold applies to."""
    async with db.reading() as session:
        rows = await session.execute(
            select(FeedbackComment.channel, FeedbackComment.language, func.count())
            .where(FeedbackComment.day >= since)
            .group_by(FeedbackComment.channel, FeedbackComment.language)
        )
        return {(c, lang): int(n) for c, lang, n in rows}


async def latest_comments(db: Database, key: ResearchKey | None, *, k: int, since: dt.date,
                          limit: int = 50) -> tuple[list[OpenedComment], int]:
    """The newest comments whose (channel, language) group has at least ``k`` comments, opened.

    Returns (comments, how many were held back because their group is too small)."""
    sizes = await group_sizes(db, since)
    shown_groups = [g for g, n in sizes.items() if n >= k]
    held_back = sum(n for n in sizes.values() if n < k)
    if key is None or not shown_groups:
        return [], held_back
    async with db.reading() as session:
        rows = (await session.execute(
            select(FeedbackComment).where(FeedbackComment.day >= since)
            .order_by(FeedbackComment.day.desc(), FeedbackComment.id).limit(limit * 4)
        )).scalars().all()
    opened: list[OpenedComment] = []
    for row in rows:
        if (row.channel, row.language) not in shown_groups:
            continue
        text = open_comment(row, key)
        if text is None:
            continue
        opened.append(OpenedComment(id=row.id, day=row.day, page=row.page, channel=row.channel,
                                    language=row.language, easy=row.easy, flagged=row.flagged, text=text))
        if len(opened) >= limit:
            break
    return opened, held_back


async def flag_comment(db: Database, audit_keys: KeyList, comment_id: str, *, actor: str,
                       flagged: bool = True) -> bool:
    """Flag (or unflag) a comment; the audit entry is written in the same transaction. False if none."""
    async with db.writing() as session:
        changed = await rows_affected(
            session, update(FeedbackComment).where(FeedbackComment.id == comment_id).values(flagged=flagged))
        if changed != 1:
            return False
        await audit.append(session, audit_keys, actor=actor,
                           action="research.comment_flag" if flagged else "research.comment_unflag",
                           object_type="feedback_comment", object_id=comment_id)
        await session.commit()
    return True


async def delete_comment(db: Database, audit_keys: KeyList, comment_id: str, *, actor: str) -> bool:
    """Delete a comment now (before its retention ends), audited in the same transaction. False if none."""
    async with db.writing() as session:
        gone = await rows_affected(session, delete(FeedbackComment).where(FeedbackComment.id == comment_id))
        if gone != 1:
            return False
        await audit.append(session, audit_keys, actor=actor, action="research.comment_delete",
                           object_type="feedback_comment", object_id=comment_id)
        await session.commit()
    return True


async def shred_expired(db: Database, retention_days: int, today: dt.date | None = None) -> int:
    """Delete comments older than the retention period. Returns how many went."""
    cutoff = (today or utcnow().date()) - dt.timedelta(days=retention_days)
    async with db.writing() as session:
        gone = await rows_affected(session, delete(FeedbackComment).where(FeedbackComment.day < cutoff))
        await session.commit()
    return gone
