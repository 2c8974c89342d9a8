"""The API description at ``/schema``: for signed-in staff only, readable without a script from elsewhere.

Litestar's stock viewers load their JavaScript from a CDN, which our CSP
(``script-src 'self'``) rightly refuses, so the page showed nothing; and the
description was public, which tells anyone the shape of the case API. Here
the viewer is plain HTML rendered on our host (no script at all), and both
``/schema`` and ``/schema/openapi.json`` sit behind the staff session guard.
The document declares how clients authenticate: the two session cookies
(session id and the key half) plus the CSRF cookie and the ``X-CSRFToken`` header that must match it.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin
from litestar.openapi.spec import Components, Reference, SecurityScheme

from signalement import __version__
from signalement.errors import handle_exception
from signalement.officer.api.schemas import UNAUTHENTICATED
from signalement.runtime import Runtime
from signalement.settings import Settings
from signalement.staff import rendering
from signalement.staff.access import Permission
from signalement.staff.guard import SignInRequiredError, csrf_cookie_name, declare
from signalement.staff.routing import router_options
from signalement.staff.sessions import CookieNames

PATH = "/schema"
CSRF_HEADER = "X-CSRFToken"
SESSION_SCHEME, KEY_SCHEME, CSRF_SCHEME, CSRF_COOKIE_SCHEME = "sessionCookie", "keyCookie", "csrfHeader", "csrfCookie"
METHODS = ("get", "post", "put", "patch", "delete")


def security_schemes(settings: Settings) -> dict[str, SecurityScheme | Reference]:
    names = CookieNames.for_settings(settings)
    return {
        SESSION_SCHEME: SecurityScheme(
            type="apiKey", name=names.session, security_scheme_in="cookie",
            description="Set by POST /api/v1/session (username, password, TOTP code). HttpOnly, SameSite=Strict.",
        ),
        KEY_SCHEME: SecurityScheme(
            type="apiKey", name=names.key, security_scheme_in="cookie",
            description="Set with the session cookie: the half of the session key the store never holds.",
        ),
        CSRF_SCHEME: SecurityScheme(
            type="apiKey", name=CSRF_HEADER, security_scheme_in="header",
            description="The csrf_token from GET or POST /api/v1/session; a new one after signing in. "
                        "Checked on every change (POST, PUT, PATCH, DELETE).",
        ),
        CSRF_COOKIE_SCHEME: SecurityScheme(
            type="apiKey", name=csrf_cookie_name(settings), security_scheme_in="cookie",
            description=f"Set with the token; sent back with the {CSRF_HEADER} header, which must match it.",
        ),
    }


class SchemaViewer(OpenAPIRenderPlugin):
    """The description as a workspace page: operations, parameters, bodies and answers, no script."""

    def __init__(self) -> None:
        super().__init__(path="/")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        page = rendering.render(
            request, "api_schema.html", operations=operations_of(openapi_schema),
            schemas=sorted(openapi_schema.get("components", {}).get("schemas", {}).items()),
            schemes=openapi_schema.get("components", {}).get("securitySchemes", {}),
            info=openapi_schema.get("info", {}),
        )
        engine = request.app.template_engine
        assert engine is not None and page.template_name is not None
        return engine.get_template(page.template_name).render(**page.create_template_context(request)).encode()


def operations_of(openapi_schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation, in path order, with what the viewer shows of it."""
    out = []
    for path, item in sorted(openapi_schema.get("paths", {}).items()):
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            out.append({
                "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").strip("-"),
                "method": method.upper(),
                "path": path,
                "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "parameters": op.get("parameters", []),
                "body": [(media, _ref_name(spec.get("schema", {}))) for media, spec in body.items()],
                "responses": [(code, r.get("description", "")) for code, r in sorted(op.get("responses", {}).items())],
                "public": op.get("security") == UNAUTHENTICATED,
            })
    return out


def _ref_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else str(schema.get("type", ""))


def _signed_out(request: Request, exc: SignInRequiredError) -> Response[Any]:
    """The viewer sends a browser to sign in; the JSON answers a client with a 401 problem."""
    if request.url.path.endswith(".json"):
        return handle_exception(request, exc)
    return rendering.sign_in_redirect(request, exc)


def openapi_config(runtime: Runtime) -> OpenAPIConfig:
    options = router_options(runtime, html=True)
    options["exception_handlers"] = {**options["exception_handlers"], SignInRequiredError: _signed_out}
    router = Router(PATH, route_handlers=[], include_in_schema=False, opt=declare(Permission.ACCOUNT), **options)
    return OpenAPIConfig(
        title="Signalement officer API",
        version=__version__,
        path=PATH,
        description=(
            "Case work for integrity officers. Sign in with POST /api/v1/session; send the session cookies "
            f"on every call and the {CSRF_HEADER} header on every change."
        ),
        render_plugins=[SchemaViewer(), JsonRenderPlugin()],
        openapi_router=router,
        components=Components(security_schemes=security_schemes(runtime.settings)),
        # Send all four (what signing in sets). The guard itself needs only the session: the key cookie
        # opens case content and the CSRF pair is checked on changes, as each scheme's description says.
        security=[{SESSION_SCHEME: [], KEY_SCHEME: [], CSRF_SCHEME: [], CSRF_COOKIE_SCHEME: []}, {SESSION_SCHEME: []}],
    )
