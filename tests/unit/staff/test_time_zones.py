"""Staff read times in their office's time zone (named, in their language); the setting is checked at start."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from signalement import i18n
from signalement.settings import SettingsError, load_settings
from signalement.staff.wording import StaffWording

WINTER = dt.datetime(2026, 12, 4, 14, 5, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 4, 14, 5, tzinfo=dt.UTC)


def test_each_office_reads_its_own_zone_and_the_rest_the_default() -> None:
    settings = load_settings({}, office_time_zones="atlantic=America/Halifax, western=America/Vancouver")
    assert settings.time_zone_for("atlantic") == ZoneInfo("America/Halifax")
    assert settings.time_zone_for("western") == ZoneInfo("America/Vancouver")
    assert settings.time_zone_for("ontario") == ZoneInfo("America/Toronto")  # the default
    assert settings.time_zone_for(None) == ZoneInfo("America/Toronto")


@pytest.mark.parametrize(
    "overrides",
    [
        {"office_time_zones": "atlantic=Mars/Olympus"},
        {"office_time_zones": "yukon=America/Whitehorse"},
        {"office_time_zones": "atlantic"},
        {"default_time_zone": "EST5EDT-nope"},
    ],
)
def test_a_zone_or_office_that_does_not_exist_stops_the_start(overrides: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="TIME_ZONE"):
        load_settings({}, **overrides)


def test_times_are_shown_in_the_zone_with_its_name_in_the_readers_language() -> None:
    toronto = ZoneInfo("America/Toronto")
    en = StaffWording(i18n.BY_CODE["en"], WINTER, toronto)
    fr = StaffWording(i18n.BY_CODE["fr"], WINTER, toronto)
    assert en.when(WINTER) == "2026-12-04 09:05 EST"
    assert en.when(SUMMER) == "2026-07-04 10:05 EDT"
    assert fr.when(WINTER) == "2026-12-04 09:05 HNE"
    assert StaffWording(i18n.BY_CODE["en"], WINTER).when(WINTER) == "2026-12-04 14:05 UTC"
    late = dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.UTC)  # 21:00 on the 4th in Toronto
    assert en.day(late) == "2026-12-04"
