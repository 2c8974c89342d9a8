"""Key ceremonies an admin runs from the command line: rotation, status, break-glass recovery.

* ``rotate`` publishes a new directorate epoch (new reports go to it at once)
  and re-wraps every value of the older epochs with the master key that the
  admin's password and TOTP code opened (``rewrap``). Attachment bodies are
  never re-encrypted: only their 32-byte data keys move.
* ``recovery_split`` writes M-of-N Shamir shares of the master key;
  ``recovery_restore`` rebuilds it from any M and seals it for a new admin,
  so losing every officer password does not lose the data.

Every ceremony that takes the master key out asks for the admin's password
*and* a TOTP code (``accounts.master_for_ceremony``); a refusal is audited.
"""

from __future__ import annotations

import base64
import os
import zlib

import msgspec
from sqlalchemy import select

from signalement import audit
from signalement.ciphertext_fields import count_by_key
from signalement.db.models import KeyEpoch, Officer, Role, utcnow
from signalement.key_records import rotate_directorate
from signalement.rewrap import rewrap_old_epochs
from signalement.runtime import Runtime
from signalement.staff.accounts import NewAccount, create_account, master_for_ceremony, reseal_credential
from signalement.staff.passwords import one_time_password
from signalement.vault import shamir
from signalement.vault.keystore import KeyStore
from signalement.vault.suites import SuiteName, public_bytes_for
from signalement.vault.unseal import MasterKey, PrivateKeyring
from signalement.vault.wrapping import CredentialPayload

SHARE_PREFIX = "SGSHARE1"


class RecoveryError(Exception):
    """Recovery shares are malformed, too few, or do not rebuild this key store's master key."""


class EpochStatus(msgspec.Struct, frozen=True):
    key_id: str
    purpose: str
    current: bool
    created_at: str
    age_days: int
    sealed_values: int
    destroy_after: str | None
    destroyed: bool


async def rotate(runtime: Runtime, admin: str, password: str, code: str) -> tuple[str, int]:
    """New directorate epoch, then every value on older ones re-wrapped to it with the admin's master key.

    Returns the new key id and how many values moved. Nothing is queued for the worker: no epoch key
    ever goes into the database (``rewrap``). Values sealed by a server that had not yet seen the new
    epoch (it re-reads within 30 seconds) move at the next sign-in of any key holder.
    """
    master = await master_for_ceremony(runtime, admin, password, code, ceremony="keys.rotate")
    kid = await rotate_directorate(runtime, actor=admin, reason="ceremony")
    moved = await rewrap_old_epochs(runtime, PrivateKeyring(runtime.keystore, master))
    return kid, moved


async def status(runtime: Runtime) -> list[EpochStatus]:
    store = runtime.keystore
    current = store.current_kid()
    now = utcnow()
    async with runtime.db.reading() as session:
        counts = await count_by_key(session)
        rows = {e.key_id: e for e in (await session.execute(select(KeyEpoch))).scalars()}
    out = []
    for kid in sorted(set(rows) | set(store.epoch_ids())):
        e = rows.get(kid)
        created = e.created_at if e else None
        purpose = e.purpose if e else store.epoch_public(kid).purpose
        out.append(EpochStatus(
            key_id=kid, purpose=purpose, current=kid == current,
            created_at=created.isoformat(timespec="seconds") if created else "",
            age_days=(now - created).days if created else 0, sealed_values=counts.get(kid, 0),
            destroy_after=e.destroy_after.date().isoformat() if e and e.destroy_after else None,
            destroyed=bool(e and e.destroyed_at) or not store.sealed_path(kid).exists(),
        ))
    return out


# ---- break-glass recovery -------------------------------------------------------------------

def _share_text(master: MasterKey, threshold: int, x: int, y: bytes) -> str:
    data = base64.b32encode(y).decode().rstrip("=")
    body = f"{SHARE_PREFIX}-{master.key_id}-{master.suite.value}-{threshold}-{x}-{data}"
    return f"{body}-{zlib.crc32(body.encode()):08x}"


def parse_share(text: str) -> tuple[str, str, int, int, bytes]:
    text = "".join(text.split())
    try:
        body, crc = text.rsplit("-", 1)
        if f"{zlib.crc32(body.encode()):08x}" != crc.lower():
            raise RecoveryError("a share was mistyped (checksum does not match)")
        # Key ids and suite names contain dashes ("m-6fafe412", "mlkem768-x25519"); base32 and numbers do not.
        parts = body.split("-")
        if parts[0] != SHARE_PREFIX or len(parts) < 6:
            raise RecoveryError("not a Signalement recovery share")
        threshold, x, data = parts[-3:]
        middle = "-".join(parts[1:-3])
        suite = next((sv.value for sv in SuiteName if middle.endswith("-" + sv.value)), None)
        if suite is None:
            raise RecoveryError("malformed share")
        y = base64.b32decode(data + "=" * (-len(data) % 8))
        return middle[: -len(suite) - 1], suite, int(threshold), int(x), y
    except (ValueError, TypeError) as exc:
        raise RecoveryError("malformed share") from exc


async def recovery_split(runtime: Runtime, admin: str, password: str, code: str, shares: int,
                         threshold: int) -> list[str]:
    master = await master_for_ceremony(runtime, admin, password, code, ceremony="keys.recovery_split")
    async with runtime.db.writing() as session:
        await audit.append(session, runtime.audit_keys, actor=admin, action="keys.recovery_split",
                           object_type="key", object_id=master.key_id,
                           detail={"shares": shares, "threshold": threshold})
        await session.commit()
    return [_share_text(master, threshold, x, y) for x, y in shamir.split(master.private, shares, threshold)]


def combine_shares(store: KeyStore, texts: list[str]) -> MasterKey:
    parsed = [parse_share(t) for t in texts if t.strip()]
    if not parsed:
        raise RecoveryError("no shares given")
    kids = {p[0] for p in parsed}
    suites = {p[1] for p in parsed}
    thresholds = {p[2] for p in parsed}
    if len(kids) != 1 or len(suites) != 1 or len(thresholds) != 1:
        raise RecoveryError("shares come from different splits")
    threshold = thresholds.pop()
    if len(parsed) < threshold:
        raise RecoveryError(f"need {threshold} shares, got {len(parsed)}")
    try:
        secret = shamir.combine([(x, y) for _, _, _, x, y in parsed])
    except shamir.ShareError as exc:
        raise RecoveryError(str(exc)) from exc
    master = store.master_public()
    suite = SuiteName(suites.pop())
    kid = kids.pop()
    # The rebuilt key must match the published master public key: wrong or corrupted shares cannot slip through.
    try:
        ok = kid == master.key_id and public_bytes_for(suite, secret) == master.public
    except ValueError:
        ok = False
    if not ok:
        raise RecoveryError("the shares do not rebuild this key store's master key")
    return MasterKey(key_id=kid, suite=suite, private=secret)


async def recovery_restore(runtime: Runtime, texts: list[str], username: str) -> NewAccount:
    """Rebuild the master key and give it to ``username`` (created as an admin if new)."""
    master = combine_shares(runtime.keystore, texts)
    async with runtime.db.writing() as session:
        officer = await session.scalar(select(Officer).where(Officer.username == username.strip().lower()))
        if officer is None:
            account = await create_account(runtime, session, username=username, display_name=username,
                                           role=Role.ADMIN, region=None, master=master, actor="recovery",
                                           enrol_totp=True)
        else:
            password = one_time_password()
            totp = os.urandom(20)
            officer.role, officer.active, officer.must_change_password = Role.ADMIN, True, True
            officer.totp_enrolled, officer.totp_last_step = True, 0
            payload = CredentialPayload(totp_secret=totp).with_master(master)
            await reseal_credential(runtime, session, officer, password, payload)
            account = NewAccount(officer_id=officer.id, username=officer.username, role=Role.ADMIN.value,
                                 one_time_password=password, totp_secret=totp)
        await audit.append(session, runtime.audit_keys, actor="recovery", action="keys.recovery_restore",
                           object_type="officer", object_id=str(account.officer_id),
                           detail={"shares": len(texts), "master": master.key_id})
        await session.commit()
    return account
