"""Giving the research key to a researcher's or supervisor's credential.

The research private key is kept in the key store sealed to the directorate
master public key (``metrics.research_key``); only code that already holds
the master key (an admin creating or resetting an account, on the command
line or in the workspace) can open it to put it in a new credential. The
research tier never imports this module.
"""

from __future__ import annotations

from signalement.metrics.research_key import (
    SEALED_CASE,
    SEALED_FIELD,
    SEALED_FILE,
    ResearchKey,
    encode_key,
    ensure_research_key,
)
from signalement.vault.keystore import KeyStore
from signalement.vault.opening import open_with
from signalement.vault.unseal import MasterKey


def research_key_for(store: KeyStore, master: MasterKey) -> bytes:
    """The research private key, opened with the master key, encoded for a credential payload."""
    public = ensure_research_key(store)
    sealed = (store.root / SEALED_FILE).read_bytes()
    private = open_with(sealed, master.key_object(), master.suite, master.key_id, case_id=SEALED_CASE,
                        field=SEALED_FIELD)
    return encode_key(ResearchKey(key_id=public.key_id, suite=public.suite, private=private))
