"""Recovery shares: any threshold of them rebuild the key; fewer say nothing about it."""

from __future__ import annotations

import itertools
import os
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalement.vault import shamir


@settings(max_examples=60, deadline=None)
@given(secret=st.binary(min_size=1, max_size=96), n=st.integers(min_value=2, max_value=8), data=st.data())
def test_any_threshold_of_the_shares_rebuilds_the_secret(secret: bytes, n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=2, max_value=n))
    shares = shamir.split(secret, n, k)
    chosen = data.draw(st.permutations(shares))[:k]
    assert shamir.combine(chosen) == secret
    assert shamir.combine(shares) == secret  # more than enough is fine too


def test_every_subset_of_three_out_of_five_works() -> None:
    secret = os.urandom(96)
    shares = shamir.split(secret, 5, 3)
    for subset in itertools.combinations(shares, 3):
        assert shamir.combine(list(subset)) == secret


def test_one_share_too_few_does_not_rebuild_the_secret() -> None:
    secret = os.urandom(96)
    shares = shamir.split(secret, 5, 3)
    for subset in itertools.combinations(shares, 2):
        assert shamir.combine(list(subset)) != secret


def test_fewer_shares_than_the_threshold_are_distributed_the_same_whatever_the_secret() -> None:
    """Perfect secrecy, as far as a test can see it: for threshold 3, the first two shares' bytes
    are uniform and independent of the secret. A chi-square test over 256 values for an all-zero
    and an all-0xFF secret must both look uniform (p > 0.001 threshold, df=255 -> chi2 < 330)."""
    for secret_byte in (0x00, 0xFF):
        counts: Counter[int] = Counter()
        for _ in range(400):
            shares = shamir.split(bytes([secret_byte]) * 32, 3, 3)
            counts.update(shares[0][1])
            counts.update(shares[1][1])
        total = sum(counts.values())
        expected = total / 256
        chi2 = sum((counts.get(v, 0) - expected) ** 2 / expected for v in range(256))
        assert chi2 < 330, f"share bytes are not uniform for secret {secret_byte:#x}: chi2={chi2:.0f}"


@pytest.mark.parametrize("n,k", [(1, 1), (3, 1), (2, 3), (300, 2)])
def test_impossible_splits_are_refused(n: int, k: int) -> None:
    with pytest.raises(shamir.ShareError):
        shamir.split(b"secret", n, k)


def test_duplicate_or_mismatched_shares_are_refused() -> None:
    shares = shamir.split(b"secret!!", 3, 2)
    with pytest.raises(shamir.ShareError):
        shamir.combine([shares[0], shares[0]])
    with pytest.raises(shamir.ShareError):
        shamir.combine([shares[0], (shares[1][0], shares[1][1][:-1])])
