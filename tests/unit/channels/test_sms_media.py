"""Which files of an inbound text are kept, at which step, and what a webhook's media fields can make us do.

Pure: no database, no network. The worker never fetches a URL from a webhook: only the media SID is read
from it, and the file's address is rebuilt under the configured API base.
"""

from __future__ import annotations

import pytest

from signalement.channels import sms_texts as t
from signalement.channels.sms_flow import Step
from signalement.channels.sms_media import take_photos
from signalement.channels.sms_sessions import Conversation, FollowupKey
from signalement.messaging import Inbound, InboundMedia, TwilioProvider
from signalement.settings import Settings

ME = "ME" + "0123456789abcdef" * 2


def _inbound(*files: tuple[str, str]) -> Inbound:
    return Inbound(message_id="MM" + "1" * 32, sender="+14165550100", body="",
                   media_count=len(files), media=tuple(InboundMedia(sid=s, content_type=c) for s, c in files))


def _form(**fields: str) -> dict[str, list[str]]:
    return {k: [v] for k, v in {"MessageSid": "MM" + "1" * 32, "From": "+14165550100", **fields}.items()}


@pytest.mark.parametrize("url", [
    f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Messages/MM{'1' * 32}/Media/{ME}",
    f"http://169.254.169.254/latest/{ME}",  # a signed webhook still cannot choose the host we fetch from
])
def test_only_the_media_sid_is_read_from_a_media_url(url: str) -> None:
    form = _form(NumMedia="1", MediaUrl0=url, MediaContentType0="image/png")
    inbound = TwilioProvider(Settings()).parse_inbound(form)
    assert inbound is not None and inbound.media == (InboundMedia(sid=ME, content_type="image/png"),)


@pytest.mark.parametrize("fields", [
    {"NumMedia": "1", "MediaUrl0": "https://example.org/photo.jpg", "MediaContentType0": "image/jpeg"},
    {"NumMedia": "1"},
    {"NumMedia": "-3"},
    {"NumMedia": "lots"},
    {"NumMedia": "100000"},
])
def test_odd_media_fields_never_raise_and_never_yield_a_sid_to_fetch(fields: dict[str, str]) -> None:
    inbound = TwilioProvider(Settings()).parse_inbound(_form(**fields))
    assert inbound is not None and len(inbound.media) <= 10
    assert all(m.sid == "" for m in inbound.media)


def test_a_message_sid_that_is_not_one_makes_its_files_unfetchable() -> None:
    url = f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Messages/x/Media/{ME}"
    form = {**_form(NumMedia="1", MediaUrl0=url, MediaContentType0="image/png"), "MessageSid": ["../../Calls"]}
    inbound = TwilioProvider(Settings()).parse_inbound(form)
    assert inbound is not None and inbound.media == (InboundMedia(sid="", content_type="image/png"),)


def test_a_photo_in_the_story_is_kept_for_the_drafts_future_case() -> None:
    c = Conversation(step=Step.STORY, language="fr")
    photos = take_photos(c, _inbound((ME, "image/jpeg; charset=binary")), keep=True, on_case=0)
    assert photos.kept == 1 and photos.notes == [] and photos.job is not None
    assert photos.job.case_id == c.case_id and not photos.job.attached and photos.job.language == "fr"
    assert c.evidence_ids == (photos.job.files[0].evidence_id,)
    again = take_photos(c, _inbound(("ME" + "2" * 32, "image/png")), keep=True, on_case=0)
    assert again.job is not None and again.job.case_id == c.case_id and len(c.evidence_ids) == 2


def test_in_follow_up_photos_go_to_the_open_case_up_to_its_limit() -> None:
    c = Conversation(step=Step.FOLLOWUP, followup=FollowupKey(case_id="case-1", suite="x", private=b""))
    photos = take_photos(c, _inbound((ME, "image/jpeg"), ("ME" + "2" * 32, "image/jpeg")), keep=True, on_case=4)
    assert photos.kept == 1 and photos.notes == [t.PHOTO_TOO_MANY]
    assert photos.job is not None and photos.job.attached and photos.job.case_id == "case-1"
    assert [bool(f.evidence_id) for f in photos.job.files] == [True, False]
    assert c.case_id is None and c.evidence_ids == ()  # nothing to attach at filing: the case is open


@pytest.mark.parametrize("step", [s for s in Step if s not in (Step.STORY, Step.FOLLOWUP, Step.ENDED)])
def test_photos_at_any_other_step_are_only_deleted_with_a_note(step: Step) -> None:
    c = Conversation(step=step)
    photos = take_photos(c, _inbound((ME, "image/jpeg")), keep=True, on_case=0)
    assert photos.kept == 0 and photos.notes == [t.PHOTO_LATER]
    assert photos.job is not None and photos.job.files[0].evidence_id == "" and photos.job.files[0].sid == ME


def test_files_that_are_not_photos_and_photos_sent_with_stop_are_not_kept() -> None:
    c = Conversation(step=Step.STORY)
    mixed = take_photos(c, _inbound((ME, "video/mp4"), ("", "image/jpeg"), ("ME" + "3" * 32, "image/gif")),
                        keep=True, on_case=0)
    assert mixed.kept == 0 and mixed.notes == [t.PHOTO_ONLY] and c.evidence_ids == ()
    stopped = take_photos(c, _inbound((ME, "image/jpeg")), keep=False, on_case=0)
    assert stopped.kept == 0 and stopped.notes == [] and stopped.job is not None  # still deleted at Twilio


def test_a_text_without_files_makes_no_job() -> None:
    assert take_photos(Conversation(step=Step.STORY), _inbound(), keep=True, on_case=0).job is None
