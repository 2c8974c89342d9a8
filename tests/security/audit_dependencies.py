"""Known vulnerabilities in the installed dependencies (``pip-audit``), run by ``make lint``.

Fails on any advisory that matches an installed version. Skips, saying why, when no advisory data can
be had: no network, or a package index that knows none of the installed versions (an offline mirror
answers "not found" for every package, which is not the same as "no known vulnerability").
Advisories we accept would be listed in ``ACCEPTED`` with the reason; there are none.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ACCEPTED: dict[str, str] = {}  # advisory id -> why it does not apply to us
PIP_AUDIT = Path(sys.executable).parent / "pip-audit"


def main() -> int:
    command = [str(PIP_AUDIT), "--skip-editable", "--progress-spinner", "off", "--format", "json",
               "--timeout", "10"]
    command += [arg for advisory in ACCEPTED for arg in ("--ignore-vuln", advisory)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        print("pip-audit skipped: the advisory database did not answer within 120 s")
        return 0
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        if any(word in done.stderr for word in ("ConnectionError", "NameResolutionError", "Max retries")):
            print(f"pip-audit skipped: the advisory database is unreachable ({last[:200]})")
            return 0
        print(f"pip-audit failed: {last[:500]}")
        return 1
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    if dependencies and not audited:
        print(f"pip-audit skipped: the package index knows none of the {len(dependencies)} installed versions "
              "(an offline mirror?), so there is no advisory data to check against")
        return 0
    found = [(d["name"], d["version"], v["id"]) for d in audited for v in d.get("vulns", [])]
    for name, version, advisory in found:
        print(f"pip-audit: {name} {version} is affected by {advisory}")
    skipped = len(dependencies) - len(audited)
    print(f"pip-audit: {len(audited)} packages audited, {skipped} not found on the index, "
          f"{len(found)} known vulnerabilities")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
