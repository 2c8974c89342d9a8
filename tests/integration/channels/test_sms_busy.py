"""SQLite's write lock held past the bounded wait (another process stuck mid-transaction): the text gets the
web's calm "very busy" words, nothing is kept, and the same text sent again once the lock is free is handled
as if for the first time."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from integration.channels.conftest import PUBLIC_URL
from signalement.channels import sms_texts as t
from signalement.db import engine
from signalement.errors import REPORTER_MESSAGES
from support.twilio_webhooks import Phone, new_sid


async def test_a_text_that_cannot_get_the_write_lock_is_told_calmly_and_kept_nowhere(
        tw: Any, tw_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = tw.runtime.db.write_lock
    assert lock is not None
    monkeypatch.setattr(engine, "WRITE_LOCK_TIMEOUT", 0.3)
    phone = Phone(tw_client, PUBLIC_URL, "+14165550177")
    sid = new_sid()
    fd = lock.take_blocking()  # as another worker stuck in its transaction would
    try:
        started = time.monotonic()
        busy = await phone.text("AYUDA", sid)
        assert time.monotonic() - started < 5
    finally:
        os.close(fd)
    assert busy == [t.text("en", REPORTER_MESSAGES[503][1])]
    # Nothing was kept: the same text again is handled afresh.
    assert await phone.text("AYUDA", sid) == [t.text("es", t.CATEGORY_MENU)]
