"""Likelihood that two reports describe the same events.

The employer blind index and sketch (``vault.blind``) and the database queries that find
candidate pairs live elsewhere; this module only scores a pair, from what is safe to
compare in clear: the category masks, the time between them, and how alike the two
employer names are (a number the caller derives from the keyed index and sketch).
Two reports naming different employers are not the same events however alike the
stories are: their likelihood is cut to nothing, and only an exact employer match
can reach 1.0.
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
# Employer-name similarity (the share of equal sketch slots, about the trigram Jaccard): at or below
# DIFFERENT_EMPLOYER the names are another employer's ("Ferme Lavoie" for "Ferme Tremblay" is about 0.24);
# from LOOKALIKE_EMPLOYER on, a spelling variant ("Fermes Tremblay", about 0.7). In between, a slope.
DIFFERENT_EMPLOYER = 0.4
LOOKALIKE_EMPLOYER = 0.6
# A variant is likely the same employer, never certain: 1.0 stays for an exact (index) match.
LOOKALIKE_CAP = 0.9


def employer_factor(similarity: float | None) -> float:
    """How much the employers let two reports be one: 1 for the same employer (similarity 1.0, the index
    matched) or an unknown one (``None``: a report names none); a slope for look-alike spellings, capped
    under 1; 0 for another employer."""
    if similarity is None or math.isnan(similarity):
        return 1.0
    if similarity >= 1.0:
        return 1.0
    slope = (similarity - DIFFERENT_EMPLOYER) / (LOOKALIKE_EMPLOYER - DIFFERENT_EMPLOYER)
    return LOOKALIKE_CAP * max(0.0, min(1.0, slope))


def duplicate_likelihood(
    a_categories: int, b_categories: int, days_apart: float, employer_similarity: float | None = None
) -> float:
    """A score in [0, 1]: category overlap (Jaccard) times a decay with the time between reports, times
    ``employer_factor(employer_similarity)``.

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
    return max(0.0, min(1.0, overlap * decay * employer_factor(employer_similarity)))
