"""How many examples a property test that goes through a real server runs.

Each example there is a real request (and often a real server's work), so the suite (``make test``) runs a
smaller but still broad number; ``SIGNALEMENT_FUZZ=deep`` runs the full count, for a parser or schema change
and before a release. Runs are derandomized or seeded by Hypothesis as before: only the count changes.
"""

from __future__ import annotations

import os

DEEP = os.environ.get("SIGNALEMENT_FUZZ", "").strip().lower() == "deep"


def examples(*, suite: int, deep: int) -> int:
    """``deep`` under ``SIGNALEMENT_FUZZ=deep``, else ``suite``."""
    return deep if DEEP else suite
