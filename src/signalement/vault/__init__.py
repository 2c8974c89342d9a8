"""Encryption for Signalement. Importing this package loads nothing that can decrypt.

Modules, by who may import them:

* every tier: ``envelope``, ``suites``, ``keystore`` (public reads), ``seal``,
  ``stream`` (chunked AEAD), ``blind`` (keyed indexes), ``kdf`` (Argon2id pool)
* the reporter's own follow-up key: ``followup``
* officer tier and key administration only: ``unseal``, ``wrapping``, ``epochs``,
  ``shamir`` (recovery shares)
* the worker and ``init`` only: ``workerkey`` (the worker's sealed private key)

See docs/crypto.md for the key hierarchy.
"""
