"""RouteMetricsMiddleware counts exactly what Litestar's own Prometheus middleware counts."""

from __future__ import annotations

import pytest
from litestar import Litestar, Response, get, post
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from signalement.request_metrics import RouteMetricsMiddleware

PREFIX = "t_route_metrics"


@get("/{lang:str}/page")
async def page(lang: str) -> str:
    return lang


@post("/{lang:str}/send", status_code=303)
async def send(lang: str) -> Response[None]:
    return Response(None, status_code=303, headers={"location": f"/{lang}/page"})


@get("/boom")
async def boom() -> None:
    raise RuntimeError("a 500")


def _samples() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for metric in REGISTRY.collect() if metric.name.startswith(PREFIX)
            for s in metric.samples if not s.name.endswith("_created")}


def _counted(middleware_class: type[PrometheusMiddleware]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """What a fixed run of requests adds to every series (the collectors are shared across apps)."""
    config = PrometheusConfig(app_name="t", prefix=PREFIX, group_path=True, exclude=["/metrics"],
                              exclude_unhandled_paths=True, buckets=[0.5, 60.0], middleware_class=middleware_class)
    app = Litestar([page, send, boom], middleware=[config.middleware], debug=False)
    before = _samples()
    with TestClient(app, raise_server_exceptions=False) as client:
        for lang in ("en", "fr", "en"):
            assert client.get(f"/{lang}/page").status_code == 200
        assert client.post("/en/send", follow_redirects=False).status_code == 303
        assert client.put("/en/page").status_code == 405
        assert client.get("/boom").status_code == 500
        assert client.get("/boom").status_code == 500
        assert client.get("/not/a/route").status_code == 404
    after = _samples()
    return {key: after[key] - before.get(key, 0.0) for key in after if not key[0].endswith("_sum")}


@pytest.mark.parametrize("first", [PrometheusMiddleware, RouteMetricsMiddleware])
def test_every_series_counts_as_litestars_own_middleware_counts(first: type[PrometheusMiddleware]) -> None:
    second = RouteMetricsMiddleware if first is PrometheusMiddleware else PrometheusMiddleware
    ours_or_theirs = _counted(first)
    assert ours_or_theirs == _counted(second)
    # and the counts are the requests made: a page per language, the 303, the 405, the two 500s
    totals = {dict(k[1])["path"] + " " + dict(k[1])["status_code"]: v
              for k, v in ours_or_theirs.items() if k[0] == f"{PREFIX}_requests_total"}
    assert totals == {"/{lang}/page 200": 3, "/{lang}/send 303": 1, "/boom 500": 2}  # a 405 has no route
    errors = [v for k, v in ours_or_theirs.items() if k[0] == f"{PREFIX}_requests_error_total"]
    assert errors == [2]


class _CountingLookups(RouteMetricsMiddleware):
    lookups: list[tuple[str, str, int]] = []

    def _finished_series(self, method: str, path: str, status: int) -> tuple[object, object, object]:
        self.lookups.append((method, path, status))
        return super()._finished_series(method, path, status)


def test_a_route_series_is_looked_up_once() -> None:
    config = PrometheusConfig(app_name="t", prefix=PREFIX, group_path=True, exclude_unhandled_paths=True,
                              middleware_class=_CountingLookups)
    with TestClient(Litestar([page], middleware=[config.middleware])) as client:
        for lang in ("en", "fr", "es", "en"):
            assert client.get(f"/{lang}/page").status_code == 200
    assert _CountingLookups.lookups == [("GET", "/{lang}/page", 200)]
