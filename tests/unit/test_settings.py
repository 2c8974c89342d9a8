"""Settings: read from SIGNALEMENT_* variables, and production refuses anything unsafe, saying what to set."""

from __future__ import annotations

import json

import pytest

from signalement.settings import (
    SECRET_LISTS,
    KeyList,
    SettingsError,
    check_production,
    generate_key_entry,
    load_settings,
)


def _prod_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {
        "SIGNALEMENT_ENV": "production",
        "SIGNALEMENT_PUBLIC_URL": "https://tips.example.gc.ca",
        "SIGNALEMENT_DATABASE_URL": "postgresql+asyncpg://app@db/signalement",
        "SIGNALEMENT_KEY_DIR": str(tmp_path / "keys"),
        "SIGNALEMENT_TWILIO_AUTH_TOKEN": "t" * 32,
        "SIGNALEMENT_METRICS_TOKEN": "m" * 32,
    }
    for name in SECRET_LISTS:
        env[f"SIGNALEMENT_{name.upper()}"] = generate_key_entry(prefix="prod-")
    env.update(extra)
    return env


def test_a_complete_production_configuration_is_accepted(tmp_path) -> None:
    check_production(load_settings(_prod_env(tmp_path)))


@pytest.mark.parametrize("change,needle", [
    ({"SIGNALEMENT_DEBUG": "true"}, "DEBUG"),
    ({"SIGNALEMENT_PUBLIC_URL": "http://tips.example.gc.ca"}, "PUBLIC_URL"),
    ({"SIGNALEMENT_DATABASE_URL": ""}, "DATABASE_URL"),
    ({"SIGNALEMENT_PEPPER_KEYS": ""}, "PEPPER_KEYS"),
    ({"SIGNALEMENT_FORM_KEYS": generate_key_entry()}, "development key"),
    ({"SIGNALEMENT_TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN"),
    ({"SIGNALEMENT_METRICS_TOKEN": "short"}, "METRICS_TOKEN"),
    ({"SIGNALEMENT_KEY_DIR": ""}, "KEY_DIR"),
    ({"SIGNALEMENT_KDF_COST": "test"}, "KDF_COST"),
])
def test_production_refuses_each_unsafe_setting_and_names_it(tmp_path, change: dict[str, str], needle: str) -> None:
    env = _prod_env(tmp_path)
    env.update(change)
    env = {k: v for k, v in env.items() if v != ""}
    with pytest.raises(SettingsError) as err:
        check_production(load_settings(env))
    assert needle in str(err.value)


def test_production_never_reads_the_development_secrets_file(tmp_path) -> None:
    env = _prod_env(tmp_path)
    del env["SIGNALEMENT_AUDIT_KEYS"]
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "dev-secrets.json").write_text(json.dumps({"audit_keys": generate_key_entry()}))
    with pytest.raises(SettingsError, match="AUDIT_KEYS"):
        check_production(load_settings(env))


def test_development_defaults_need_no_configuration(tmp_path) -> None:
    s = load_settings({}, data_dir=str(tmp_path))
    assert s.env == "development" and s.is_sqlite
    assert s.db_url.endswith("/signalement.db")
    assert s.enabled_tiers == {"reporter", "officer", "research"}
    check_production(s)  # a no-op outside production


def test_a_public_host_can_run_the_reporter_tier_alone() -> None:
    assert load_settings({"SIGNALEMENT_TIERS": "reporter"}).enabled_tiers == {"reporter"}
    with pytest.raises(SettingsError, match="unknown tier"):
        load_settings({"SIGNALEMENT_TIERS": "reporter,admin"})


def test_secrets_can_come_from_files_for_kubernetes(tmp_path) -> None:
    f = tmp_path / "pepper"
    f.write_text(generate_key_entry(prefix="k8s-") + "\n")
    s = load_settings({"SIGNALEMENT_PEPPER_KEYS_FILE": str(f)})
    assert s.key_list("pepper_keys").current[0].startswith("k8s-")


def test_typed_values_are_checked() -> None:
    with pytest.raises(SettingsError):
        load_settings({"SIGNALEMENT_SESSION_IDLE_MINUTES": "soon"})
    assert load_settings({"SIGNALEMENT_SESSION_IDLE_MINUTES": "15"}).session_idle_minutes == 15


def test_key_lists_keep_old_keys_for_verification() -> None:
    kl = KeyList.parse(generate_key_entry("new-") + "," + generate_key_entry("old-"), name="x")
    assert kl.current[0].startswith("new-")
    assert kl.get(kl.keys[1][0]) == kl.keys[1][1]
    with pytest.raises(SettingsError):
        KeyList.parse("k1:c2hvcnQ", name="x")  # 5 bytes: too short


def test_every_setting_is_documented() -> None:
    from pathlib import Path

    import msgspec

    from signalement.settings import Settings

    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    for field in msgspec.structs.fields(Settings):
        assert f"SIGNALEMENT_{field.name.upper()}" in doc, field.name


def test_regional_offices_move_a_province_and_reject_what_the_queue_cannot_show() -> None:
    settings = load_settings({"SIGNALEMENT_REGIONAL_OFFICES": "nu=western, NB=quebec"})
    assert settings.regional_office_map == {"NU": "western", "NB": "quebec"}
    for bad in ("XX=ontario", "ON=toronto", "ON"):
        with pytest.raises(SettingsError, match="REGIONAL_OFFICES"):
            load_settings({"SIGNALEMENT_REGIONAL_OFFICES": bad})



def test_a_public_host_holds_neither_the_staff_nor_the_worker_nor_the_audit_keys(tmp_path) -> None:
    env = _prod_env(tmp_path, SIGNALEMENT_TIERS="reporter")
    del env["SIGNALEMENT_STAFF_KEYS"], env["SIGNALEMENT_WORKER_KEYS"], env["SIGNALEMENT_AUDIT_KEYS"]
    # The reporter tier can forge no credential or audit entry and open no job; it is not asked for the keys.
    check_production(load_settings(env))
    env["SIGNALEMENT_TIERS"] = "reporter,officer"
    with pytest.raises(SettingsError) as err:
        check_production(load_settings(env))
    assert "STAFF_KEYS" in str(err.value) and "AUDIT_KEYS" in str(err.value)


def test_the_worker_refuses_to_start_without_its_key_list(tmp_path) -> None:
    from signalement.settings import check_worker_secrets

    env = _prod_env(tmp_path)
    check_worker_secrets(load_settings(env))
    del env["SIGNALEMENT_WORKER_KEYS"]
    with pytest.raises(SettingsError, match="WORKER_KEYS"):
        check_worker_secrets(load_settings(env))


@pytest.mark.parametrize("name,value", [
    ("RETENTION_DAYS", "-1"), ("BACKUP_WINDOW_DAYS", "0"), ("EPOCH_DAYS", "0"), ("OUTBOX_EXPIRY_HOURS", "-5"),
])
def test_durations_below_their_minimum_are_refused_in_every_environment(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({f"SIGNALEMENT_{name}": value})


def test_the_receipt_reserve_is_bounded_and_can_be_turned_off() -> None:
    assert load_settings({}).receipt_reserve == 8
    assert load_settings({"SIGNALEMENT_RECEIPT_RESERVE": "0"}).receipt_reserve == 0
    for value in ("-1", "65"):  # each receipt held is a secret a reader of the worker's memory would learn
        with pytest.raises(SettingsError, match="RECEIPT_RESERVE"):
            load_settings({"SIGNALEMENT_RECEIPT_RESERVE": value})
