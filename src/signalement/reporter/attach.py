"""Adding evidence: staged while a report is written, or attached to a case from the follow-up portal.

Each file is sanitised (``signalement.evidence``) in a worker thread and then
encrypted chunk by chunk into the database (``evidence_store``). The clean
bytes exist only in this process's memory, for the length of the request.
"""

from __future__ import annotations

import msgspec

from signalement.evidence import MAX_FILES_PER_CASE, RejectedFileError, Rejection
from signalement.evidence_store import files_on_case as evidence_files_on_case
from signalement.evidence_store import write_evidence
from signalement.i18n import N_
from signalement.reporter.draft import StagedFile
from signalement.reporter.forms import FieldError
from signalement.reporter.uploads import UploadForm, chunks, sanitise_in_thread
from signalement.runtime import Runtime

NO_FILE = N_("Choose a file first.")
TOO_MANY = N_("You can add up to %(max)s files.")
REJECTION_MESSAGES = {
    Rejection.TYPE: N_("We can only accept photos (JPEG, PNG, WebP) and PDF files."),
    Rejection.TOO_BIG: N_("This file is too big. Each file can be up to 10 MB."),
    Rejection.TOO_MANY_PIXELS: N_("This photo is too large. Please send a smaller photo or a screenshot."),
    Rejection.UNREADABLE: N_("We could not open this file. It may be damaged. Please try another file."),
    Rejection.PDF_ACTIVE: N_(
        "This PDF has scripts or attached files, so we cannot accept it. "
        "Please send photos of the pages instead."
    ),
    Rejection.PDF_PASSWORD: N_(
        "This PDF has a password. Please send it without a password, or send photos of the pages."
    ),
}


class Stored(msgspec.Struct, frozen=True):
    files: tuple[StagedFile, ...]
    errors: tuple[FieldError, ...]


def _error(message: str, limit: int = 0) -> FieldError:
    return FieldError("files", message, limit)


async def store_files(
    runtime: Runtime, upload: UploadForm, *, case_id: str, attached: bool, room: int
) -> Stored:
    """Sanitise and encrypt each uploaded file; report the first problem (the others are still stored)."""
    stored: list[StagedFile] = []
    errors: list[FieldError] = []
    if not upload.files:
        return Stored((), (_error(NO_FILE),))
    for index, upload_file in enumerate(upload.files):
        if index >= room:
            errors.append(_error(TOO_MANY, MAX_FILES_PER_CASE))
            break
        if upload_file.too_big:
            errors.append(_error(REJECTION_MESSAGES[Rejection.TOO_BIG]))
            continue
        try:
            clean = await sanitise_in_thread(upload_file.data)
        except RejectedFileError as exc:
            errors.append(_error(REJECTION_MESSAGES[exc.reason]))
            continue
        async with runtime.db.writing() as session:
            row = await write_evidence(
                session,
                runtime.public_keys.current,
                case_id=case_id,
                attached=attached,
                body=chunks(clean.data),
                kind=clean.kind,
                content_type=clean.content_type,
                size=len(clean.data),
            )
            await session.commit()
        stored.append(StagedFile(id=row.id, kind=clean.kind, size=len(clean.data)))
    return Stored(tuple(stored), tuple(errors))


async def files_on_case(runtime: Runtime, case_id: str) -> int:
    return await evidence_files_on_case(runtime.db, case_id)
