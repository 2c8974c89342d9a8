"""Typed settings, read once from ``SIGNALEMENT_*`` environment variables.

This module owns every knob the service has and the rules for production:
``check_production`` refuses a configuration that would quietly put reporters
at risk (a development key, plain HTTP, debug pages). Every field is
documented in ``docs/configuration.md``; a test keeps the two in step.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

PREFIX = "SIGNALEMENT_"
DEV_KEY_PREFIX = "dev-"
TIERS = ("reporter", "officer", "research")

# Secrets that are key lists ("id:base64url,id:base64url", newest first).
SECRET_LISTS = (
    "pepper_keys", "blind_index_keys", "form_keys", "audit_keys",
    "followup_mac_keys", "staff_keys", "worker_keys",
)
# Which processes need which list in production. A host holds only the secrets its tiers use: the public
# (reporter) host never holds the staff keys (it could forge credentials and sessions with them), the
# worker keys (it could open outbox payloads) nor the audit keys (intake writes no audit entry, and with
# them it could forge one). ``worker_keys`` is checked by the worker and key ceremonies.
SECRETS_FOR_TIER = {
    "reporter": ("pepper_keys", "blind_index_keys", "form_keys", "followup_mac_keys"),
    "officer": ("pepper_keys", "blind_index_keys", "form_keys", "audit_keys", "followup_mac_keys", "staff_keys"),
    "research": ("pepper_keys", "blind_index_keys", "form_keys", "audit_keys", "staff_keys"),
}


class SettingsError(Exception):
    """The environment does not describe a configuration we are willing to run."""


class KeyList(msgspec.Struct, frozen=True):
    """Keys for one purpose, newest first, each with an id so old values still verify."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def current(self) -> tuple[str, bytes]:
        return self.keys[0]

    def get(self, key_id: str) -> bytes:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise KeyError(key_id)

    @classmethod
    def parse(cls, text: str, *, name: str) -> KeyList:
        entries: list[tuple[str, bytes]] = []
        for item in filter(None, (part.strip() for part in text.split(","))):
            kid, sep, b64 = item.partition(":")
            if not sep or not kid:
                raise SettingsError(f"{PREFIX}{name.upper()}: each entry must be 'id:base64url'")
            try:
                key = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
            except ValueError as exc:
                raise SettingsError(f"{PREFIX}{name.upper()}: key '{kid}' is not base64url") from exc
            if len(key) < 32:
                raise SettingsError(f"{PREFIX}{name.upper()}: key '{kid}' must be at least 32 bytes")
            entries.append((kid, key))
        if not entries:
            raise SettingsError(f"{PREFIX}{name.upper()} is empty")
        return cls(tuple(entries))

    def is_development(self) -> bool:
        return any(kid.startswith(DEV_KEY_PREFIX) for kid, _ in self.keys)


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the service can be told. Defaults are the embedded development setup."""

    env: Literal["development", "production"] = "development"
    debug: bool = False
    data_dir: str = "./var"
    database_url: str = ""
    key_dir: str = ""
    public_url: str = "http://127.0.0.1:8000"
    tiers: str = ",".join(TIERS)
    redis_url: str = ""
    # Prefix of every key this deployment writes to Redis, so two deployments (or test runs) can share one.
    redis_namespace: str = "signalement"
    hpke_suite: Literal["mlkem768-x25519", "x25519"] = "mlkem768-x25519"
    # Argon2id cost for new receipts and credentials. "test" exists for the test suite only; production refuses it.
    kdf_cost: Literal["standard", "test"] = "standard"
    log_format: Literal["json", "text", ""] = ""
    log_level: str = "INFO"
    # Addresses of reverse proxies whose X-Forwarded-For we trust (comma-separated). Empty: trust none.
    trusted_proxies: str = ""
    # Requests one client address may make in a minute (keyed on the daily-salted hash, never the address).
    # Many workers behind one address (a community centre, a shelter) share it: docs/configuration.md.
    rate_limit_per_minute: int = 300
    # Worker processes of ``signalement serve``; 0 means one per core. Above 1 without Redis, the workers
    # share rate limits, throttles and sessions through files under $DATA_DIR/stores (runtime.Runtime.store).
    web_workers: int = 0
    # Receipts each worker process derives ahead while its Argon2id threads are idle, kept in memory only
    # (receipt_reserve, decision 18); 0 derives every receipt when the report is filed.
    receipt_reserve: int = 8

    # Secrets. Key lists are "id:base64url" entries, newest first.
    pepper_keys: str = ""
    blind_index_keys: str = ""
    form_keys: str = ""
    audit_keys: str = ""
    # Authenticates each case's follow-up public key (officers seal replies to it): intake and officer tiers.
    followup_mac_keys: str = ""
    # Authenticates staff credentials, sessions and CSRF tokens: officer and research tiers only.
    staff_keys: str = ""
    # Seals the worker's private key file in the key store: the worker process only.
    worker_keys: str = ""
    metrics_token: str = ""

    twilio_auth_token: str = ""
    # Earlier auth tokens still accepted on webhooks while a rotation completes (comma-separated).
    twilio_previous_auth_tokens: str = ""
    twilio_account_sid: str = ""
    twilio_from_number: str = ""
    # A Messaging Service SID (MG...): when set, texts go out through it instead of from ``twilio_from_number``.
    twilio_messaging_service_sid: str = ""
    twilio_api_base: str = "https://api.twilio.com"
    # An SMS conversation with no message for this long is deleted; the next text starts afresh.
    sms_idle_minutes: int = 30

    # Machine translation for officers (translation.py), off while empty: the address of a LibreTranslate
    # server the department runs on its own network. Its output is shown on demand, labelled, never stored.
    translation_url: str = ""
    translation_api_key: str = ""
    translation_timeout_seconds: float = 10.0

    # Where "Quick exit" goes: a neutral page that does not suggest a tip line.
    quick_exit_url: str = "https://weather.gc.ca/"

    # Officer sessions.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 10

    # Retention and triage deadlines.
    retention_days: int = 730
    backup_window_days: int = 35
    # A new directorate epoch is made by the worker when the current one is this old, with no password.
    epoch_days: int = 30
    # Outbound texts not sent within this many hours are dropped, and the phone number with them.
    outbox_expiry_hours: int = 48
    staged_evidence_hours: int = 24
    sla_immediate_hours: int = 24
    sla_high_business_days: int = 2
    sla_standard_business_days: int = 10
    # After the first response (``deadlines``): the resolution target, in business days from receipt, plus any
    # time spent waiting for the reporter or a partner. An interpreter request has its own clock, in hours.
    sla_resolve_immediate_business_days: int = 10
    sla_resolve_high_business_days: int = 30
    sla_resolve_standard_business_days: int = 60
    sla_interpreter_hours: int = 24
    cluster_alert_threshold: int = 3
    # Triage's trained second opinion (decision 0020): it may only raise the rules' urgency. On since blind
    # rounds 14 and 15 confirmed it (docs/triage.md); ``false`` leaves the rules alone.
    triage_second_opinion: bool = True
    # Province to regional office, as "ON=ontario,QC=quebec,..."; provinces not listed keep the default
    # table in ``triage.routing``.
    regional_offices: str = ""
    # Officers read times in their regional office's time zone: "atlantic=America/Halifax,...". Offices not
    # listed, and staff with no region, use ``default_time_zone``. Stored times and exports stay UTC.
    office_time_zones: str = ""
    default_time_zone: str = "America/Toronto"

    # Research metrics (metrics/, /research/). Counts are kept in memory and written every
    # ``metrics_flush_seconds`` (and at shutdown): a crash loses at most that long of counts.
    metrics_flush_seconds: float = 60.0
    # Hourly cells older than this many days are rolled into day cells at the next flush (metrics.rollup).
    metrics_hourly_days: int = 2
    research_k: int = 10  # small-cell threshold: any count under it shows as "<k" everywhere
    # The research pages render snapshots recomputed off the request path once older than this (metrics.snapshots).
    research_snapshot_seconds: float = 300.0
    feedback_retention_days: int = 180  # sealed feedback comments are deleted after this many days
    # One experiment, "name@step:arm=weight,arm=weight" (metrics.experiments); empty: none running.
    experiment: str = ""
    experiment_min_sample: int = 200  # visits per arm before a result is shown

    # Worker.
    worker_poll_seconds: float = 2.0
    worker_max_attempts: int = 8

    # ---- derived values -------------------------------------------------
    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def key_path(self) -> Path:
        return Path(self.key_dir) if self.key_dir else self.data_path / "keys"

    @property
    def secrets_file(self) -> Path:
        """Development-only file holding generated key lists; production reads the environment."""
        return self.key_path / "dev-secrets.json"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_path / 'signalement.db').as_posix()}"

    @property
    def serve_workers(self) -> int:
        """How many worker processes ``signalement serve`` starts: the setting, or one per usable core."""
        if self.web_workers:
            return self.web_workers
        try:
            return len(os.sched_getaffinity(0)) or 1
        except AttributeError:  # not on Linux
            return os.cpu_count() or 1

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def enabled_tiers(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.tiers.split(",") if t.strip())

    @property
    def regional_office_map(self) -> dict[str, str]:
        """``regional_offices`` parsed; ``load_settings`` has already checked it."""
        pairs = (entry.split("=", 1) for entry in self.regional_offices.split(",") if entry.strip())
        return {prov.strip().upper(): office.strip() for prov, office in pairs}

    def time_zone_for(self, region: str | None) -> ZoneInfo:
        """The time zone a staff member of ``region`` reads times in; ``load_settings`` checked the names."""
        pairs = (entry.split("=", 1) for entry in self.office_time_zones.split(",") if entry.strip())
        zones = {office.strip(): zone.strip() for office, zone in pairs}
        return ZoneInfo(zones.get(region or "", self.default_time_zone))

    @property
    def effective_log_format(self) -> str:
        return self.log_format or ("json" if self.is_production else "text")

    def key_list(self, name: str) -> KeyList:
        """One purpose's key list, from the environment or, in development, the generated file."""
        if name not in SECRET_LISTS:
            raise KeyError(name)
        raw: str = getattr(self, name)
        if not raw and not self.is_production and self.secrets_file.exists():
            raw = json.loads(self.secrets_file.read_text()).get(name, "")
        if not raw:
            raise SettingsError(
                f"{PREFIX}{name.upper()} is not set. In development run 'signalement init'; "
                f"in production set it to 'id:base64url' (32 random bytes)."
            )
        return KeyList.parse(raw, name=name)


def _env_value(environ: Mapping[str, str], name: str) -> str | None:
    """A setting's raw value: the variable itself, or the file that ``*_FILE`` names (Kubernetes secrets)."""
    key = PREFIX + name.upper()
    if key in environ:
        return environ[key]
    file_key = key + "_FILE"
    if file_key in environ:
        return Path(environ[file_key]).read_text().strip()
    return None


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read settings from the environment; ``overrides`` win (tests and CLI flags use them)."""
    environ = os.environ if environ is None else environ
    raw: dict[str, object] = {}
    for field in msgspec.structs.fields(Settings):
        value = _env_value(environ, field.name)
        if value is not None:
            raw[field.name] = value
    raw.update(overrides)
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid setting: {exc}") from None
    unknown = settings.enabled_tiers - set(TIERS)
    if unknown:
        raise SettingsError(f"{PREFIX}TIERS: unknown tier(s) {sorted(unknown)}; choose from {list(TIERS)}")
    _check_regional_offices(settings.regional_offices)
    _check_time_zones(settings)
    _check_research(settings)
    _check_ranges(settings)
    _check_translation(settings)
    return settings


def _check_translation(settings: Settings) -> None:
    url = settings.translation_url
    if url and (not url.startswith(("http://", "https://")) or "?" in url or "#" in url):
        raise SettingsError(f"{PREFIX}TRANSLATION_URL must be an http:// or https:// address with no query")
    if not 0 < settings.translation_timeout_seconds <= 120:
        raise SettingsError(f"{PREFIX}TRANSLATION_TIMEOUT_SECONDS must be above 0 and at most 120")


def _check_research(settings: Settings) -> None:
    from signalement.metrics.experiments import ExperimentError, parse_experiment

    try:
        parse_experiment(settings.experiment)
    except ExperimentError:
        raise SettingsError(
            f"{PREFIX}EXPERIMENT: '{settings.experiment}' must be name@step:arm=weight,arm=weight "
            "(lower-case letters, digits and '-')"
        ) from None
    if (settings.research_k < 2 or settings.metrics_flush_seconds <= 0 or settings.feedback_retention_days < 1
            or settings.metrics_hourly_days < 1 or settings.research_snapshot_seconds <= 0):
        raise SettingsError(
            f"{PREFIX}RESEARCH_K must be at least 2, {PREFIX}METRICS_FLUSH_SECONDS and "
            f"{PREFIX}RESEARCH_SNAPSHOT_SECONDS above 0, {PREFIX}FEEDBACK_RETENTION_DAYS and "
            f"{PREFIX}METRICS_HOURLY_DAYS at least 1"
        )


# Durations that must be at least this much: a negative retention would purge cases as they close, a zero
# epoch or backup window would rotate or destroy keys on every pass.
_MINIMUMS = {
    "retention_days": 0, "backup_window_days": 1, "epoch_days": 1, "outbox_expiry_hours": 1,
    "staged_evidence_hours": 1, "session_idle_minutes": 1, "session_absolute_hours": 1,
    "worker_max_attempts": 1, "sla_interpreter_hours": 1, "sla_resolve_immediate_business_days": 1,
    "sla_resolve_high_business_days": 1, "sla_resolve_standard_business_days": 1, "sms_idle_minutes": 1,
    "rate_limit_per_minute": 1, "web_workers": 0, "receipt_reserve": 0,
}
# Each receipt in the reserve is a secret a reader of the worker's memory learns before it is handed out
# (decision 18): a few cover a burst of filings, more only widen that window.
_MAXIMUMS = {"receipt_reserve": 64}


def _check_ranges(settings: Settings) -> None:
    for name, least in _MINIMUMS.items():
        value = getattr(settings, name)
        if value < least:
            raise SettingsError(f"{PREFIX}{name.upper()} must be at least {least} (it is {value})")
    for name, most in _MAXIMUMS.items():
        value = getattr(settings, name)
        if value > most:
            raise SettingsError(f"{PREFIX}{name.upper()} must be at most {most} (it is {value})")


def _check_regional_offices(text: str) -> None:
    from signalement.triage.routing import DEFAULT_REGIONAL_OFFICES
    from signalement.triage.taxonomy import PROVINCES

    # Offices have officer-facing names in the catalogues and a queue filter, so a new office is a code
    # change (``officer/labels.py``, ``officer/filters.py``); moving a province between offices is a setting.
    offices = sorted(set(DEFAULT_REGIONAL_OFFICES.values()))
    for entry in (e.strip() for e in text.split(",") if e.strip()):
        prov, sep, office = entry.partition("=")
        if not sep or prov.strip().upper() not in PROVINCES or office.strip() not in offices:
            raise SettingsError(
                f"{PREFIX}REGIONAL_OFFICES: '{entry}' must be PROVINCE=office, with a province from "
                f"{', '.join(PROVINCES)} and an office from {', '.join(offices)}"
            )


def _check_time_zones(settings: Settings) -> None:
    from signalement.triage.routing import DEFAULT_REGIONAL_OFFICES

    offices = sorted(set(DEFAULT_REGIONAL_OFFICES.values()))
    entries = [e.strip() for e in settings.office_time_zones.split(",") if e.strip()]
    for entry in [f"*={settings.default_time_zone}", *entries]:
        office, sep, zone = entry.partition("=")
        try:
            known = bool(sep) and (office == "*" or office.strip() in offices) and bool(ZoneInfo(zone.strip()))
        except (ZoneInfoNotFoundError, ValueError):
            known = False
        if not known:
            raise SettingsError(
                f"{PREFIX}OFFICE_TIME_ZONES / {PREFIX}DEFAULT_TIME_ZONE: '{entry}' must be office=Area/City "
                f"(an IANA time zone), with an office from {', '.join(offices)}"
            )


def check_production(settings: Settings) -> None:
    """Refuse to run in production with anything missing, weak or left over from development."""
    if not settings.is_production:
        return
    problems: list[str] = []
    if settings.debug:
        problems.append(f"{PREFIX}DEBUG is on: set it to false (debug pages can show reporters' input).")
    if not settings.public_url.startswith("https://"):
        problems.append(f"{PREFIX}PUBLIC_URL must be an https:// address.")
    if not settings.database_url:
        problems.append(f"{PREFIX}DATABASE_URL is not set: the SQLite file under ./var is a development default.")
    needed = sorted({name for tier in settings.enabled_tiers for name in SECRETS_FOR_TIER.get(tier, ())},
                    key=SECRET_LISTS.index)
    problems.extend(secret_problems(settings, needed))
    if "reporter" in settings.enabled_tiers and not settings.twilio_auth_token:
        problems.append(f"{PREFIX}TWILIO_AUTH_TOKEN is not set: SMS and voice webhooks cannot be verified.")
    if len(settings.metrics_token) < 24:
        problems.append(f"{PREFIX}METRICS_TOKEN must be set (at least 24 characters) to protect /metrics.")
    if settings.kdf_cost != "standard":
        problems.append(f"{PREFIX}KDF_COST must be 'standard': cheaper Argon2 is for the test suite only.")
    if not settings.key_dir:
        problems.append(f"{PREFIX}KEY_DIR is not set: ./var/keys is a development default.")
    if problems:
        raise SettingsError("refusing to start in production:\n  - " + "\n  - ".join(problems))


def secret_problems(settings: Settings, names: tuple[str, ...] | list[str]) -> list[str]:
    """What is wrong with the named key lists in production: missing, malformed or development keys."""
    problems = []
    for name in names:
        try:
            keys = settings.key_list(name)
        except SettingsError as exc:
            problems.append(str(exc))
            continue
        if settings.is_production and keys.is_development():
            problems.append(f"{PREFIX}{name.upper()} holds a development key ('dev-' id): generate a new one.")
    return problems


def check_worker_secrets(settings: Settings) -> None:
    """The worker (and key ceremonies) need the worker key list on top of what serving needs."""
    problems = secret_problems(settings, ["worker_keys"])
    if problems:
        raise SettingsError("refusing to run the worker:\n  - " + "\n  - ".join(problems))


def generate_key_entry(prefix: str = DEV_KEY_PREFIX) -> str:
    """A fresh 'id:base64url' entry for a key list (used by ``signalement init``)."""
    key = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    return f"{prefix}{os.urandom(3).hex()}:{key}"
