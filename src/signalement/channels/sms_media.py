"""Photos sent by MMS, as the conversation sees them: which to keep, and what to say about the rest.

Photos are kept where the reporter writes in their own words (the story, and follow-up); anywhere
else, or sent with STOP, they are not kept. The webhook downloads nothing (Twilio's 15 seconds; a
photo can be megabytes): it chooses an evidence id for each photo to keep, records those ids and the
draft's future case id in the encrypted conversation, and describes the whole text in one
``twilio.media`` job for the worker (``signalement.mms``), which also deletes every file and the
message at Twilio, kept or not.
"""

from __future__ import annotations

import msgspec

from signalement.channels import sms_texts as t
from signalement.channels.sms_flow import Step
from signalement.channels.sms_sessions import Conversation
from signalement.db.models import new_id
from signalement.evidence import MAX_FILES_PER_CASE
from signalement.messaging import Inbound
from signalement.mms import IMAGE_TYPES, MediaFile, MediaJob

ACCEPTING = (Step.STORY, Step.FOLLOWUP)


class Photos(msgspec.Struct, kw_only=True):
    """What one text's files became: the worker's job (``None`` without files), how many will be kept,
    and the notes (untranslated messages) to put first in the reply."""

    job: MediaJob | None = None
    kept: int = 0
    notes: list[str] = msgspec.field(default_factory=list)


def delete_only(inbound: Inbound) -> MediaJob | None:
    """A job that keeps nothing and deletes the text's files and the text at Twilio."""
    if not inbound.media:
        return None
    return MediaJob(message_sid=inbound.message_id, files=tuple(MediaFile(sid=m.sid) for m in inbound.media))


def take_photos(c: Conversation, inbound: Inbound, *, keep: bool, on_case: int) -> Photos:
    """Decide, at the conversation's current step, which files to keep. ``c`` gains the kept photos' ids.

    ``on_case`` is how many files the open case already has (follow-up only).
    """
    if not inbound.media:
        return Photos()
    if not keep or c.step not in ACCEPTING or (c.step is Step.FOLLOWUP and c.followup is None):
        return Photos(job=delete_only(inbound), notes=[t.PHOTO_LATER] if keep else [])
    if c.step is Step.STORY:
        case_id, attached, room = c.case_id or new_id(), False, MAX_FILES_PER_CASE - len(c.evidence_ids)
    else:
        assert c.followup is not None  # checked above
        case_id, attached, room = c.followup.case_id, True, MAX_FILES_PER_CASE - on_case
    files: list[MediaFile] = []
    kept: list[str] = []
    not_photo = over = False
    for media in inbound.media:
        content_type = media.content_type.split(";", 1)[0].strip().lower()
        if not media.sid or content_type not in IMAGE_TYPES:
            not_photo = True
            files.append(MediaFile(sid=media.sid))
        elif len(kept) >= room:
            over = True
            files.append(MediaFile(sid=media.sid))
        else:
            kept.append(new_id())
            files.append(MediaFile(sid=media.sid, evidence_id=kept[-1]))
    if kept and not attached:
        c.case_id = case_id
        c.evidence_ids = (*c.evidence_ids, *kept)
    notes = ([t.PHOTO_ONLY] if not_photo else []) + ([t.PHOTO_TOO_MANY] if over else [])
    job = MediaJob(message_sid=inbound.message_id, files=tuple(files), case_id=case_id, attached=attached,
                   language=c.language)
    return Photos(job=job, kept=len(kept), notes=notes)
