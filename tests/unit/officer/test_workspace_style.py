"""The workspace stylesheet's focus ring is visible enough: 3:1 against anything it sits on (WCAG 1.4.11)."""

from __future__ import annotations

import re
from pathlib import Path

from support.contrast import contrast

STYLESHEET = Path(__file__).resolve().parents[3] / "src" / "signalement" / "static" / "officer.css"


def test_contrast_matches_the_wcag_examples() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#f5a623", "#ffffff"), 2) == 2.03  # the old ring: too faint


def test_the_focus_ring_has_3_to_1_against_every_background_in_the_stylesheet() -> None:
    css = STYLESHEET.read_text()
    rings = re.findall(r":focus[^{]*\{[^}]*outline:\s*\d+px solid (#[0-9a-fA-F]{6})", css)
    assert rings, "no focus ring found"
    page_backgrounds = set(re.findall(r"background:(#[0-9a-fA-F]{6})", css)) - {"#0b4f9c", "#a4121c"}
    assert "#fff" in css and {"#f1f1f1", "#fdecea"} <= page_backgrounds
    for ring in rings:
        for background in {"#ffffff", *page_backgrounds}:
            assert contrast(ring, background) >= 3, (ring, background, round(contrast(ring, background), 2))
