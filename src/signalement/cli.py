"""The ``signalement`` command. Each subcommand does real work; ``--help`` lists them all."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from signalement import __version__
from signalement.hardening import harden_process
from signalement.settings import SettingsError, check_production, load_settings


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


def read_secret(prompt: str) -> str:
    """A password from the terminal, or the first line of stdin when piped (automation, tests)."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\n")


def read_admin_credentials(admin: str) -> tuple[str, str]:
    """The admin's password, then a TOTP code (one per line on stdin when piped)."""
    password = read_secret(f"Password of admin '{admin}': ")
    code = read_secret(f"Authenticator code of admin '{admin}': ")
    return password, code


def _runtime():  # noqa: ANN202
    from signalement.runtime import Runtime

    settings = load_settings()
    check_production(settings)
    return Runtime(settings)


def _print_account(account: Any, heading: str) -> None:
    from signalement.staff import totp

    print(heading)
    print(f"  login:              {account.username}")
    print(f"  one-time password:  {account.one_time_password}   (you must change it at first sign-in)")
    if account.totp_secret:
        print(f"  TOTP secret:        {totp.secret_text(account.totp_secret)}")
        print(f"  TOTP URI:           {totp.provisioning_uri(account.totp_secret, account.username)}")
    print("  This is shown once. Store it in your password manager now.")


# ---- serve / worker / init / db ---------------------------------------------------------------

# Each worker's app (its startup heap frozen out of the garbage collector's sight: app.create_served_app).
SERVED_APP = "signalement.app:create_served_app"


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    harden_process()  # before any setting or key is read; each worker does it again (app.create_served_app)
    overrides = {"web_workers": args.workers} if args.workers is not None else {}
    settings = load_settings(**overrides)
    check_production(settings)
    workers = settings.serve_workers
    # Each worker builds its app from the environment: tell them how many they are, so that without Redis
    # they share rate limits, throttles and sessions through files under the data directory (Runtime.store).
    os.environ["SIGNALEMENT_WEB_WORKERS"] = str(workers)
    trusted = settings.trusted_proxies.strip()
    uvicorn.run(
        SERVED_APP, factory=True, host=args.host, port=args.port, workers=workers,
        access_log=False,  # an access log would record reporters' addresses
        log_config=None, server_header=False, proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None, timeout_graceful_shutdown=10,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from signalement.logs import configure_logging
    from signalement.settings import check_worker_secrets
    from signalement.worker import Worker

    harden_process()  # before the worker key, the pepper and phone numbers are in memory

    async def main() -> int:
        runtime = _runtime()
        check_worker_secrets(runtime.settings)
        configure_logging(runtime.settings.effective_log_format, runtime.settings.log_level)
        worker = Worker(runtime)
        try:
            if args.once:
                ran = await worker.run_once(limit=1000)
                print(f"ran {ran} job(s)")
                return 0
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await worker.run_forever(stop)
            return 0
        finally:
            await runtime.close()

    return _run(main())


def cmd_init(args: argparse.Namespace) -> int:
    from signalement.bootstrap import InitError, initialize

    settings = load_settings()
    try:
        report = asyncio.run(initialize(settings))
    except InitError as exc:
        print(f"init: {exc}", file=sys.stderr)
        return 1
    print(f"Data directory: {settings.data_path.resolve()}")
    if report.created_keys:
        print(f"Created the key store in {settings.key_path}. Back it up apart from the database (docs/crypto.md).")
    if report.admin:
        _print_account(report.admin, "Bootstrap admin created:")
    else:
        print("Already initialised; nothing to do.")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from signalement.db import migrate

    async def main() -> int:
        runtime = _runtime()
        try:
            if args.db_command == "upgrade":
                await migrate.upgrade(runtime.db, args.revision)
            elif args.db_command == "downgrade":
                await migrate.downgrade(runtime.db, args.revision)
            print(f"database at revision {await migrate.current_revision(runtime.db)} (head {migrate.head_revision()})")
            return 0
        finally:
            await runtime.close()

    return _run(main())


# ---- officers ---------------------------------------------------------------------------------

def cmd_officer(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from signalement.db.models import Officer, Role
    from signalement.errors import SignalementError
    from signalement.staff.accounts import (
        HOLDS_RESEARCH_KEY,
        READS_CASES,
        create_account,
        master_for_ceremony,
        remove_account,
    )
    from signalement.vault.wrapping import WrongPasswordError

    async def main() -> int:
        runtime = _runtime()
        try:
            master = None
            if args.officer_command == "add" and Role(args.role) in READS_CASES | HOLDS_RESEARCH_KEY:
                password, code = read_admin_credentials(args.admin)
                master = await master_for_ceremony(runtime, args.admin, password, code, ceremony="officer.add")
            async with runtime.db.writing() as session:
                if args.officer_command == "add":
                    account = await create_account(
                        runtime, session, username=args.username, display_name=args.name or args.username,
                        role=Role(args.role), region=args.region, master=master, actor=args.admin, enrol_totp=True)
                    await session.commit()
                    _print_account(account, f"Account '{account.username}' ({account.role}) created:")
                elif args.officer_command == "remove":
                    await remove_account(runtime, session, username=args.username, actor="cli")
                    await session.commit()
                    print(f"Account '{args.username}' disabled and its key copy deleted.")
                else:
                    for o in (await session.execute(select(Officer).order_by(Officer.username))).scalars():
                        state = "active" if o.active else "removed"
                        print(f"{o.username:<24} {o.role:<11} {o.region or '-':<10} {state}")
            return 0
        except WrongPasswordError:
            print("officer: the admin name, password or code is wrong", file=sys.stderr)
            return 1
        except SignalementError as exc:
            print(f"officer: {exc.args[0] if exc.args else exc.title}", file=sys.stderr)
            return 1
        finally:
            await runtime.close()

    return _run(main())


# ---- keys, purge, audit -----------------------------------------------------------------------

def cmd_keys(args: argparse.Namespace) -> int:
    from signalement import keyceremony
    from signalement.vault.wrapping import WrongPasswordError

    async def main() -> int:
        runtime = _runtime()
        try:
            if args.keys_command == "rotate":
                password, code = read_admin_credentials(args.admin)
                kid, moved = await keyceremony.rotate(runtime, args.admin, password, code)
                print(f"New reports are now sealed to {kid}; {moved} value(s) moved off older epochs.")
            elif args.keys_command == "status":
                rows = await keyceremony.status(runtime)
                if args.json:
                    import msgspec

                    print(msgspec.json.encode(rows).decode())
                else:
                    print(f"{'key id':<18} {'purpose':<12} {'age':>5} {'values':>8}  state")
                    for r in rows:
                        state = "destroyed" if r.destroyed else ("current" if r.current else
                                 f"destroy after {r.destroy_after}" if r.destroy_after else "active")
                        print(f"{r.key_id:<18} {r.purpose:<12} {r.age_days:>4}d {r.sealed_values:>8}  {state}")
            elif args.recovery_command == "split":
                password, code = read_admin_credentials(args.admin)
                shares = await keyceremony.recovery_split(runtime, args.admin, password, code, args.shares,
                                                          args.threshold)
                if args.out:
                    _write_shares(Path(args.out), shares)
                    print(f"Wrote {len(shares)} shares to {args.out}; any {args.threshold} restore the master key.")
                else:
                    print("\n".join(shares))
            elif args.recovery_command == "restore":
                texts = _read_shares(args.share_files)
                account = await keyceremony.recovery_restore(runtime, texts, args.username)
                _print_account(account, f"Master key restored and sealed for admin '{account.username}':")
            return 0
        except WrongPasswordError:
            print("keys: the admin name, password or code is wrong", file=sys.stderr)
            return 1
        except keyceremony.RecoveryError as exc:
            print(f"keys: {exc}", file=sys.stderr)
            return 1
        finally:
            await runtime.close()

    return _run(main())


def _write_shares(out: Path, shares: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    for i, text in enumerate(shares, 1):
        path = out / f"share-{i}.txt"
        path.write_text(text + "\n")
        path.chmod(0o600)


def _read_shares(files: list[str] | None) -> list[str]:
    return [Path(f).read_text() for f in files] if files else sys.stdin.read().split()


def cmd_purge(args: argparse.Namespace) -> int:
    from signalement.retention import purge

    async def main() -> int:
        runtime = _runtime()
        try:
            report = await purge(runtime, actor="cli")
            print(f"deleted {report.cases_deleted} expired case(s), "
                  f"{report.staged_evidence_deleted} abandoned upload(s)")
            print(f"destroyed key epochs: {', '.join(report.epochs_destroyed) or 'none'}")
            if report.epochs_kept:
                print(f"due but still protecting live data (kept): {', '.join(report.epochs_kept)}")
            return 0
        finally:
            await runtime.close()

    return _run(main())


def cmd_audit(args: argparse.Namespace) -> int:
    from signalement import audit

    async def main() -> int:
        runtime = _runtime()
        try:
            anchor = None
            if args.anchor:
                seq, _, mac = args.anchor.partition(":")
                anchor = (int(seq), mac)
            async with runtime.db.reading() as session:
                result = await audit.verify(session, runtime.audit_keys, anchor=anchor)
            for problem in result.problems:
                print(f"BROKEN: {problem}")
            print(f"checked {result.checked} entries; head {result.head_seq}:{result.head_mac}")
            print("audit log intact" if result.ok else "audit log has been tampered with")
            return 0 if result.ok else 2
        finally:
            await runtime.close()

    return _run(main())


def cmd_i18n(args: argparse.Namespace) -> int:
    from signalement import catalogues

    if args.i18n_command == "extract":
        for line in catalogues.extract_and_update():
            print(line)
        return 0
    problems = catalogues.check()
    for p in problems:
        print(p)
    print(f"i18n check: {len(problems)} problem(s)")
    return 1 if problems else 0


# ---- parser -----------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="signalement", description="Signalement, a secure tip line. "
                                "Settings come from SIGNALEMENT_* environment variables (docs/configuration.md).")
    p.add_argument("--version", action="version", version=f"signalement {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("serve", help="serve the web app (reporter, officer and research tiers as configured)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: SIGNALEMENT_WEB_WORKERS, or one per core when it is 0 or "
                        "unset); with more than one and no SIGNALEMENT_REDIS_URL, they share rate limits and "
                        "sessions through files under the data directory")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("worker", help="run outbox jobs (texts, scheduled key epochs, daily purge)")
    s.add_argument("--once", action="store_true", help="run what is due now, then exit")
    s.set_defaults(func=cmd_worker)

    sub.add_parser("init", help="create the data directory, schema, keys and bootstrap admin (idempotent)"
                   ).set_defaults(func=cmd_init)

    db = sub.add_parser("db", help="database migrations").add_subparsers(dest="db_command", required=True)
    s = db.add_parser("upgrade", help="migrate to the newest schema (or --revision)")
    s.add_argument("--revision", default="head")
    s.set_defaults(func=cmd_db)
    s = db.add_parser("downgrade", help="migrate down to REVISION")
    s.add_argument("revision")
    s.set_defaults(func=cmd_db)
    db.add_parser("current", help="show the schema revision").set_defaults(func=cmd_db)

    off = sub.add_parser("officer", help="staff accounts").add_subparsers(dest="officer_command", required=True)
    s = off.add_parser("add", help="create an account; prints a one-time password and TOTP secret")
    s.add_argument("username")
    s.add_argument("--role", required=True, choices=["officer", "supervisor", "admin", "researcher"])
    s.add_argument("--region", help="regional office (officers see their region's cases)")
    s.add_argument("--name", help="display name")
    s.add_argument("--admin", default="admin",
                   help="admin whose password and TOTP code unlock the key to give (two lines on stdin)")
    s.set_defaults(func=cmd_officer)
    s = off.add_parser("remove", help="disable an account and delete its copy of the key")
    s.add_argument("username")
    s.set_defaults(func=cmd_officer)
    off.add_parser("list", help="list accounts").set_defaults(func=cmd_officer)

    keys = sub.add_parser("keys", help="key rotation, status and break-glass recovery")
    ks = keys.add_subparsers(dest="keys_command", required=True)
    s = ks.add_parser("rotate", help="start a new directorate key epoch and re-wrap older ones "
                      "(admin password and TOTP code, two lines on stdin)")
    s.add_argument("--admin", default="admin")
    s.set_defaults(func=cmd_keys, recovery_command=None)
    s = ks.add_parser("status", help="list key epochs with their age and how many values each protects")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_keys, recovery_command=None)
    rec = ks.add_parser("recovery", help="Shamir shares of the master key").add_subparsers(
        dest="recovery_command", required=True)
    s = rec.add_parser("split", help="write M-of-N shares of the master key (admin password and TOTP code)")
    s.add_argument("--shares", type=int, required=True)
    s.add_argument("--threshold", type=int, required=True)
    s.add_argument("--admin", default="admin")
    s.add_argument("--out", help="directory to write share-N.txt files into (default: print)")
    s.set_defaults(func=cmd_keys)
    s = rec.add_parser("restore", help="rebuild the master key from shares and give it to an admin")
    s.add_argument("--username", required=True, help="admin account to create or reset")
    s.add_argument("share_files", nargs="*", help="files holding one share each (default: shares on stdin)")
    s.set_defaults(func=cmd_keys)

    sub.add_parser("purge", help="delete expired cases and destroy expired key epochs").set_defaults(func=cmd_purge)

    aud = sub.add_parser("audit", help="the tamper-evident audit log").add_subparsers(
        dest="audit_command", required=True
    )
    s = aud.add_parser("verify", help="check every entry of the hash chain")
    s.add_argument("--anchor", help="SEQ:MAC recorded earlier (detects entries cut off the end)")
    s.set_defaults(func=cmd_audit)

    i18n_p = sub.add_parser("i18n", help="translation catalogues").add_subparsers(dest="i18n_command", required=True)
    i18n_p.add_parser("check", help="fail on missing, fuzzy, stale or mismatched entries").set_defaults(func=cmd_i18n)
    i18n_p.add_parser("extract", help="extract strings and update every catalogue").set_defaults(func=cmd_i18n)

    from signalement.triage.cli import register as register_triage

    register_triage(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except SettingsError as exc:
        print(f"signalement: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `signalement triage eval ... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
