"""``docs/security.md`` claims only what exists: every test file and test it names is really there.

A checklist that points at a renamed or deleted test would claim a requirement nobody checks any more.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKLIST = ROOT / "docs" / "security.md"


def named_tests() -> list[tuple[str, str | None]]:
    """(file, test name or None) for every reference; ``::name`` alone refers to the last file named."""
    found: list[tuple[str, str | None]] = []
    last = None
    for match in re.finditer(r"`(tests/[^`:]+?\.py)(?:::(\w+))?`|`::(\w+)`|`(test_\w+\.py)`", CHECKLIST.read_text()):
        path, name, same_file, bare = match.groups()
        if path:
            last = path
            found.append((path, name))
        elif same_file:
            assert last, f"::{same_file} names no file"
            found.append((last, same_file))
        else:
            matches = list((ROOT / "tests").rglob(bare))
            assert matches, f"{bare} is not a test file"
            found.append((str(matches[0].relative_to(ROOT)), None))
    return found


def test_every_test_the_checklist_names_exists() -> None:
    references = named_tests()
    assert len(references) > 40
    missing = [f"{path}::{name}" if name else path for path, name in references
               if not (ROOT / path).exists() or (name and f"def {name}(" not in (ROOT / path).read_text())]
    assert not missing, missing
