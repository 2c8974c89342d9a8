"""Sending a decrypted attachment to an officer's browser.

Intake re-encodes every image to JPEG or PNG and rebuilds every PDF, and the
worker stores phone statements as MP3 (``recordings``), so the stored content
type is one of four. Anything else is sent as an opaque download. Images are
shown inline (the case page embeds them); PDFs and recordings are always
attachments, so a PDF viewer bug cannot run in the workspace's
origin. ``nosniff`` (on every response) stops a browser from second-guessing
the type. The body is decrypted a few chunks at a time; if the stored file
was cut or altered, decryption fails part-way and the connection is
aborted rather than completed with a truncated file.
"""

from __future__ import annotations

from litestar.response import Stream

from signalement.ciphertext_fields import evidence_key_field
from signalement.db.models import Evidence
from signalement.evidence_store import read_evidence
from signalement.runtime import Runtime
from signalement.vault.unseal import PrivateKeyring

INLINE = {"image/jpeg": "jpg", "image/png": "png"}
ATTACHMENT = {"application/pdf": "pdf", "audio/mpeg": "mp3"}  # phone statements (``recordings``)


def evidence_response(runtime: Runtime, keyring: PrivateKeyring, evidence: Evidence) -> Stream:
    key = keyring.open(
        evidence.key_envelope,
        case_id=evidence.case_id or evidence.draft_case_id,
        field=evidence_key_field(evidence.id),
    )
    if evidence.content_type in INLINE:
        media_type, disposition = evidence.content_type, "inline"
        name = f"evidence-{evidence.id}.{INLINE[evidence.content_type]}"
    elif evidence.content_type in ATTACHMENT:
        media_type, disposition = evidence.content_type, "attachment"
        name = f"evidence-{evidence.id}.{ATTACHMENT[evidence.content_type]}"
    else:
        media_type, disposition, name = (
            "application/octet-stream",
            "attachment",
            f"evidence-{evidence.id}.bin",
        )
    return Stream(
        read_evidence(runtime.db, evidence, key),
        media_type=media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
