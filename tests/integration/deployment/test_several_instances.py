"""Several instances as one service (issue 16, part 4), with real processes on 127.0.0.1.

Two ``signalement serve`` processes and two ``signalement worker`` processes share one PostgreSQL database
and one Redis database (``SIGNALEMENT_REDIS_URL``: Litestar's ``RedisStore`` holds rate limits, sessions and
guess throttles). Nothing here talks to the processes except over HTTP, as a load balancer would. Proven:

* the rate limit (``SIGNALEMENT_RATE_LIMIT_PER_MINUTE``, 60 here) holds across both: requests alternating
  between the two instances get 429 from the 61st on, on either instance (separate stores would allow 120),
  and a burst of 210 concurrent requests over both lets exactly 60 through
  (``ratelimit.SharedRateLimitMiddleware``);
* an officer who signs in on one instance is signed in on the other, and the master key unlocked at sign-in
  opens the case there too; signing out on one signs out on both;
* every outbox job runs exactly once with two workers racing for the same jobs (texts counted at a fake
  Twilio, which tells the two workers apart by their account SID);
* a rolling restart of one instance (SIGTERM, then a new process on the same port) while reporters file
  through both loses no acknowledged report: every receipt a reporter was shown opens the follow-up portal.

Redis: database 14, used by no other test, under a namespace of this run's own
(``SIGNALEMENT_REDIS_NAMESPACE``) whose keys are deleted afterwards. Every process is stopped by PID.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from integration.reporter.reporting import FLOW, Reporter
from signalement.db.models import OutboxJob, Role
from signalement.intake import Answers, IntakeService, Submission
from signalement.notify import SMS_JOB, SmsJob, queue_sms
from signalement.runtime import Runtime
from signalement.settings import Settings
from support import pg
from support.cluster import (
    REDIS_URL,
    STAFF_SECRETS,
    WORKER_SECRETS,
    WorkerProcess,
    delete_namespace,
    dev_secrets,
    process_env,
    redis_namespace,
    spawn_server,
    spawn_worker,
    staff_key_folder,
    stop_all,
    wait_healthy,
)
from support.live import LiveServer
from support.officers import create_officer, sign_in_api
from support.stack import AdminLogin, Template, clone
from support.twilio_peers import FakeTwilio

# Each test's own work is bounded at 55 s by its deadlines; the hard timeout leaves room for starting the
# module's processes on a loaded machine.
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
BUDGET = 55.0
RATE_LIMIT = 60  # SIGNALEMENT_RATE_LIMIT_PER_MINUTE for these instances (300 by default): fewer requests to send


def _redis() -> Any:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        if pg.CI:
            pytest.fail(f"CI=true needs Redis on 127.0.0.1:6379: {exc}", pytrace=False)
        pytest.skip(f"Redis is not reachable on 127.0.0.1:6379 ({exc}); start it to run the scale-out tests")
    return client


class Cluster(msgspec.Struct, kw_only=True):
    settings: Settings
    admin: AdminLogin
    root: Path
    secrets: dict[str, str]
    namespace: str
    web_env: dict[str, str]
    servers: list[LiveServer]  # [A, B]; a restart replaces A in place

    @property
    def bases(self) -> list[str]:
        return [s.base_url for s in self.servers]


@pytest.fixture(scope="module")
def cluster(templates: dict[str, Template], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    pg.require_postgres()
    redis = _redis()
    namespace = redis_namespace()
    root = tmp_path_factory.mktemp("cluster")
    template = templates["postgres"]
    settings, database = clone(template, root)
    secrets = dev_secrets(settings)
    keys = staff_key_folder(settings.key_path, root / "web-keys")
    web_env = process_env(settings, tiers="reporter,officer,research", key_dir=keys, data_dir=root / "web-data",
                          secrets=secrets, names=STAFF_SECRETS,
                          extra={"SIGNALEMENT_REDIS_URL": REDIS_URL, "SIGNALEMENT_REDIS_NAMESPACE": namespace,
                                 "SIGNALEMENT_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT)})
    servers = [spawn_server(web_env, root / f"web-{name}.log") for name in ("a", "b")]
    c = Cluster(settings=settings, admin=template.admin, root=root, secrets=secrets, namespace=namespace,
                web_env=web_env, servers=servers)
    try:
        wait_healthy(servers)
        yield c
    finally:
        stop_all(c.servers)
        assert database
        pg.drop_database(database)
        delete_namespace(redis, namespace)
        redis.close()


@pytest.fixture
async def operator(cluster: Cluster) -> AsyncIterator[Runtime]:
    """The operator's own connection (accounts, rows to check), on this test's event loop."""
    runtime = Runtime(cluster.settings)
    try:
        yield runtime
    finally:
        await runtime.close()


def _client(address: str, **kw: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30, **kw)


def test_a_rate_limit_holds_across_both_instances(cluster: Cluster) -> None:
    a, b = cluster.bases
    statuses: list[tuple[str, int]] = []
    # One client address (a loopback alias of this test's own), requests alternating between the instances.
    with _client("127.0.0.61") as client:
        for i in range(RATE_LIMIT + 6):
            base = (a, b)[i % 2]
            statuses.append((base, client.get(f"{base}/favicon.ico").status_code))
        other = client.get(f"{a}/favicon.ico", headers={}).status_code
    allowed = [s for _, s in statuses[:RATE_LIMIT]]
    refused = statuses[RATE_LIMIT:]
    assert 429 not in allowed and set(allowed) <= {200, 204, 301, 302, 303, 304, 307, 308}, Counter(allowed)
    assert all(s == 429 for _, s in refused), refused
    assert {base for base, _ in refused} == {a, b}, "both instances refuse once the shared limit is reached"
    assert other == 429
    # Another client is not affected: the limit is per client, shared by the instances.
    with _client("127.0.0.62") as client:
        assert client.get(f"{b}/favicon.ico").status_code != 429


async def test_a_concurrent_burst_over_both_instances_gets_exactly_the_limit(cluster: Cluster) -> None:
    """Many requests in flight at once, from one client, spread over both instances: the count is atomic in
    Redis, so exactly the limit passes (a read-then-write count let 425 of 450 through a limit of 300)."""
    a, b = cluster.bases
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.63", limits=httpx.Limits(max_connections=40))
    async with httpx.AsyncClient(transport=transport, timeout=30) as client:
        async def one(i: int) -> tuple[str, int]:
            base = (a, b)[i % 2]
            return base, (await client.get(f"{base}/favicon.ico")).status_code

        results = await asyncio.gather(*(one(i) for i in range(RATE_LIMIT + 150)))
    statuses = Counter(status for _, status in results)
    assert statuses[429] == 150 and sum(statuses.values()) - statuses[429] == RATE_LIMIT, statuses
    assert {base for base, status in results if status == 429} == {a, b}


async def _a_case(operator: Runtime, narrative: str) -> str:
    sub = Submission(
        submission_key=f"test:{uuid.uuid4().hex}", channel="web", language="en",
        answers=Answers(categories=("wages",), danger_now="no", province="QC", town="Saint-Rémi",
                        employer="Ferme Exemple", site="J0L 1A0"),
        narrative=narrative, contact_pref="code", phone=None,
    )
    return (await IntakeService(operator).submit(sub)).case_id


async def test_an_officer_session_and_unlocked_key_work_on_either_instance(cluster: Cluster, operator: Runtime) -> None:
    a, b = cluster.bases
    narrative = f"They keep our passports in the office safe {uuid.uuid4().hex[:8]}."
    case_id = await _a_case(operator, narrative)
    officer = await create_officer(operator, cluster.admin, Role.OFFICER, region="quebec")
    redis = _redis()
    sessions = f"{cluster.namespace}:sessions:*"
    before = len(list(redis.scan_iter(match=sessions)))
    # One browser: cookies are per host, and both instances are 127.0.0.1 (as behind one load balancer).
    async with httpx.AsyncClient(timeout=30, base_url=a) as on_a:
        token = await sign_in_api(on_a, operator, officer)
        in_redis = len(list(redis.scan_iter(match=sessions))) > before
        async with httpx.AsyncClient(timeout=30, base_url=b, cookies=on_a.cookies) as on_b:
            # The other instance knows the session and opens the case with the key unlocked on the first.
            r = await on_b.get(f"/api/v1/cases/{case_id}", headers={"x-csrftoken": token})
            assert r.status_code == 200, r.text[:300]
            assert r.json()["case"]["narrative"] == narrative
            # A write with the session's CSRF token is accepted there too.
            r = await on_b.post(f"/api/v1/cases/{case_id}/notes", json={"text": "Seen on B."},
                                headers={"x-csrftoken": token})
            assert r.status_code in (200, 201), r.text[:300]
            # Signing out on B ends the session on A.
            assert (await on_b.delete("/api/v1/session", headers={"x-csrftoken": token})).status_code in (200, 204)
        r = await on_a.get(f"/api/v1/cases/{case_id}", headers={"x-csrftoken": token})
        assert r.status_code in (401, 403), (r.status_code, r.text[:200])
    assert in_redis, "the session was kept in Redis"


async def _wait_for(predicate: Any, deadline: float, what: str) -> None:
    """Poll ``predicate`` until it holds or ``deadline`` (a ``time.monotonic()`` value) passes."""
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_every_outbox_job_runs_exactly_once_with_two_workers_racing(cluster: Cluster, operator: Runtime) -> None:
    deadline = time.monotonic() + BUDGET
    jobs = 120
    keys = staff_key_folder(cluster.settings.key_path, cluster.root / f"worker-keys-{uuid.uuid4().hex[:6]}")
    (keys / "worker.key").write_bytes((cluster.settings.key_path / "worker.key").read_bytes())
    sids = ["AC" + "1" * 32, "AC" + "2" * 32]
    workers: list[WorkerProcess] = []
    with FakeTwilio() as twilio:
        try:
            for n, sid in enumerate(sids):
                env = process_env(cluster.settings, tiers="reporter,officer,research", key_dir=keys,
                                  data_dir=cluster.root / f"worker-data-{n}", secrets=cluster.secrets,
                                  names=WORKER_SECRETS,
                                  extra={"SIGNALEMENT_REDIS_URL": REDIS_URL,
                                         "SIGNALEMENT_REDIS_NAMESPACE": cluster.namespace,
                                         "SIGNALEMENT_WORKER_POLL_SECONDS": "0.2",
                                         "SIGNALEMENT_TWILIO_API_BASE": twilio.base_url,
                                         "SIGNALEMENT_TWILIO_ACCOUNT_SID": sid,
                                         "SIGNALEMENT_TWILIO_AUTH_TOKEN": "t" * 32,
                                         "SIGNALEMENT_TWILIO_FROM_NUMBER": "+15145550000"})
                workers.append(spawn_worker(env, cluster.root / f"worker-{n}-{uuid.uuid4().hex[:6]}.log"))

            async def both_polling() -> bool:
                for w in workers:
                    assert w.process.poll() is None, w.logs()[-2000:]
                return all("audit_anchor" in w.logs() for w in workers)

            await _wait_for(both_polling, deadline, "both workers to start polling")
            # Every job committed at once, so both workers find them due together.
            phones = [f"+1613555{n:04d}" for n in range(jobs)]
            async with operator.db.writing() as session:
                for n, phone in enumerate(phones):
                    await queue_sms(session, operator.public_keys.worker, SmsJob(to=phone, language="fr"),
                                    ref=f"race-{n}-{uuid.uuid4().hex[:6]}")
                await session.commit()

            async def all_done() -> bool:
                async with operator.db.reading() as session:
                    pending = await session.scalar(
                        select(func.count()).select_from(OutboxJob)
                        .where(OutboxJob.kind == SMS_JOB, OutboxJob.status != "done"))
                return pending == 0

            await _wait_for(all_done, deadline, f"{jobs} texts to be sent")
        finally:
            stop_all(workers)
        # Counted after both workers have exited: a late duplicate would be here.
        sent = Counter(m["To"] for m in twilio.messages)
        by_worker = Counter(m["path"].split("/")[3] for m in twilio.messages)
    assert set(sent) == set(phones)
    assert [p for p, n in sent.items() if n != 1] == [], "a text was sent more than once"
    assert len(twilio.messages) == jobs
    assert set(by_worker) == set(sids) and min(by_worker.values()) > 0, f"both workers raced: {by_worker}"
    for w in workers:
        assert w.process.returncode == 0, w.logs()[-2000:]
        assert "job_failed" not in w.logs()


class Balancer:
    """What a load balancer does for one reporter's browser: send each request to the preferred instance,
    and to the other one if the preferred cannot be reached (connection refused or closed)."""

    def __init__(self, client: httpx.AsyncClient, bases: list[str], prefer: int) -> None:
        self.client = client
        self.bases = bases
        self.prefer = prefer
        self.failovers = 0
        self.last_base = ""

    async def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        order = [self.bases[self.prefer % 2], self.bases[(self.prefer + 1) % 2]]
        for attempt, base in enumerate(order):
            try:
                response = await self.client.request(method, f"{base}{path}", **kw)
            except httpx.TransportError:
                if attempt == len(order) - 1:
                    raise
                self.failovers += 1
                continue
            if response.status_code in (502, 503) and attempt == 0:
                self.failovers += 1
                continue
            self.last_base = base
            return response
        raise AssertionError("unreachable")

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("POST", path, **kw)


class Submitter:
    """Files reports one after another, each from a loopback address of its own (as many reporters would:
    the per-client rate limit is not what this test is about), alternating the preferred instance."""

    def __init__(self, n: int, bases: list[str]) -> None:
        self.n = n
        self.bases = bases
        self.reports = 0
        self.failovers = 0
        self.acknowledged: list[tuple[str, str, str, float]] = []  # code, secret, instance, when
        self.errors: list[str] = []

    def _balancer(self) -> Balancer:
        self.reports += 1
        address = f"127.0.{10 + self.n}.{self.reports % 250 + 1}"
        client = httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=address), timeout=30)
        return Balancer(client, self.bases, prefer=self.n + self.reports)

    async def one_report(self) -> None:
        balancer = self._balancer()
        try:
            reporter = Reporter(balancer)  # type: ignore[arg-type]
            await reporter.start()
            for data in FLOW:
                page = await reporter.step(data)
                if page.status != 200:
                    self.errors.append(f"step answered {page.status}")
                    return
            receipt = await reporter.submit()
            if receipt.status == 200 and 'class="receipt"' in receipt.text:
                code, secret = receipt.receipt()
                self.acknowledged.append((code, secret, balancer.last_base, time.monotonic()))
            else:
                self.errors.append(f"submit answered {receipt.status}")
        finally:
            self.failovers += balancer.failovers
            await balancer.client.aclose()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.one_report()
            except httpx.TransportError as exc:  # both instances unreachable at once: not acknowledged
                self.errors.append(type(exc).__name__)

    async def opens(self, code: str, secret: str) -> bool:
        balancer = self._balancer()
        try:
            reporter = Reporter(balancer)  # type: ignore[arg-type]
            await reporter.get("/en/follow-up")
            portal = await reporter.post("/en/follow-up", {"code": code, "secret": secret}, keep=("_csrf_token",))
            return portal.status == 200 and 'name="token"' in portal.text
        finally:
            await balancer.client.aclose()


async def test_a_rolling_restart_under_load_loses_no_acknowledged_report(cluster: Cluster) -> None:
    deadline = time.monotonic() + BUDGET
    submitters = [Submitter(n, cluster.bases) for n in range(4)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run(stop)) for s in submitters]

    def acknowledged() -> list[tuple[str, str, str, float]]:
        return [r for s in submitters for r in s.acknowledged]

    try:
        async def some_filed() -> bool:
            return len(acknowledged()) >= 4

        await _wait_for(some_filed, deadline - 35, "reports to be acknowledged before the restart")
        # Roll instance A: SIGTERM (uvicorn finishes the requests in flight, then exits), a new process on its port.
        old = cluster.servers[0]
        port = int(old.base_url.rsplit(":", 1)[1])
        await asyncio.to_thread(old.stop)
        assert old.process.returncode is not None
        new = spawn_server(cluster.web_env, cluster.root / "web-a-restarted.log", port=port)
        cluster.servers[0] = new
        await asyncio.to_thread(wait_healthy, [new], max(1.0, deadline - 10 - time.monotonic()))
        restarted_at = time.monotonic()

        async def new_a_serves() -> bool:
            return sum(1 for _, _, base, t in acknowledged() if base == new.base_url and t > restarted_at) >= 2

        await _wait_for(new_a_serves, deadline - 5, "the restarted instance to acknowledge reports")
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    receipts = acknowledged()
    errors = [e for s in submitters for e in s.errors]
    print(f"acknowledged {len(receipts)} reports ({Counter(b for _, _, b, _ in receipts)}), "
          f"{sum(s.failovers for s in submitters)} failovers, not acknowledged: {Counter(errors)}")
    assert len(receipts) >= 6
    assert sum(s.failovers for s in submitters) > 0, "no request met the restart: it was not under load"
    # Every acknowledged receipt opens the follow-up portal (on either instance).
    for s in submitters:
        for code, secret, _, _ in s.acknowledged:
            assert await s.opens(code, secret), f"acknowledged report {code} does not open"
    # The check can fail: a receipt with a wrong secret does not open.
    code, secret, _, _ = receipts[0]
    assert not await submitters[0].opens(code, secret[::-1] if secret[::-1] != secret else secret + "1")
    # Nothing failed with a server error; a step refused while an instance stopped is not acknowledged.
    assert not [e for s in submitters for e in s.errors if " 5" in e and "503" not in e], \
        [e for s in submitters for e in s.errors]
