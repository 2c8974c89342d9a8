"""The staff layer: what the officer and research tiers share to know who is asking.

Modules: ``access`` (roles, permissions, the principal), ``guard`` (the
deny-by-default router guard), ``sessions`` (server-side sessions, no keys),
``session_keys`` and ``unlocked`` (the master key a session carries),
``accounts``, ``passwords``, ``totp``, ``signin`` and ``enrolment``
(credentials), ``rendering`` and ``wording`` (what every staff page shares),
``pages`` (sign-in, set-up, account, language, sign-out) and ``routing``
(the router options). Both tiers build on it; the research tier imports only
``access``, ``guard``, ``sessions``, ``rendering``, ``wording`` and
``routing``, which can open nothing (import contracts in ``pyproject.toml``).

This ``__init__`` imports nothing, so importing one module of the layer never
loads the rest.
"""
