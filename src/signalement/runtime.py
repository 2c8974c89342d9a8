"""What one process shares: settings, database, keys and pools, built once per app.

It holds public keys (``PublicKeyring``), the pepper, the form and audit
keys and the blind-index key; nothing here opens a directorate-sealed
value. The officer tier opens values only with a master
key that comes out of a signed-in officer's session.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import cached_property

from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

from signalement.db.engine import Database
from signalement.metrics.events import Recorder
from signalement.metrics.experiments import Experiment, parse_experiment
from signalement.settings import KeyList, Settings
from signalement.throttle import ClientHasher, GuessThrottle
from signalement.vault.blind import BlindIndexer
from signalement.vault.kdf import COSTS, KdfCosts, KdfPool
from signalement.vault.keystore import KeyStore
from signalement.vault.seal import PublicKeyring
from signalement.vault.suites import SuiteName


class Runtime:
    """Shared services for one app instance. Cheap to build; heavy parts are created lazily."""

    def __init__(self, settings: Settings, *, db: Database | None = None) -> None:
        self.settings = settings
        self.db = db or Database(settings.db_url)
        self.keystore = KeyStore(settings.key_path)
        self.public_keys = PublicKeyring(self.keystore)
        self.suite = SuiteName(settings.hpke_suite)
        self._stores: dict[str, Store] = {}

    @cached_property
    def kdf_costs(self) -> KdfCosts:
        return COSTS[self.settings.kdf_cost]

    @cached_property
    def kdf_pool(self) -> KdfPool:
        return KdfPool()

    @cached_property
    def peppers(self) -> KeyList:
        return self.settings.key_list("pepper_keys")

    @cached_property
    def form_keys(self) -> KeyList:
        return self.settings.key_list("form_keys")

    @cached_property
    def audit_keys(self) -> KeyList:
        return self.settings.key_list("audit_keys")

    @cached_property
    def followup_mac_keys(self) -> KeyList:
        """Authenticates the follow-up public key on each case (intake writes it, officers check it)."""
        return self.settings.key_list("followup_mac_keys")

    @cached_property
    def staff_keys(self) -> KeyList:
        """Authenticates staff credentials, sessions and CSRF tokens. Never on the public host."""
        return self.settings.key_list("staff_keys")

    @cached_property
    def worker_keys(self) -> KeyList:
        """Seals the worker's private key file. Only the worker and key ceremonies need it."""
        return self.settings.key_list("worker_keys")

    @cached_property
    def csrf_secret(self) -> str:
        """The secret Litestar's CSRF check signs tokens with (derived from the form keys)."""
        return hmac.new(self.form_keys.current[1], b"csrf", hashlib.sha256).hexdigest()

    @cached_property
    def blind(self) -> BlindIndexer:
        return BlindIndexer(self.settings.key_list("blind_index_keys"))

    @cached_property
    def client_hasher(self) -> ClientHasher:
        return ClientHasher(self.form_keys)

    @cached_property
    def metrics_token(self) -> str:
        if self.settings.metrics_token:
            return self.settings.metrics_token
        if not self.settings.is_production and self.settings.secrets_file.exists():
            return str(json.loads(self.settings.secrets_file.read_text()).get("metrics_token", ""))
        return ""

    def store(self, name: str) -> Store:
        """A key-value store shared by every replica when Redis is configured, else in memory."""
        if name not in self._stores:
            if self.settings.redis_url:
                from litestar.stores.redis import RedisStore

                self._stores[name] = RedisStore.with_client(
                    url=self.settings.redis_url, namespace=f"signalement:{name}"
                )
            else:
                self._stores[name] = MemoryStore()
        return self._stores[name]

    @cached_property
    def recorder(self) -> Recorder:
        """Usability counts for this app, in memory until the next flush (``metrics.events``)."""
        return Recorder()

    @cached_property
    def experiment(self) -> Experiment | None:
        return parse_experiment(self.settings.experiment)

    @cached_property
    def guess_throttle(self) -> GuessThrottle:
        return GuessThrottle(self.store("throttle"))

    async def close(self) -> None:
        await self.db.dispose()
        if "kdf_pool" in self.__dict__:
            self.kdf_pool.shutdown()
        for store in self._stores.values():
            if hasattr(store, "_redis"):
                await store._redis.aclose()
