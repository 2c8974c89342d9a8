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
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore

from signalement.db.engine import Database
from signalement.metrics.events import Recorder
from signalement.metrics.experiments import Experiment, parse_experiment
from signalement.ratelimit import CounterTable
from signalement.receipt_reserve import ReceiptMaker, ReceiptRecipe, ReceiptReserve
from signalement.settings import KeyList, Settings
from signalement.throttle import ClientHasher, GuessThrottle
from signalement.vault.blind import BlindIndexer
from signalement.vault.kdf import COSTS, KdfCosts, KdfPool, threads_for
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
        # ``serve`` tells each worker how many they are (SIGNALEMENT_WEB_WORKERS): each takes its share of cores.
        return KdfPool(threads_for(self.settings.web_workers))

    @cached_property
    def receipt_reserve(self) -> ReceiptReserve:
        """Receipts derived ahead while this process's Argon2id threads are idle (decision 18). Started by the
        app's startup hook, in each worker process; empty (and every receipt derived inline) until then."""
        return ReceiptReserve(self.settings.receipt_reserve, self.kdf_pool, self.receipt_recipe)

    def start_receipt_reserve(self, make: ReceiptMaker) -> None:
        """At the app's startup (so in each worker process, after any fork): begin deriving receipts ahead with
        ``make`` (``receipts.new_receipt``). A method rather than the reserve's own ``start`` bound at build
        time: the reserve is looked up when the app starts, so a runtime whose reserve was replaced (a test
        stack reset to its template between tests) starts the one it holds then."""
        self.receipt_reserve.start(make)

    def receipt_recipe(self) -> ReceiptRecipe:
        """How a receipt made now is derived: the current pepper, the suite and the receipt costs."""
        return ReceiptRecipe(peppers=self.peppers, suite=self.suite, params=self.kdf_costs.receipt)

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
        """A key-value store for rate limits, throttles and sessions, shared by every process that serves.

        Redis when configured (every replica on every host). Otherwise, when ``signalement serve`` runs
        several worker processes on this host, files under ``$DATA_DIR/stores/<name>`` that all of them
        read and write (Litestar's ``FileStore``: atomic replace, keys hashed to file names). One process
        keeps them in memory. Unshared stores would multiply every limit by the number of workers and
        sign an officer out whenever a request lands on another worker.

        The rate limit's store is a counter, not a key-value store, where there is no Redis: a table of slots
        in memory, or in one file that every worker maps (``ratelimit.CounterTable``, a few microseconds a
        request where the ``FileStore`` cost about a millisecond).
        """
        if name not in self._stores:
            if name == "rate_limit" and not self.settings.redis_url:
                shared = self.settings.web_workers > 1
                path = self.settings.data_path / "stores" / name / "counts" if shared else None
                self._stores[name] = CounterTable(path)
            elif self.settings.redis_url:
                from litestar.stores.redis import RedisStore

                self._stores[name] = RedisStore.with_client(
                    url=self.settings.redis_url, namespace=f"{self.settings.redis_namespace}:{name}"
                )
            elif self.settings.web_workers > 1:
                folder = self.settings.data_path / "stores" / name
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                self._stores[name] = FileStore(folder)
            else:
                self._stores[name] = MemoryStore()
        return self._stores[name]

    async def sweep_stores(self) -> None:
        """Delete expired entries from file stores (memory and Redis stores expire entries themselves)."""
        for store in list(self._stores.values()):
            if isinstance(store, FileStore):
                await store.delete_expired()

    @cached_property
    def recorder(self) -> Recorder:
        """Usability counts for this app, in memory until the next flush (``metrics.events``)."""
        return Recorder(hourly_days=self.settings.metrics_hourly_days)

    @cached_property
    def experiment(self) -> Experiment | None:
        return parse_experiment(self.settings.experiment)

    @cached_property
    def guess_throttle(self) -> GuessThrottle:
        return GuessThrottle(self.store("throttle"))

    async def close(self) -> None:
        if "receipt_reserve" in self.__dict__:
            await self.receipt_reserve.stop()
        await self.db.dispose()
        if "kdf_pool" in self.__dict__:
            self.kdf_pool.shutdown()
        for store in self._stores.values():
            if isinstance(store, CounterTable):
                store.close()
            elif hasattr(store, "_redis"):
                await store._redis.aclose()
