"""Liveness and readiness probes for load balancers and Kubernetes."""

from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text

from signalement.db.migrate import current_revision, schema_readiness
from signalement.runtime import Runtime
from signalement.vault.keystore import KeyStoreError

PROBE_OPTS = {"exclude_from_csrf": True, "exclude_from_auth": True}


@get("/healthz", include_in_schema=False, opt=PROBE_OPTS, sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@get("/readyz", include_in_schema=False, opt=PROBE_OPTS)
async def readyz(state: State) -> Response[dict[str, object]]:
    """Ready to take reports: database reachable, schema at this release's head (or at a newer release's,
    during a rolling upgrade: ``schema_readiness``), keys loaded."""
    runtime: Runtime = state.runtime
    checks: dict[str, str] = {}
    schema_ok = False
    try:
        async with runtime.db.reading() as session:
            await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        schema_ok, checks["migrations"] = schema_readiness(await current_revision(runtime.db))
    except Exception as exc:  # any driver error means not ready; the type is enough to debug
        checks["database"] = f"unreachable ({type(exc).__name__})"
        checks.setdefault("migrations", "unknown")
    try:
        runtime.public_keys.refresh()
        _ = runtime.public_keys.current
        _ = runtime.public_keys.master
        checks["keys"] = "ok"
    except KeyStoreError:
        checks["keys"] = "missing: run 'signalement init'"
    ready = all(v == "ok" for k, v in checks.items() if k != "migrations") and schema_ok
    return Response({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
