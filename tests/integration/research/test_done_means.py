"""Issue 14's "done means", end to end, as a researcher would live it.

A researcher created with ``signalement officer add --role researcher`` (the
real CLI, in a subprocess, with the admin's password and TOTP code) signs in
with the one-time password and a TOTP code, sets their own password, sees the
funnel of reports made through the real web form, exports, runs
``research/analyze.py`` on the export and gets the report with its plots; and
no output anywhere (page, JSON, CSV, Markdown) shows a cell under k.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import random
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from integration.research.conftest import http_client
from integration.research.test_population import COUNT_MEASURES, STEPS, Truth, visit
from signalement.metrics import experiments, stats
from signalement.reporter.page_state import PageStates
from support.cases import admin_stdin, run_cli
from support.officers import csrf_token, next_code

ROOT = Path(__file__).resolve().parents[3]
VISITS = 40
NEW_PASSWORD = "harbour-lantern-quietly-copper-93"  # noqa: S105 - a test account


def small_ints(values: list[object], k: int) -> list[int]:
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool) and 0 < v < k]


def count_values(node: object) -> list[object]:
    """Every value under a count-like key anywhere in the exported report."""
    found: list[object] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in COUNT_MEASURES and not isinstance(value, dict | list):
                found.append(value)
            else:
                found.extend(count_values(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(count_values(item))
    return found


async def test_a_cli_researcher_signs_in_sees_the_test_flows_funnel_and_analyses_an_export_with_no_small_cell(
    research_stack: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: ANN401
) -> None:
    runtime = research_stack.runtime
    k = runtime.settings.research_k
    base = research_stack.base

    # 1. The admin adds the researcher with the real CLI (a key ceremony: password and TOTP code).
    out = run_cli(base.settings, "officer", "add", "rita", "--role", "researcher", stdin=await admin_stdin(base))
    assert out.returncode == 0, out.stderr
    one_time = re.search(r"one-time password:\s+(\S+)", out.stdout).group(1)  # type: ignore[union-attr]
    secret_text = re.search(r"TOTP secret:\s+([A-Z2-7 ]+)\n", out.stdout).group(1).replace(" ", "")  # type: ignore[union-attr]
    login = SimpleNamespace(username="rita", totp_secret=base64.b32decode(secret_text + "=" * (-len(secret_text) % 8)))

    # 2. Reports made through the real web form (seeded: who abandons where, who files).
    monkeypatch.setattr(experiments, "secrets", SimpleNamespace(randbelow=random.Random(7).randrange))
    rng = random.Random(2026)
    states = PageStates(runtime.form_keys, runtime.settings.staged_evidence_hours)
    truth = Truth()
    for n in range(VISITS):
        await visit(research_stack.app, states, rng, n, truth)
    await runtime.recorder.flush(runtime.db)
    assert sum(truth.submitted.values()) >= k  # enough filed reports for the funnel's last step to show

    async with http_client(research_stack.app, "127.0.14.1") as client:
        # 3. First sign-in: one-time password and a TOTP code, then the researcher's own password.
        r = await client.post("/officer/sign-in", data={"_csrf_token": await csrf_token(client), "username": "rita",
                                                        "password": one_time, "code": await next_code(runtime, login)})
        assert r.status_code == 303, r.text[:300]
        setup = await client.get("/officer/setup")
        assert setup.status_code == 200
        fields = set(re.findall(r'name="([^"]+)"', setup.text))
        form = {"_csrf_token": str(client.cookies["csrftoken"]), "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        if "code" in fields:
            form["code"] = await next_code(runtime, login)
        r = await client.post("/officer/setup", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text[:500]
        # Signed out and in again with the new password and a fresh code, as on any later day.
        client.cookies.clear()
        r = await client.post("/officer/sign-in", data={"_csrf_token": await csrf_token(client), "username": "rita",
                                                        "password": NEW_PASSWORD,
                                                        "code": await next_code(runtime, login)},
                              follow_redirects=False)
        assert r.status_code == 303
        home = await client.get("/officer/", follow_redirects=False)
        assert home.headers["location"] == "/research/"

        # 4. The funnel of those reports, on the page and in the exports.
        page = await client.get("/research/?days=30")
        assert page.status_code == 200 and "<script" not in page.text
        html = page.text
        exported = await client.get("/research/export.json?days=30")
        csv_text = (await client.get("/research/export.csv?days=30")).text
    report = exported.json()["report"]
    funnel = {row["step"]: row for row in report["funnel"]}
    for step in STEPS:
        assert funnel[step]["reached"] == stats.suppress(truth.reached[step], k), step
        shown = stats.suppress(truth.reached[step], k)
        assert re.search(rf'<th scope="row">{step}</th><td>{"&lt;" + str(k) if shown == f"<{k}" else shown}</td>',
                         html), step
    assert report["overall"]["submitted"] == stats.suppress(sum(truth.submitted.values()), k)
    assert any(isinstance(funnel[s]["reached"], int) for s in STEPS)  # real numbers, not only "<k"

    # 5. The analysis kit turns the export into the report with its plots.
    export_file = tmp_path / "export.json"
    export_file.write_bytes(exported.content)
    command = [sys.executable, str(ROOT / "research" / "analyze.py"), str(export_file), "--out", str(tmp_path / "r")]
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    markdown = (tmp_path / "r" / "report.md").read_text()
    assert "## Funnel and drop-off" in markdown
    plots = set(re.findall(r"\(([\w-]+\.png)\)", markdown))
    assert {"funnel.png", "dropoff.png", "mix.png"} <= plots
    for png in plots:
        assert (tmp_path / "r" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png

    # 6. No cell under k anywhere: page, JSON, CSV, Markdown.
    assert small_ints(count_values(report), k) == []
    assert f"<{k}" in count_values(report)  # there are small cells, and they are shown as "<k"
    counted = [row["value"] for row in csv.DictReader(io.StringIO(csv_text)) if row["measure"] in COUNT_MEASURES]
    assert small_ints([int(v) for v in counted if v.isdigit()], k) == []
    assert small_ints([int(v) for v in re.findall(r"<td>(\d+)</td>", html)], k) == []
    assert small_ints([int(v) for v in re.findall(r"\|\s*(\d+)\s*(?=\|)", markdown)], k) == []
