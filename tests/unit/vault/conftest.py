"""Key material for vault tests, made once per module (ML-KEM key generation is cheap, but not free)."""

from __future__ import annotations

from pathlib import Path

import pytest

from signalement.vault import epochs
from signalement.vault.keystore import KeyStore
from signalement.vault.suites import SuiteName
from signalement.vault.unseal import MasterKey


class Keys:
    def __init__(self, root: Path, suite: SuiteName) -> None:
        self.store = KeyStore(root)
        self.master: MasterKey = epochs.create_master(self.store, suite)
        self.epoch = epochs.create_epoch(self.store, "d20260101-aaaa", epochs.DIRECTORATE)
        self.other = epochs.create_epoch(self.store, "d20260101-bbbb", epochs.DIRECTORATE)
        epochs.set_current(self.store, self.epoch.key_id)


@pytest.fixture(scope="module", params=[SuiteName.HYBRID, SuiteName.X25519], ids=["hybrid", "x25519"])
def keys(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return Keys(tmp_path_factory.mktemp("keys"), request.param)
