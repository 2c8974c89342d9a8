"""Split tiers (issue 16, part 3): a public intake process and an internal staff process on one database.

Two real ``signalement serve`` processes on 127.0.0.1 share one PostgreSQL database, configured the way
``infra/k8s/overlays/split-tiers`` configures its pods:

* **public**: ``SIGNALEMENT_TIERS=reporter`` with ``SIGNALEMENT_ENV=production`` (so the production check
  passes with what it holds); the pepper, blind-index, form and follow-up MAC keys, the metrics token and the
  Twilio auth token in its environment, nothing else; a key folder of its own holding public keys only.
* **internal**: ``SIGNALEMENT_TIERS=officer,research``; the staff and audit keys as well; the key store as
  staff pods mount it (epoch keys sealed to the master key, no worker key).

From the attacker's side of the public host we prove: none of the officer or research routes in the app's
route table answers there (404 for each of their methods, while the internal process serves them); its
environment and key folder hold no private key and no staff, audit or worker secret; and a case filed through
it does not open with anything it holds, nor with the sealed epoch keys of the shared key store that the
Kubernetes intake pods mount read-only. The internal process opens the same case once an officer signs in.
The attack is shown able to succeed: given one officer password, the same code opens the case.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import msgspec
import pytest
from sqlalchemy import select

from integration.reporter.reporting import STORY, Reporter
from signalement.app import create_app
from signalement.db.models import Case, CaseField, OfficerCredential, Role
from signalement.runtime import Runtime
from signalement.settings import KeyList, Settings, load_settings
from signalement.vault.envelope import Envelope, SealedValueError
from signalement.vault.keystore import KeyStore, decode_public
from signalement.vault.opening import open_with, private_key_from_bytes
from signalement.vault.suites import PRIVATE_LEN
from signalement.vault.unseal import KEYSTORE_CASE, MasterKey, PrivateKeyring, epoch_field
from signalement.vault.wrapping import WrongPasswordError, open_credential
from support import pg
from support.cluster import (
    PUBLIC_SECRETS,
    STAFF_SECRETS,
    behind_tls,
    dev_secrets,
    process_env,
    process_environ,
    production_secrets,
    public_key_folder,
    spawn_server,
    staff_key_folder,
    stop_all,
    wait_healthy,
)
from support.live import LiveServer
from support.officers import create_officer, sign_in_api
from support.stack import AdminLogin, Template, clone

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
NARRATIVE_START = STORY.splitlines()[0]
# The public process runs as in production: the production check passes with only its own secrets.
PRODUCTION = {"SIGNALEMENT_ENV": "production", "SIGNALEMENT_KDF_COST": "standard",
              "SIGNALEMENT_TWILIO_AUTH_TOKEN": "t" * 32}


class Split(msgspec.Struct, kw_only=True):
    settings: Settings  # the operator's view (template clone): used only to set up and to check
    admin: AdminLogin
    secrets: dict[str, str]
    public: LiveServer
    internal: LiveServer
    public_keys: Path
    staff_keys: Path


@pytest.fixture(scope="module")
def split(templates: dict[str, Template], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Split]:
    pg.require_postgres()
    root = tmp_path_factory.mktemp("split")
    template = templates["postgres"]
    settings, database = clone(template, root)
    # The keys both tiers share are fresh production keys; the staff and audit keys stay the template's (its
    # accounts are stamped with them), so the internal process runs in development mode.
    secrets = {**dev_secrets(settings), **{n: v for n, v in production_secrets().items() if n in PUBLIC_SECRETS}}
    public_keys = public_key_folder(settings.key_path, root / "public" / "keys")
    staff_keys = staff_key_folder(settings.key_path, root / "internal" / "keys")
    public_env = process_env(settings, tiers="reporter", key_dir=public_keys, data_dir=root / "public" / "data",
                             secrets=secrets, names=PUBLIC_SECRETS, extra=PRODUCTION)
    public = spawn_server(public_env, root / "public.log", public_url="https://tips.example.test")
    internal = spawn_server(process_env(settings, tiers="officer,research", key_dir=staff_keys,
                                        data_dir=root / "internal" / "data", secrets=secrets, names=STAFF_SECRETS),
                            root / "internal.log")
    try:
        wait_healthy([public, internal])
        yield Split(settings=settings, admin=template.admin, secrets=secrets, public=public, internal=internal,
                    public_keys=public_keys, staff_keys=staff_keys)
    finally:
        stop_all([public, internal])
        assert database
        pg.drop_database(database)


@pytest.fixture
async def operator(split: Split) -> AsyncIterator[Runtime]:
    """The operator's own connection (to make an officer account and look rows up), on this test's loop."""
    runtime = Runtime(split.settings)
    try:
        yield runtime
    finally:
        await runtime.close()


def _staff_routes(settings: Settings) -> list[tuple[str, str]]:
    """(method, concrete path) for every route the full app has and a reporter-only app does not."""
    public_paths = {r.path for r in create_app(load_settings({}, **_dev(settings, "reporter"))).routes}
    out = []
    for route in create_app(load_settings({}, **_dev(settings, "reporter,officer,research"))).routes:
        if route.path in public_paths:
            continue
        path = route.path
        for name, param in route.path_parameters.items():
            value = "1" if param.type is int else "scalar" if name == "path" else "x1"
            path = re.sub(r"\{" + re.escape(name) + r":[a-z]+\}", value, path)
        out.extend((method, path) for method in sorted(getattr(route, "methods", ())) if method != "OPTIONS")
    return out


def _dev(settings: Settings, tiers: str) -> dict[str, object]:
    return {"data_dir": settings.data_dir, "database_url": settings.database_url, "tiers": tiers,
            "kdf_cost": "test"}


def test_the_public_instance_answers_no_officer_or_research_route(split: Split) -> None:
    routes = _staff_routes(split.settings)
    paths = {p for _, p in routes}
    assert len(routes) > 50 and any(p.startswith("/officer") for p in paths) and "/research" in paths
    assert {"/api/v1/session", "/schema/openapi.json"} <= paths
    answered_public: list[tuple[str, str, int]] = []
    missing_internal: list[tuple[str, str]] = []
    with httpx.Client(base_url=split.public.base_url, timeout=10) as pub, \
            httpx.Client(base_url=split.internal.base_url, timeout=10) as internal:
        for method, path in routes:
            r = pub.request(method, path)
            if r.status_code != 404:
                answered_public.append((method, path, r.status_code))
            if internal.request(method, path).status_code in (404, 405):
                missing_internal.append((method, path))
        # The public instance is up, ready and serving its own tier: the 404s above are not a dead server.
        assert pub.get("/en/report").status_code == 200
        assert pub.get("/readyz").json()["ready"] is True
        assert internal.get("/en/report").status_code == 404
    assert answered_public == []
    # The route list is real: the internal process serves every one of them (a guard may refuse; none is 404).
    assert missing_internal == []


def _key_material(text: str) -> list[bytes]:
    """Every key a secret variable's value could hold: a key list's entries, or the raw value."""
    try:
        return [key for _, key in KeyList.parse(text, name="x").keys]
    except Exception:  # not a key list: the value itself is the candidate
        return [text.encode()]


def test_the_public_instance_holds_no_private_key_and_no_staff_secret(split: Split) -> None:
    environ = process_environ(split.public.process.pid)
    assert environ["SIGNALEMENT_TIERS"] == "reporter" and environ["SIGNALEMENT_ENV"] == "production"
    held = {k for k in environ if k.startswith("SIGNALEMENT_") and k.endswith(("_KEYS", "_TOKEN"))}
    assert held == {f"SIGNALEMENT_{n.upper()}" for n in PUBLIC_SECRETS} | {"SIGNALEMENT_TWILIO_AUTH_TOKEN"}
    # No value of a secret it must not have, under any variable name, raw or encoded.
    forbidden = [k for name in ("staff_keys", "audit_keys", "worker_keys") for k in _key_material(split.secrets[name])]
    forbidden += [base64.urlsafe_b64encode(k).rstrip(b"=") for k in list(forbidden)]
    values = [k for v in environ.values() for k in _key_material(v)] + [v.encode() for v in environ.values()]
    assert len(forbidden) >= 6 and not [k for k in forbidden if any(k in v for v in values)]
    assert environ["SIGNALEMENT_KEY_DIR"] == str(split.public_keys)
    # Its key folder: public keys and the pointer to the current one. No sealed or clear private key.
    files = sorted(p.relative_to(split.public_keys).as_posix() for p in split.public_keys.rglob("*") if p.is_file())
    assert "current" in files and "master.json" in files and "worker.json" in files
    for name in files:
        raw = (split.public_keys / name).read_bytes()
        if name == "current":
            assert re.fullmatch(rb"[a-z0-9-]+\s*", raw)
            continue
        assert name.endswith(".json"), name
        key = decode_public(raw)  # raises on anything that is not a public key file
        assert set(json.loads(raw)) <= {"kid", "suite", "purpose", "public", "created"}, name
        assert key.key_object() is not None  # a real public key of its suite
    # The reference copy it was made from does hold private keys (sealed): the check above can fail.
    assert any(p.suffix in {".sealed", ".key"} for p in split.settings.key_path.rglob("*"))


class PublicHostLoot(msgspec.Struct, kw_only=True):
    """Everything an intruder on the public host can read: its environment, its key folder, every row of the
    database it connects to, and (as the Kubernetes intake pods mount it) the shared key store's sealed epochs."""

    secrets: list[bytes]
    passwords: list[str]
    files: dict[str, bytes]
    credentials: list[tuple[int, dict[str, object], bytes]]
    fields: list[tuple[str, str, bytes]]


def _candidate_keys(loot: PublicHostLoot, length: int) -> list[bytes]:
    """Every byte string of ``length`` that could be a private key: each secret and file, and each base64 field
    in the files, decoded; every window over the short ones (a key inside a secret), the first and last
    ``length`` bytes of the long ones (a key stored next to another value)."""
    blobs = list(loot.secrets) + list(loot.files.values())
    for raw in loot.files.values():
        for token in re.findall(rb"[A-Za-z0-9+/=_-]{40,}", raw):
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    blobs.append(decode(token + b"=" * (-len(token) % 4)))
                except ValueError:
                    pass
    out: set[bytes] = set()
    for blob in blobs:
        if len(blob) <= 4 * length:
            out.update(blob[i:i + length] for i in range(0, max(0, len(blob) - length) + 1))
        else:
            out.update((blob[:length], blob[-length:]))
    return sorted(c for c in out if len(c) == length)


def _attack(loot: PublicHostLoot, case_id: str) -> bytes | None:
    """Try to open the case's narrative with the loot. Returns the plaintext if anything opens it."""
    narrative = next(env for cid, name, env in loot.fields if cid == case_id and name == "narrative")
    envelope = Envelope.from_bytes(narrative)
    epoch_id, suite = envelope.key_id, envelope.suite
    master_id = json.loads(loot.files["master.json"])["kid"]
    sealed_epoch = loot.files.get(f"epochs/{epoch_id}.sealed")
    # 1. Any byte string as the epoch's private key, directly; or as the master key, opening the epoch's
    #    private key from the shared store's sealed copy.
    for raw in _candidate_keys(loot, PRIVATE_LEN[suite]):
        try:
            key = private_key_from_bytes(suite, raw)
        except (SealedValueError, ValueError):
            continue
        try:
            return open_with(narrative, key, suite, epoch_id, case_id=case_id, field="narrative")
        except SealedValueError:
            pass
        if sealed_epoch is not None and Envelope.from_bytes(sealed_epoch).suite is suite:
            try:
                epoch = open_with(sealed_epoch, key, suite, master_id, case_id=KEYSTORE_CASE,
                                  field=epoch_field(epoch_id))
            except SealedValueError:
                continue
            return open_with(narrative, private_key_from_bytes(suite, epoch), suite, epoch_id,
                             case_id=case_id, field="narrative")
    # 2. Any string it holds as an officer's password, opening a credential that holds the master key.
    for officer_id, kdf, blob in loot.credentials:
        for password in loot.passwords:
            try:
                payload = open_credential(password, officer_id, kdf, blob)
            except WrongPasswordError:
                continue
            master = payload.master()
            if master is None:
                continue
            ring = _LootKeyring(KeyStore(Path("/nonexistent")), master, loot.files)
            return ring.open(narrative, case_id=case_id, field="narrative")
    return None


class _LootKeyring(PrivateKeyring):
    """The officer tier's keyring, reading sealed epoch keys from the loot instead of a folder."""

    def __init__(self, store: KeyStore, master: MasterKey, files: dict[str, bytes]) -> None:
        super().__init__(store, master)
        self._files = files

    def epoch_key(self, kid: str):  # type: ignore[no-untyped-def]  # noqa: ANN201
        raw = open_with(self._files[f"epochs/{kid}.sealed"], self.master.key_object(), self.master.suite,
                        self.master.key_id, case_id=KEYSTORE_CASE, field=epoch_field(kid))
        suite = decode_public(self._files[f"epochs/{kid}.json"]).suite
        return suite, private_key_from_bytes(suite, raw)


async def _loot(split: Split, operator: Runtime) -> PublicHostLoot:
    environ = process_environ(split.public.process.pid)
    secrets = [k for name, v in environ.items() if name.startswith("SIGNALEMENT_") for k in _key_material(v)]
    passwords = [v for name, v in environ.items() if name.startswith("SIGNALEMENT_")]
    passwords += [base64.urlsafe_b64encode(k).decode().rstrip("=") for k in secrets]
    files = {p.relative_to(split.public_keys).as_posix(): p.read_bytes()
             for p in split.public_keys.rglob("*") if p.is_file()}
    # The Kubernetes intake pods mount the shared key store read-only: give the intruder its sealed epochs too.
    files.update({p.relative_to(split.staff_keys).as_posix(): p.read_bytes()
                  for p in split.staff_keys.rglob("*.sealed")})
    # The database, read with the public host's own connection string (every credential and sealed field).
    async with operator.db.reading() as session:
        creds = [(c.officer_id, c.kdf, c.blob) for c in (await session.execute(select(OfficerCredential))).scalars()]
        fields = [(f.case_id, f.name, f.envelope) for f in (await session.execute(select(CaseField))).scalars()]
    assert environ["SIGNALEMENT_DATABASE_URL"] == operator.settings.database_url
    return PublicHostLoot(secrets=secrets, passwords=passwords, files=files, credentials=creds, fields=fields)


async def test_a_case_filed_on_the_public_tier_opens_only_on_the_internal_tier(split: Split, operator: Runtime) -> None:
    # A reporter files through the public instance.
    async with behind_tls(httpx.AsyncClient(base_url=split.public.base_url, timeout=30)) as client:
        reporter = Reporter(client)  # type: ignore[arg-type]
        await reporter.fill()
        receipt = await reporter.submit()
        assert receipt.status == 200, receipt.errors()
        code, _secret = receipt.receipt()
    async with operator.db.reading() as session:
        case = await session.scalar(select(Case).where(Case.case_code == code.replace("-", "")))
    assert case is not None
    # It is sealed before the first write: the narrative is nowhere in clear.
    loot = await _loot(split, operator)
    assert not any(NARRATIVE_START.encode() in env for _, _, env in loot.fields)
    assert len(loot.credentials) >= 1 and any(n.endswith(".sealed") for n in loot.files)

    # The intruder on the public host, with everything it holds, opens nothing.
    assert _attack(loot, case.id) is None
    # ... and the same attack succeeds the moment it holds one thing the public host never has: an
    # officer's password. The attack code can open a case; the public host lacks the key to it.
    stronger = msgspec.structs.replace(loot, passwords=[*loot.passwords, split.admin.password])
    opened = _attack(stronger, case.id)
    assert opened is not None and opened.decode().startswith(NARRATIVE_START)

    # No sign-in exists on the public instance at all.
    async with behind_tls(httpx.AsyncClient(base_url=split.public.base_url, timeout=30)) as client:
        assert (await client.get("/api/v1/session")).status_code == 404
        assert (await client.post("/officer/sign-in", data={"username": "x", "password": "y"})).status_code == 404

    # The internal instance opens the case once an officer signs in (the password unlocks the master key).
    officer = await create_officer(operator, split.admin, Role.OFFICER, region="ontario")
    async with httpx.AsyncClient(base_url=split.internal.base_url, timeout=30) as client:
        assert (await client.get(f"/api/v1/cases/{case.id}")).status_code in (401, 403)
        token = await sign_in_api(client, operator, officer)
        r = await client.get(f"/api/v1/cases/{case.id}", headers={"x-csrftoken": token})
        assert r.status_code == 200, r.text[:300]
        assert r.json()["case"]["narrative"].startswith(NARRATIVE_START)

