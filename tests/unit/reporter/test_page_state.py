"""Sealed form values: only we can read them, nobody can change them, and they go stale."""

from __future__ import annotations

import base64
import zlib

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalement.reporter.draft import Draft, Step, new_draft
from signalement.reporter.page_state import ExpiredFormError, PageState, TamperedFormError, _inflate
from signalement.reporter.visit import ClosedVisitError
from signalement.settings import KeyList

KEY_A = ("a1", b"A" * 32)
KEY_B = ("b2", b"B" * 32)
VISIT = "v" * 43  # a visit key, as the cookie carries it


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def sealer(
    keys: tuple[tuple[str, bytes], ...] = (KEY_A,),
    purpose: str = "report-draft",
    clock: Clock | None = None,
    idle: int = 3600,
    absolute: int = 7200,
) -> PageState[Draft]:
    return PageState(
        KeyList(keys), purpose, Draft, idle_seconds=idle, absolute_seconds=absolute, clock=clock or Clock()
    )


def test_a_sealed_draft_opens_to_the_same_draft() -> None:
    draft = msgspec.structs.replace(new_draft(), narrative="Ils ont pris mon passeport", step=Step.STORY)
    s = sealer()
    assert s.decode(s.encode(draft, visit=VISIT), visit=VISIT).value == draft


def test_the_sealed_text_reveals_nothing_of_the_draft() -> None:
    draft = msgspec.structs.replace(new_draft(), narrative="passport taken by Acme Farms")
    token = sealer().encode(draft, visit=VISIT)
    raw = base64.urlsafe_b64decode(token.split(".", 1)[1] + "==")
    for secret in (
        b"passport",
        b"Acme",
        draft.secret.encode(),
        draft.case_code.encode(),
        draft.case_id.encode(),
    ):
        assert secret not in raw and secret.decode() not in token


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_changing_any_byte_of_a_sealed_draft_is_refused(position: int, flip: int) -> None:
    s = sealer()
    token = s.encode(new_draft(), visit=VISIT)
    kid, payload = token.split(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[position % len(raw)] ^= flip
    forged = kid + "." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(TamperedFormError):
        s.decode(forged, visit=VISIT)


@pytest.mark.parametrize(
    "token", ["", ".", "a1.", "a1.!!!", "a1.AAAA", "nokey", "zz." + "A" * 80, "a1." + "A" * 500_000]
)
def test_garbage_is_refused_as_tampered(token: str) -> None:
    with pytest.raises(TamperedFormError):
        sealer().decode(token, visit=VISIT)


def test_a_truncated_draft_is_refused() -> None:
    s = sealer()
    token = s.encode(new_draft(), visit=VISIT)
    with pytest.raises(TamperedFormError):
        s.decode(token[:-5], visit=VISIT)


def test_a_draft_is_not_accepted_as_a_followup_token() -> None:
    token = sealer(purpose="report-draft").encode(new_draft(), visit=VISIT)
    with pytest.raises(TamperedFormError):
        sealer(purpose="followup-access").decode(token, visit=VISIT)


def test_a_draft_sealed_under_a_key_we_do_not_hold_is_refused() -> None:
    token = sealer(keys=(KEY_B,)).encode(new_draft(), visit=VISIT)
    with pytest.raises(TamperedFormError):
        sealer(keys=(KEY_A,)).decode(token, visit=VISIT)


def test_a_draft_under_a_different_key_with_the_same_id_is_refused() -> None:
    token = sealer(keys=(("a1", b"C" * 32),)).encode(new_draft(), visit=VISIT)
    with pytest.raises(TamperedFormError):
        sealer(keys=(KEY_A,)).decode(token, visit=VISIT)


def test_after_rotation_old_drafts_still_open_and_new_ones_use_the_new_key() -> None:
    before = sealer(keys=(KEY_A,)).encode(new_draft(), visit=VISIT)
    rotated = sealer(keys=(KEY_B, KEY_A))
    assert rotated.decode(before, visit=VISIT).value.case_id
    assert rotated.encode(new_draft(), visit=VISIT).startswith("b2.")


def test_a_draft_left_idle_too_long_expires() -> None:
    clock = Clock()
    s = sealer(clock=clock, idle=3600)
    token = s.encode(new_draft(), visit=VISIT)
    clock.now += 3599
    s.decode(token, visit=VISIT)
    clock.now += 2
    with pytest.raises(ExpiredFormError):
        s.decode(token, visit=VISIT)


def test_a_draft_kept_alive_still_dies_at_its_absolute_lifetime() -> None:
    clock = Clock()
    s = sealer(clock=clock, idle=3600, absolute=7200)
    first = s.decode(s.encode(new_draft(), visit=VISIT), visit=VISIT)
    token = s.encode(first.value, started=first.started, visit=VISIT)
    for _ in range(3):
        clock.now += 3000
        try:
            opened = s.decode(token, visit=VISIT)
        except ExpiredFormError:
            break
        token = s.encode(opened.value, started=opened.started, visit=VISIT)
    else:
        pytest.fail("a draft re-sealed every 50 minutes lived past its absolute lifetime")
    assert clock.now - first.started > 7200


def test_a_draft_sealed_in_the_future_is_refused() -> None:
    clock = Clock()
    token = sealer(clock=clock).encode(new_draft(), visit=VISIT)
    clock.now -= 600
    with pytest.raises(ExpiredFormError):
        sealer(clock=clock).decode(token, visit=VISIT)


def test_a_long_story_in_gurmukhi_is_compressed_before_sealing() -> None:
    words = "ਮੇਰਾ ਪਾਸਪੋਰਟ ਮਾਲਕ ਨੇ ਲੈ ਲਿਆ ਸਾਨੂੰ ਤਿੰਨ ਮਹੀਨੇ ਤਨਖਾਹ ਨਹੀਂ ਮਿਲੀ".split()
    story = " ".join(words[(i * 7) % len(words)] for i in range(3000))[:20_000]
    draft = msgspec.structs.replace(new_draft(), narrative=story)
    s = sealer()
    token = s.encode(draft, visit=VISIT)
    assert len(token) < len(story.encode()) / 3
    assert s.decode(token, visit=VISIT).value.narrative == story


@pytest.mark.parametrize(
    "plain",
    [
        b"\x02anything",
        b"",
        b"\x01not zlib",
        b"\x01" + zlib.compress(b"\0" * 2_000_000),
        b"\x01" + zlib.compress(b"cut short")[:-3],
    ],
)
def test_only_known_encodings_within_the_size_cap_are_opened(plain: bytes) -> None:
    with pytest.raises((ValueError, zlib.error)):
        _inflate(plain)


def test_a_draft_made_in_one_visit_does_not_open_in_another() -> None:
    """After Quick exit the cookie is gone: a form re-sent from the history opens nothing."""
    s = sealer()
    token = s.encode(new_draft(), visit=VISIT)
    with pytest.raises(ClosedVisitError):
        s.decode(token, visit="w" * 43)
    assert VISIT.encode() not in base64.urlsafe_b64decode(token.split(".", 1)[1] + "==")
