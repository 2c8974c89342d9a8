"""Per-route request metrics: Litestar's Prometheus middleware with each label set's series looked up once.

Litestar's ``PrometheusMiddleware`` builds a ``Request``, two label dicts and a wrapped ``send`` for every
request, and asks ``prometheus_client`` for each series by its label values four times (validating and
converting them under a lock each time). Our labels are the method, the route template (``group_path``: no
case code, no language, no raw path), the status and the app name, so the series of a route are the same
objects every time: this keeps them in a dict. The metrics, their names, labels and values are Litestar's.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from litestar.plugins.prometheus import PrometheusMiddleware
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

if TYPE_CHECKING:
    from litestar.types import Message, Receive, Scope, Send

# Keys are method x route template x status, bounded by the routes (unhandled paths are excluded); the cap
# only guards against a client inventing methods. Beyond it, series are looked up as Litestar does.
MAX_SERIES = 2048


class RouteMetricsMiddleware(PrometheusMiddleware):
    """``PrometheusMiddleware`` for ``group_path=True`` and no extra labels or exemplars (else Litestar's own)."""

    def __init__(self, app: Any, config: Any) -> None:  # noqa: ANN401 - PrometheusMiddleware's signature
        super().__init__(app, config)
        self._fast = bool(config.group_path and not config.labels and not config.exemplars
                          and not config.excluded_http_methods)
        self._in_progress: dict[tuple[str, str], Any] = {}
        self._finished: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}

    def _labels(self, method: str, path: str, status: int) -> dict[str, str | int | float]:
        return {"method": method, "path": path, "status_code": status, "app_name": self._config.app_name}

    def _in_progress_series(self, method: str, path: str) -> Any:  # noqa: ANN401 - a prometheus child
        labels = self._labels(method, path, 200)  # Litestar counts requests in progress under status 200
        series = self.requests_in_progress(labels).labels(*labels.values())
        if len(self._in_progress) < MAX_SERIES:
            self._in_progress[method, path] = series
        return series

    def _finished_series(self, method: str, path: str, status: int) -> tuple[Any, Any, Any]:
        labels = self._labels(method, path, status)
        values = [*labels.values()]
        errors = (self.requests_error_count(labels).labels(*values)
                  if status >= HTTP_500_INTERNAL_SERVER_ERROR else None)
        series = (self.request_count(labels).labels(*values), self.request_time(labels).labels(*values), errors)
        if len(self._finished) < MAX_SERIES:
            self._finished[method, path, status] = series
        return series

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._fast:
            await super().__call__(scope, receive, send)
            return
        method = scope["method"] if scope["type"] == "http" else scope["type"]  # type: ignore[typeddict-item]
        path = scope["path_template"]
        started = time.perf_counter()
        status, duration = 200, 0.0

        async def timed_send(message: Message) -> None:
            nonlocal status, duration
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                duration = time.perf_counter() - started
            await send(message)

        in_progress = self._in_progress.get((method, path)) or self._in_progress_series(method, path)
        in_progress.inc()
        try:
            await self.app(scope, receive, timed_send)
        finally:
            in_progress.dec()
            count, seconds, errors = (self._finished.get((method, path, status))
                                      or self._finished_series(method, path, status))
            if errors is not None:
                errors.inc()
            count.inc()
            seconds.observe(duration)
