"""Likelihood that two reports naming the same employer describe the same events.

The employer blind index (``vault.blind``) and the database queries that find
reports sharing an index live elsewhere; this module only scores a pair, from
what is safe to compare in clear: the category masks and the time between them.
Two reports with the same categories a day apart are probably the same worker
writing twice, or two workers describing one incident; the same categories months
apart are more likely a pattern at that employer, which officers want to see as a
cluster rather than merged away.
"""

from __future__ import annotations

import math

from signalement.triage.taxonomy import ALL_CATEGORIES_MASK, CATEGORY_BIT

# Days after which the time factor halves.
HALF_LIFE_DAYS = 14.0
# "other" says little about what happened: two reports sharing only it are weak evidence.
_OTHER = CATEGORY_BIT["other"]
_UNKNOWN_OVERLAP = 0.5


def duplicate_likelihood(a_categories: int, b_categories: int, days_apart: float) -> float:
    """A score in [0, 1]: category overlap (Jaccard) times a decay with the time between reports.

    Masks use ``CATEGORIES`` bit order; bits outside the taxonomy are ignored. When
    either report has no category but ``other``, the overlap counts as one half.
    Symmetric in the two reports and in the sign of ``days_apart``.
    """
    a = int(a_categories) & ALL_CATEGORIES_MASK
    b = int(b_categories) & ALL_CATEGORIES_MASK
    try:
        days = abs(float(days_apart))
    except (TypeError, ValueError):
        return 0.0
    if math.isnan(days):
        return 0.0
    specific_a, specific_b = a & ~_OTHER, b & ~_OTHER
    if not specific_a or not specific_b:
        overlap = _UNKNOWN_OVERLAP
    else:
        overlap = (specific_a & specific_b).bit_count() / (specific_a | specific_b).bit_count()
    decay = 0.5 ** (days / HALF_LIFE_DAYS) if math.isfinite(days) else 0.0
    return max(0.0, min(1.0, overlap * decay))
