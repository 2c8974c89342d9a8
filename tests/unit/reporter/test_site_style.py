"""The reporter stylesheet's focus ring is visible: 3:1 against every colour next to it (WCAG 1.4.11).

The ring is drawn 2px off the element (``outline-offset``), so what lies next to it is the background the
element sits on: the page or a box (alert, notice, receipt), never the element's own fill or border.
"""

from __future__ import annotations

import re
from pathlib import Path

from support.contrast import contrast, expand

STYLESHEET = Path(__file__).resolve().parents[3] / "src" / "signalement" / "static" / "site.css"
# Fills of elements the ring goes around (buttons, the exit link), not backgrounds the ring sits on.
ELEMENT_FILLS = {"#0b4f9c", "#a4121c"}


def _focus_rules(css: str) -> list[str]:
    return [body for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", css) if ":focus" in selector]


def test_the_old_ring_fails_and_the_check_can_tell() -> None:
    assert round(contrast("#f5a623", "#ffffff"), 2) == 2.03


def test_every_focus_ring_has_3_to_1_against_every_background_in_the_stylesheet() -> None:
    css = STYLESHEET.read_text()
    found = (re.search(r"outline:\s*\d+px solid (#[0-9a-fA-F]{3,6})\b", body) for body in _focus_rules(css))
    rings = [m.group(1) for m in found if m]
    assert len(rings) >= 2, "the focus rings were not found"
    backgrounds = {expand(c) for c in re.findall(r"background:\s*(#[0-9a-fA-F]{3,6})\b", css)} - ELEMENT_FILLS
    assert {"#ffffff", "#fdecea", "#eaf1fb"} <= backgrounds
    for ring in rings:
        for background in backgrounds:
            ratio = contrast(expand(ring), background)
            assert ratio >= 3, f"focus ring {ring} on {background}: {ratio:.2f}:1"


def test_every_focus_ring_stands_off_the_element() -> None:
    # Drawn against the element's own border (the red error summary), no colour would do for every element.
    for body in _focus_rules(STYLESHEET.read_text()):
        if re.search(r"outline:\s*\d+px solid", body):
            assert re.search(r"outline-offset:\s*[1-9]", body), body
