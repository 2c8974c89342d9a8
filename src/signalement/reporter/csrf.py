"""Litestar's CSRF check, for the two places that cannot leave it to the middleware.

* Evidence uploads are excluded from ``CSRFMiddleware`` because the middleware
  would parse the body with ``request.form()``, which spools file parts over
  1 MB to a temporary file: a worker's photo, in clear, on our disk. The
  upload handler streams the body itself and checks the token here, with the
  middleware's own comparison and the app's own ``CSRFConfig``.
* A page that failed the check is shown again (``expired``) with a token that
  will pass next time: the cookie's own value when it is still valid,
  otherwise a new one set in a new cookie, exactly as the middleware would on
  a GET.

No new scheme: tokens are made, signed and compared by Litestar (text that is not ASCII refused first:
``signalement.csrf_tokens``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.middleware.csrf import generate_csrf_token
from litestar.utils.scope.state import ScopeState

from signalement.csrf_tokens import AsciiCSRFChecker


async def _unused_app(scope: Any, receive: Any, send: Any) -> None:  # the checker never forwards a request
    raise RuntimeError("not an application")


def _checker(config: CSRFConfig) -> AsciiCSRFChecker:
    return AsciiCSRFChecker(app=_unused_app, config=config)


def _config(request: Request[Any, Any, Any]) -> CSRFConfig:
    config = request.app.csrf_config
    if config is None:
        raise RuntimeError("the reporter tier requires the app's CSRF configuration")
    return config


def token_matches(request: Request[Any, Any, Any], form_token: str) -> bool:
    """Litestar's own double-submit check: the form token and the cookie are both signed and agree."""
    config = _config(request)
    cookie = request.cookies.get(config.cookie_name)
    if not form_token or not cookie:
        return False
    if not _checker(config)._csrf_tokens_match(form_token, cookie):
        return False
    ScopeState.from_scope(request.scope).csrf_token = form_token  # what ``csrf_input`` renders next
    return True


def renew_token(request: Request[Any, Any, Any]) -> list[Cookie]:
    """Make the next form post pass: reuse a valid cookie, or issue a new token and cookie."""
    config = _config(request)
    cookie = request.cookies.get(config.cookie_name)
    checker = _checker(config)
    if cookie and checker._decode_csrf_token(cookie) is not None:
        ScopeState.from_scope(request.scope).csrf_token = cookie
        return []
    token = generate_csrf_token(secret=config.secret)
    ScopeState.from_scope(request.scope).csrf_token = token
    return [
        Cookie(
            key=config.cookie_name,
            value=token,
            path=config.cookie_path,
            secure=config.cookie_secure,
            httponly=config.cookie_httponly,
            samesite=config.cookie_samesite,
            domain=config.cookie_domain,
        )
    ]
