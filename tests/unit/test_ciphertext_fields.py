"""Where a case's story lives: whole (web) or in the parts an SMS report was sealed in, joined in order."""

from __future__ import annotations

from signalement.ciphertext_fields import (
    is_story_field,
    join_matches,
    join_story,
    story_matches_field,
    story_part_field,
)


def test_parts_are_joined_in_number_order_not_name_order() -> None:
    opened = {story_part_field(n): f"part {n}".encode() for n in (10, 2, 1)}
    opened["answers"] = b"{}"
    assert join_story(opened) == "part 1\n\npart 2\n\npart 10"
    assert join_story({"narrative": b"A web story."}) == "A web story."
    assert join_story({}) == ""


def test_only_the_story_counts_as_the_story() -> None:
    assert is_story_field("narrative") and is_story_field(story_part_field(3))
    for name in ("answers", "phone", "triage_matches", story_matches_field(3), "narrative:", "narrative:x"):
        assert not is_story_field(name), name


def test_matched_words_merge_per_rule_without_repeats() -> None:
    merged = join_matches({
        "triage_matches": {},
        story_matches_field(2): {"r.locked": ["locks the door"], "r.kept": ["keeps it"]},
        story_matches_field(1): {"r.kept": ["took my passport", "keeps it"]},
    })
    assert merged == {"r.kept": ["took my passport", "keeps it"], "r.locked": ["locks the door"]}
