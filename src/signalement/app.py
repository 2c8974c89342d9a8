"""``create_app(settings)``: the one place where routers, plugins and middleware are assembled.

Tiers are separate packages (``reporter``, ``officer``, ``research``) and
``SIGNALEMENT_TIERS`` decides which are mounted: a public host can serve
only the reporter tier, so officer routes do not exist there at all.
"""

from __future__ import annotations

import functools
import gc
import hmac
from collections.abc import Callable

from litestar import Litestar, Response, get
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from signalement import health
from signalement.csrf_tokens import RefuseNonAsciiCsrfTokens
from signalement.errors import handle_exception
from signalement.hardening import harden_process
from signalement.logs import configure_logging
from signalement.metrics import operations
from signalement.metrics.comments import shred_expired
from signalement.metrics.events import Flusher
from signalement.metrics.snapshots import Refresher
from signalement.ratelimit import SharedRateLimitMiddleware
from signalement.request_bodies import RefuseUnstreamedMultipart
from signalement.request_metrics import RouteMetricsMiddleware
from signalement.runtime import Runtime
from signalement.security_headers import security_headers_hook
from signalement.settings import Settings, check_production, load_settings
from signalement.static_assets import serve_asset
from signalement.templating import TEMPLATES, template_config

STATIC = TEMPLATES.parent / "static"
DEFAULT_MAX_BODY = 64 * 1024
UNTHROTTLED = ["/static", "/healthz", "/readyz", "/metrics"]
LATENCY_BUCKETS: list[str | float] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]


def _metrics_guard(token: str):  # noqa: ANN202 - a Litestar guard
    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        given = connection.headers.get("authorization", "")
        if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise NotAuthorizedException
    return guard


def _csrf_config(settings: Settings, runtime: Runtime) -> CSRFConfig:
    return CSRFConfig(
        secret=runtime.csrf_secret,
        cookie_name="__Host-csrf" if settings.is_production else "csrftoken",
        cookie_secure=settings.is_production,
        cookie_httponly=True,
        cookie_samesite="strict",
        # Twilio authenticates by signature; the evidence upload checks the token
        # itself after streaming (see reporter.uploads).
        exclude=["/twilio/", "/metrics", "/healthz", "/readyz"],
    )


def _metrics_controller(runtime: Runtime) -> type[PrometheusController]:
    metrics_token = runtime.metrics_token

    class MetricsController(PrometheusController):
        guards = [_metrics_guard(metrics_token)]
        include_in_schema = False

        @get()
        async def get(self) -> Response:
            # Outbox, SLA and queue gauges come from the database, read now (metrics.operations).
            await operations.refresh(runtime.db)
            return await super().get.fn(self)

    return MetricsController


def _housekeeping(runtime: Runtime, snapshots: Refresher | None = None):  # noqa: ANN202 - for the flusher
    async def tick() -> None:
        if snapshots is not None:
            snapshots.kick()  # research figures, recomputed in a task of their own (metrics.snapshots)
        await shred_expired(runtime.db, runtime.settings.feedback_retention_days)
        await runtime.sweep_stores()
        if "reporter" in runtime.settings.enabled_tiers:
            from signalement.channels.expiry import forget_expired

            await forget_expired(runtime.db)  # idle SMS conversations, day-old webhook replay rows

    return tick


def runtime_of_app(state: State) -> Runtime:
    """The ``runtime`` dependency every controller may ask for: the app's shared services."""
    return state.runtime


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Litestar:
    settings = settings or load_settings()
    check_production(settings)
    configure_logging(settings.effective_log_format, settings.log_level)
    runtime = runtime if runtime is not None else Runtime(settings)
    tiers = settings.enabled_tiers

    handlers: list[ControllerRouterHandler] = [
        health.healthz,
        health.readyz,
        create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False,
                                   opt={"exclude_from_csrf": True}),
        serve_asset,
    ]
    startup: list[Callable[[], None]] = []
    if "reporter" in tiers:
        from signalement.receipts import new_receipt
        from signalement.reporter import build_router as reporter_router
        from signalement.triage.rulebook import default_rulebook

        startup.append(functools.partial(runtime.start_receipt_reserve, new_receipt))

        # Compile the triage rules now: a broken rule file stops the start, not every submission. The same for
        # the trained opinions' weights when they are on (about 200 ms): not on the first reporter's Send.
        default_rulebook()
        if runtime.settings.triage_second_opinion:
            from signalement.triage.category_opinion import default_model as category_model
            from signalement.triage.second_opinion import default_model

            default_model()
            category_model()
        handlers.append(reporter_router(runtime))
        from signalement.channels import build_router as channels_router

        handlers.append(channels_router(runtime))
    if "officer" in tiers:
        from signalement.officer import build_routers as officer_routers

        handlers.extend(officer_routers(runtime))
    if "research" in tiers:
        from signalement.research import build_router as research_router

        handlers.append(research_router(runtime))

    # Paths are grouped by route template ("/{lang:str}/report"): no case code, no language, no raw path.
    prometheus = PrometheusConfig(app_name="signalement", prefix="signalement", group_path=True,
                                  exclude=UNTHROTTLED, exclude_unhandled_paths=True, buckets=LATENCY_BUCKETS,
                                  middleware_class=RouteMetricsMiddleware)  # each route's series looked up once
    handlers.append(_metrics_controller(runtime))
    snapshots: Refresher | None = None
    if "research" in tiers:
        from signalement.research.pages import snapshot_settings

        snapshots = Refresher(runtime.db, snapshot_settings(runtime))
    flusher = Flusher(runtime.recorder, runtime.db, settings.metrics_flush_seconds,
                      on_tick=_housekeeping(runtime, snapshots))

    rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.rate_limit_per_minute),
        identifier_for_request=lambda request: runtime.client_hasher.for_connection(request, "rate"),
        store="rate_limit",
        # Twilio posts every reporter's texts from a few addresses; its webhooks are authenticated by signature.
        exclude=[*UNTHROTTLED, "/twilio/"],
        set_rate_limit_headers=False,
        middleware_class=SharedRateLimitMiddleware,  # one atomic count across replicas (ratelimit.py)
    )

    openapi: OpenAPIConfig | None = None
    if "officer" in tiers:
        from signalement.officer.api.description import openapi_config

        openapi = openapi_config(runtime)  # staff only, and a viewer our CSP allows

    csrf = _csrf_config(settings, runtime)
    return Litestar(
        route_handlers=handlers,
        middleware=[prometheus.middleware, rate_limit.middleware, RefuseUnstreamedMultipart(),
                    RefuseNonAsciiCsrfTokens(csrf)],
        before_send=[security_headers_hook(hsts=settings.is_production)],
        csrf_config=csrf,
        # Brotli where the browser takes it, gzip otherwise. No BREACH oracle: pages holding a secret
        # answer only requests that carry our SameSite=Strict cookies, which no other site can send.
        # Quality 5 (Litestar's), window 64 KB: every page fits in it, so it costs no bytes, and brotli's match
        # tables shrink from about 1 MB (a 4 MB window's) to what a page needs: a step page's compression about
        # a quarter cheaper in the app (docs/performance.md, fourth round).
        compression_config=CompressionConfig(backend="brotli", brotli_gzip_fallback=True, brotli_lgwin=16),
        template_config=template_config(settings.quick_exit_url, reload=settings.debug and not settings.is_production),
        exception_handlers={Exception: handle_exception},
        logging_config=None,  # ours is configured above; Litestar's would log request details
        debug=settings.debug and not settings.is_production,
        request_max_body_size=DEFAULT_MAX_BODY,
        openapi_config=openapi,
        stores={"rate_limit": runtime.store("rate_limit"), "sessions": runtime.store("sessions")},
        state=State({"runtime": runtime}),
        dependencies={"runtime": Provide(runtime_of_app, sync_to_thread=False)},
        # Each worker process fills its own receipt reserve once it serves (never inherited across a fork).
        on_startup=[flusher.start, *startup],
        # Counts still in memory are written before the database closes.
        on_shutdown=[*([snapshots.stop] if snapshots else []), flusher.stop, runtime.close],
    )


def freeze_startup_heap() -> None:
    """Move every object alive once a worker has started (modules, routes, templates, rules) out of the
    garbage collector's sight: a full collection then walks only what requests made since. Measured on a
    worker (``benchmarks/cpu.py``): a full collection cost 120-130 ms of CPU before, under 1 ms after, and
    the Send that set one off paid all of it. Collected first, so that no garbage is frozen."""
    gc.collect()
    gc.freeze()


def create_served_app(*, harden: bool = True) -> Litestar:
    """``create_app`` for each worker of ``signalement serve``: the same app, its startup heap frozen once
    the startup hooks have run. Not in ``create_app`` itself: tests build hundreds of apps in one process,
    and frozen objects are never freed. Each worker starts from a fresh ``execve``, which makes a process
    dumpable again: it hardens itself before it reads a setting or a key. ``harden=False`` only for a test
    that builds this app inside its own process, which the hardening would change for good."""
    if harden:
        harden_process()
    app = create_app()
    app.on_startup.append(freeze_startup_heap)
    return app

