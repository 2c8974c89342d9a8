"""Usability events and feedback for the research tier: counts, never people.

An event says that *some* visitor saw or finished a step, in which channel
and language, in which hour. It carries no case id, no visitor or session id
and no free text, so the research tier can never link an event to a report
or to another event. Feedback comments are scrubbed of anything that looks
like a phone number, e-mail address, document number or other digits before
they are stored.
"""

from __future__ import annotations

import logging
import re

from signalement.db.engine import Database
from signalement.db.models import Feedback, FunnelEvent, coarse_hour

logger = logging.getLogger("signalement.metrics")

EVENTS = ("step_viewed", "step_completed", "validation_error", "submitted", "abandoned", "feedback")
MAX_COMMENT = 500

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"(https?://|www\.)\S+", re.I)
_LONG_TOKEN = re.compile(r"\b(?=\w*\d)\w{6,}\b")  # passport and permit numbers mix letters and digits
_DIGITS = re.compile(r"\d[\d\s().+/-]*\d|\d")


def scrub(text: str) -> str:
    """Remove contact details, document numbers and every digit from a feedback comment."""
    text = text[:MAX_COMMENT]
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    text = _LONG_TOKEN.sub("[id]", text)
    text = _DIGITS.sub("[number]", text)
    text = "".join(ch for ch in text if ch.isprintable() or ch in "\n")
    return " ".join(text.split())


async def record_event(db: Database, event: str, *, channel: str, language: str, step: str = "",
                       field: str = "", variant: str = "") -> None:
    """Best effort: a metrics failure must never cost a reporter their report."""
    if event not in EVENTS:
        raise ValueError(event)
    try:
        async with db.writing() as session:
            session.add(FunnelEvent(event=event, step=step[:24], field=field[:24], channel=channel, language=language,
                                    variant=variant[:16], hour=coarse_hour()))
            await session.commit()
    except Exception as exc:  # the reporter's flow goes on; we lose one count
        logger.warning("metrics_event_dropped", extra={"exc_type": type(exc).__name__})


async def record_feedback(db: Database, *, page: str, channel: str, language: str, easy: bool, comment: str) -> None:
    async with db.writing() as session:
        session.add(Feedback(page=page[:24], channel=channel, language=language, easy=easy, comment=scrub(comment),
                             hour=coarse_hour()))
        session.add(FunnelEvent(event="feedback", step=page[:24], channel=channel, language=language,
                                hour=coarse_hour()))
        await session.commit()
