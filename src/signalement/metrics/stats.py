"""Small-cell suppression, Wilson intervals and quantiles from bucketed times.

Suppression is applied where numbers leave the metrics module (pages,
exports, the analysis script's input), never left to the template: a cell
under ``k`` is the string ``"<k"``, and any rate whose numerator or
denominator is under ``k`` is withheld too, since a rate and its base give
the numerator back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

Cell = int | str

Z95 = 1.959963984540054


def suppress(n: int, k: int) -> Cell:
    """``n`` itself, or ``"<k"`` when it is a small cell (zero is shown: it reveals no one)."""
    return f"<{k}" if 0 < n < k else n


def shown_rate(numerator: int, denominator: int, k: int) -> float | None:
    """A rate only when both parts are at least ``k`` (or the numerator is 0 of a large base)."""
    if denominator < k or (0 < numerator < k) or (0 < denominator - numerator < k):
        return None
    return numerator / denominator


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a proportion (95% by default)."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_interval(s1: int, n1: int, s2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """Difference of two proportions (p2 - p1) with Newcombe's interval built from Wilson intervals."""
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson(s1, n1, z)
    l2, u2 = wilson(s2, n2, z)
    d = p2 - p1
    lower = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return d, lower, upper


def quantile_from_buckets(histogram: Mapping[int, int], q: float) -> float | None:
    """The ``q`` quantile (in minutes) of bucketed durations, interpolated inside its bucket."""
    from signalement.metrics.events import bucket_bounds

    total = sum(n for b, n in histogram.items() if b > 0)
    if total == 0:
        return None
    target = q * total
    seen = 0
    for bucket in sorted(b for b in histogram if b > 0):
        n = histogram[bucket]
        if seen + n >= target:
            lower, upper = bucket_bounds(bucket)
            share = (target - seen) / n if n else 0
            return lower + (upper - lower) * share
        seen += n
    return bucket_bounds(max(histogram))[1]
