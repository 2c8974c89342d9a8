"""First sign-in and password changes: enrol TOTP, replace the one-time password, re-seal the credential.

Until both are done, the session is in the *set-up* stage and reaches
nothing but the set-up page and sign-out. The opened credential (TOTP
secret, master key) waits in the session sealed to the key cookie; the
credential is re-sealed under the new password in the same transaction
that records the enrolment, so a half-finished set-up changes nothing.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import update

from signalement import audit
from signalement.db.models import Officer
from signalement.errors import NotFoundError, SignalementError
from signalement.i18n import N_
from signalement.runtime import Runtime
from signalement.staff import totp
from signalement.staff.accounts import (
    CredentialRejectedError,
    audit_rejected_credential,
    authenticate,
    reseal_credential,
)
from signalement.staff.passwords import WeakPasswordError, check_password
from signalement.staff.signin import credential_stamp
from signalement.throttle import FailureCounter
from signalement.vault.wrapping import CredentialPayload

PASSWORD_PROBLEMS = {
    "too_short": N_("Use at least 12 characters."),
    "too_long": N_("Use at most 64 characters."),
    "too_guessable": N_("This password is too easy to guess. Try a few unrelated words."),
}
MISMATCH = N_("The two new passwords are not the same.")
WRONG_CODE = N_("This code is not right. Enter the code your app shows now.")
WRONG_CURRENT = N_("Your current password is not right.")
TOO_MANY = N_("Too many wrong passwords. Wait 15 minutes and try again.")
# The change form checks the current password: without a limit it is a password oracle for anyone at an
# unlocked workstation. Five wrong answers per account in 15 minutes, then 429 whatever the answer.
CHANGE_FAILURE_LIMIT = 5
CHANGE_WINDOW_SECONDS = 15 * 60


class PasswordChangeThrottledError(SignalementError):
    """Too many wrong current passwords on the change form: wait before trying again."""

    status_code = 429


class FormRejectedError(SignalementError):
    """Some fields of a set-up or password form are not acceptable; ``problems`` says which and why."""

    status_code = 400

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


class SetupNeeds(msgspec.Struct, frozen=True, kw_only=True):
    username: str
    display_name: str
    enrol_totp: bool
    change_password: bool


class SetupDone(msgspec.Struct, frozen=True, kw_only=True):
    payload: CredentialPayload
    credential_at: str


async def needs(runtime: Runtime, officer_id: int) -> SetupNeeds:
    async with runtime.db.reading() as session:
        officer = await session.get(Officer, officer_id)
    if officer is None or not officer.active:
        raise NotFoundError
    return SetupNeeds(
        username=officer.username,
        display_name=officer.display_name,
        enrol_totp=not officer.totp_enrolled,
        change_password=officer.must_change_password,
    )


def _check_new(new: str, confirm: str, inputs: list[str]) -> dict[str, str]:
    problems = {}
    try:
        check_password(new, user_inputs=inputs)
    except WeakPasswordError as exc:
        problems["new_password"] = PASSWORD_PROBLEMS[exc.reason]
    if new != confirm:
        problems["confirm"] = MISMATCH
    return problems


async def complete(
    runtime: Runtime,
    officer_id: int,
    payload: CredentialPayload,
    *,
    pending_totp: bytes | None,
    code: str,
    new_password: str,
    confirm: str,
    current_password: str,
) -> SetupDone:
    """Finish a first sign-in; ``FormRejectedError`` lists what to fix."""
    want = await needs(runtime, officer_id)
    problems: dict[str, str] = {}
    step = None
    if want.enrol_totp:
        step = totp.verify(pending_totp or b"", code, 0) if pending_totp else None
        if step is None:
            problems["code"] = WRONG_CODE
    if want.change_password:
        problems |= _check_new(new_password, confirm, [want.username, want.display_name])
    if problems:
        raise FormRejectedError(problems)
    password = new_password if want.change_password else current_password
    if want.enrol_totp:
        payload = msgspec.structs.replace(payload, totp_secret=pending_totp)
    async with runtime.db.writing() as session:
        if not want.change_password:
            try:
                found = await authenticate(runtime, session, want.username, current_password)
            except CredentialRejectedError:
                found = None
            if found is None:
                raise FormRejectedError({"current_password": WRONG_CURRENT})
        officer = await session.get(Officer, officer_id)
        assert officer is not None
        await reseal_credential(runtime, session, officer, password, payload)
        officer.must_change_password = False
        if want.enrol_totp and step is not None:
            # The enrolment code is spent: it cannot also be used to sign in.
            await session.execute(
                update(Officer)
                .where(Officer.id == officer_id)
                .values(totp_enrolled=True, totp_last_step=step)
            )
            await audit.append(
                session,
                runtime.audit_keys,
                actor=want.username,
                action="auth.totp_enrol",
                object_type="officer",
                object_id=str(officer_id),
            )
        if want.change_password:
            await audit.append(
                session,
                runtime.audit_keys,
                actor=want.username,
                action="auth.password_change",
                object_type="officer",
                object_id=str(officer_id),
                detail={"first": True},
            )
        await session.flush()
        stamp = await credential_stamp(session, officer_id)
        await session.commit()
    return SetupDone(payload=payload, credential_at=stamp)


def _change_counter(runtime: Runtime) -> FailureCounter:
    return FailureCounter(runtime.store("signin"))


async def _change_refused(runtime: Runtime, officer_id: int, username: str, reason: str) -> None:
    async with runtime.db.writing() as session:
        await audit.append(session, runtime.audit_keys, actor=username, action="auth.password_change_failed",
                           object_type="officer", object_id=str(officer_id), detail={"reason": reason})
        await session.commit()


async def change_password(runtime: Runtime, officer_id: int, *, current: str, new: str, confirm: str) -> str:
    """An officer replaces their password; the credential keeps its contents. Returns the new stamp.

    Throttled per account like sign-in and audited: every wrong current password is an entry, and after
    ``CHANGE_FAILURE_LIMIT`` of them the form answers 429, right password or not, for the window.
    """
    want = await needs(runtime, officer_id)
    counter, throttle_key = _change_counter(runtime), f"pwchange:officer:{officer_id}"
    if await counter.count(throttle_key) >= CHANGE_FAILURE_LIMIT:
        await _change_refused(runtime, officer_id, want.username, "throttled")
        raise PasswordChangeThrottledError
    problems = _check_new(new, confirm, [want.username, want.display_name])
    if new == current and not problems:
        problems["new_password"] = PASSWORD_PROBLEMS["too_guessable"]
    rejected = False
    async with runtime.db.writing() as session:
        try:
            found = await authenticate(runtime, session, want.username, current[:128])
        except CredentialRejectedError:
            found, rejected = None, True
        if found is None:
            await session.rollback()
        else:
            if problems:
                raise FormRejectedError(problems)
            officer, payload = found
            await reseal_credential(runtime, session, officer, new, payload)
            await audit.append(
                session,
                runtime.audit_keys,
                actor=want.username,
                action="auth.password_change",
                object_type="officer",
                object_id=str(officer_id),
                detail={"first": False},
            )
            await session.flush()
            stamp = await credential_stamp(session, officer_id)
            await session.commit()
            await counter.clear(throttle_key)
            return stamp
    await counter.add(throttle_key, CHANGE_WINDOW_SECONDS)
    if rejected:
        await audit_rejected_credential(runtime, officer_id, during="password_change")
    await _change_refused(runtime, officer_id, want.username, "password")
    raise FormRejectedError(problems | {"current_password": WRONG_CURRENT})
