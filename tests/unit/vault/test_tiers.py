"""The intake tier can write reports but can never read them back.

Checked two ways, in a fresh interpreter so nothing else has been imported:
1. importing the reporter tier and intake loads none of the modules that can obtain a
   directorate private key (``vault.unseal``, ``vault.wrapping``, ``vault.epochs``, ``keyceremony``,
   ``rewrap``, ``retention``, the officer tier, the staff layer); building the research tier's router
   loads none of them either, nor the officer tier (the staff layer's session and guard modules only);
2. a whole submission through ``IntakeService``, with an audit hook watching every file the process
   opens, never opens a sealed private key (``*.sealed``), the worker key or the master key file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

OPENING_MODULES = [
    "signalement.vault.unseal", "signalement.vault.wrapping", "signalement.vault.epochs", "signalement.vault.shamir",
    "signalement.keyceremony", "signalement.rewrap", "signalement.retention", "signalement.officer",
    "signalement.staff.accounts", "signalement.staff.session_keys", "signalement.staff.unlocked",
    "signalement.staff.signin",
]
FORBIDDEN_MODULES = [*OPENING_MODULES, "signalement.staff"]


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_reporter_tier_loads_nothing_that_can_decrypt() -> None:
    result = _run("""
        import importlib, json, pkgutil, sys
        import signalement.intake, signalement.receipts, signalement.evidence, signalement.evidence_store
        import signalement.reporter
        for info in pkgutil.walk_packages(signalement.reporter.__path__, "signalement.reporter."):
            importlib.import_module(info.name)
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("signalement"))))
    """)
    loaded = set(result)
    assert "signalement.intake" in loaded  # the check itself can see modules
    assert {"signalement.reporter.steps", "signalement.reporter.followup", "signalement.evidence"} <= loaded
    assert loaded.isdisjoint(FORBIDDEN_MODULES), loaded & set(FORBIDDEN_MODULES)


def test_building_the_research_router_loads_nothing_that_can_decrypt_and_no_officer_code() -> None:
    result = _run("""
        import importlib, json, pkgutil, sys
        from signalement.settings import load_settings
        from signalement.runtime import Runtime
        import signalement.research
        for info in pkgutil.walk_packages(signalement.research.__path__, "signalement.research."):
            importlib.import_module(info.name)
        signalement.research.build_router(Runtime(load_settings({})))
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("signalement"))))
    """)
    loaded = set(result)
    assert {"signalement.research", "signalement.staff.guard", "signalement.staff.sessions"} <= loaded
    assert loaded.isdisjoint(OPENING_MODULES), loaded & set(OPENING_MODULES)


def test_the_officer_tier_does_load_the_opener_so_the_check_above_can_fail() -> None:
    result = _run("""
        import json, sys
        import signalement.staff.accounts
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("signalement"))))
    """)
    assert "signalement.vault.unseal" in result


def test_a_whole_submission_never_opens_a_private_key_file(tmp_path) -> None:
    import asyncio

    from signalement.bootstrap import initialize
    from signalement.settings import load_settings

    asyncio.run(initialize(load_settings({}, data_dir=str(tmp_path / "var"), kdf_cost="test")))
    result = _run(f"""
        import asyncio, json, sys
        opened = []
        def hook(event, args):
            if event == "open" and isinstance(args[0], str):
                opened.append(args[0])
        sys.addaudithook(hook)
        from signalement.settings import load_settings
        from signalement.runtime import Runtime
        from signalement.intake import IntakeService, Submission, Answers
        async def main():
            rt = Runtime(load_settings({{}}, data_dir={str(tmp_path / "var")!r}, kdf_cost="test"))
            r = await IntakeService(rt).submit(Submission(submission_key="web:t1", channel="web", language="en",
                answers=Answers(categories=("wages",), province="ON"), narrative="unpaid for six weeks"))
            await rt.close()
            return r.created
        created = asyncio.run(main())
        mods = sorted(m for m in sys.modules if m.startswith("signalement"))
        print(json.dumps({{"created": created, "opened": opened, "modules": mods}}))
    """)
    assert result["created"] is True
    keyfiles = [p for p in result["opened"] if "/keys/" in p]
    assert keyfiles, "the hook saw no key file at all: the check is blind"
    assert not [p for p in keyfiles if p.endswith((".sealed", "worker.key"))], keyfiles
    assert set(result["modules"]).isdisjoint(FORBIDDEN_MODULES)
