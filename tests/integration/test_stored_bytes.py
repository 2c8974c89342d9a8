"""After a full submission, the database holds no narrative, employer or phone number:
not in clear, and not as a plain unkeyed hash. Checked on every byte of SQLite's files and on a
full pg_dump."""

from __future__ import annotations

from pathlib import Path

import msgspec

from support.cases import submit
from support.privacy import Sentinels, files_under, find_leaks, postgres_dump, sqlite_dump


async def test_a_full_submission_leaves_no_allegation_employer_or_phone_in_the_database(stack) -> None:
    s = Sentinels.make()
    receipt = await submit(stack, narrative=f"My boss {s.employer} took my passport. {s.narrative}",
                           employer=s.employer, phone=s.phone_e164, categories=("documents",))
    assert receipt.created
    await stack.runtime.db.dispose()  # flush the WAL into view; nothing is cached in the app
    blobs: dict[str, bytes] = {}
    if stack.backend == "sqlite":
        db_path = Path(stack.settings.db_url.split("///", 1)[1])
        blobs["sql dump"] = sqlite_dump(db_path)
    else:
        blobs["pg_dump"] = postgres_dump(stack.settings.database_url.rsplit("/", 1)[1])
    blobs.update(files_under(stack.settings.data_path))
    leaks = find_leaks(s, blobs, allow=("user_agent", "header", "forwarded_for", "query", "cookie", "client_ip"))
    assert leaks == []
    # The search can fail: it does find a value that *is* stored in clear (the case code).
    probe = msgspec.structs.replace(s, narrative=receipt.case_code)
    others = [n for n in msgspec.structs.asdict(s) if n != "narrative"]
    assert find_leaks(probe, blobs, allow=others) != []
