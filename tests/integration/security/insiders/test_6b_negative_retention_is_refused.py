"""Finding 6b: a negative ``SIGNALEMENT_RETENTION_DAYS`` would purge cases the moment they close. It is refused."""

from __future__ import annotations

import pytest

from signalement.settings import SettingsError, load_settings
from support.live import free_port, start_server


def test_a_negative_retention_is_refused_when_settings_load() -> None:
    with pytest.raises(SettingsError, match="RETENTION_DAYS"):
        load_settings({"SIGNALEMENT_RETENTION_DAYS": "-1"})
    assert load_settings({"SIGNALEMENT_RETENTION_DAYS": "0"}).retention_days == 0


def test_the_server_does_not_start_with_a_negative_retention(tmp_path) -> None:
    settings = load_settings({}, data_dir=str(tmp_path / "var"))
    with pytest.raises(RuntimeError, match="RETENTION_DAYS"):
        start_server(settings, tmp_path / "server.log", port=free_port(),
                     extra_env={"SIGNALEMENT_RETENTION_DAYS": "-30"}, timeout=20)
