"""The receipt page: rendered by Jinja once per language and variant, then filled in for each report.

A receipt is the same page for every reporter of a language but for four values: the case code, the secret,
the sealed draft and the CSRF token. Rendering the whole template on every Send (twenty translated strings,
the language buttons, the feedback form) cost about 0.7 ms of CPU, a tenth of a Send outside Argon2id. Here
Jinja renders it once per process, language and variant (the urgency's promise, the danger notice, the text
message line) with a marker where each of those four values goes; a Send joins the pieces with its values,
escaped as Jinja's autoescape escapes them. Nothing a reporter typed or received is kept by the cache: its
key is the language and the variant, its pieces the template's own text.

The page is only ever answered to a form post that carried the visit cookie (``visit.required``), so the
base template's ``data-visit="none"`` marker, shown to browsers without one, never belongs on it.
"""

from __future__ import annotations

import html
import re
import weakref
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from litestar.enums import MediaType
from litestar.exceptions import ImproperlyConfiguredException
from litestar.response import Template
from litestar.response.base import ASGIResponse
from litestar.utils.empty import value_or_default
from litestar.utils.scope.state import ScopeState
from markupsafe import escape

from signalement import i18n

if TYPE_CHECKING:
    from collections.abc import Iterable

    from litestar.app import Litestar
    from litestar.background_tasks import BackgroundTask, BackgroundTasks
    from litestar.connection import Request
    from litestar.datastructures import Cookie
    from litestar.types import TypeEncodersMap

RECEIPT = "reporter/report/receipt.html"
FILLED = ("code", "secret", "draft_state", "csrf_input")
# Private-use characters: no translation, no escaping and no reporter value can produce them in the page.
_MARKER = re.compile("\ue000([a-z_]+)\ue001")
# Per template environment (apps in one process may differ: the quick-exit address), per variant.
_SKELETONS: weakref.WeakKeyDictionary[Environment, dict[tuple[str, ...], tuple[str, ...]]] = (
    weakref.WeakKeyDictionary()
)


class ReceiptPage(Template):
    """``Template(RECEIPT, context)``, the same bytes, without rendering the template on every Send."""

    def __init__(self, *, lang: i18n.Language, promise: str, danger: bool, contact_pref: str, values: dict[str, str],
                 feedback_page: str = "receipt") -> None:
        context: dict[str, Any] = {"lang": lang, "page_path": "/report", "promise": promise, "danger": danger,
                                   "contact_pref": contact_pref, "feedback_page": feedback_page, **values}
        super().__init__(template_name=RECEIPT, context=context, media_type=MediaType.HTML)
        self.variant = (lang.code, promise, str(danger), contact_pref, feedback_page)
        self.values = values

    def to_asgi_response(  # Template's own, keyword for keyword
        self,
        app: Litestar | None,
        request: Request[Any, Any, Any],
        *,
        background: BackgroundTask | BackgroundTasks | None = None,
        cookies: Iterable[Cookie] | None = None,
        encoded_headers: Iterable[tuple[bytes, bytes]] | None = None,
        headers: dict[str, str] | None = None,
        is_head_response: bool = False,
        media_type: MediaType | str | None = None,
        status_code: int | None = None,
        type_encoders: TypeEncodersMap | None = None,
    ) -> ASGIResponse:
        engine = request.app.template_engine
        if engine is None:
            raise ImproperlyConfiguredException("Template engine is not configured")
        environment: Environment = engine.engine
        if environment.auto_reload:  # templates being edited (debug): render each time, as Template does
            return super().to_asgi_response(
                app, request, background=background, cookies=cookies, encoded_headers=encoded_headers,
                headers=headers, is_head_response=is_head_response, media_type=media_type,
                status_code=status_code, type_encoders=type_encoders,
            )
        token = value_or_default(ScopeState.from_scope(request.scope).csrf_token, "")
        filled = {
            # Exactly what Litestar's Template puts in ``csrf_input`` (rendered with ``|safe``).
            "csrf_input": f'<input type="hidden" name="_csrf_token" value="{html.escape(token)}" />',
            **{name: str(escape(value)) for name, value in self.values.items()},
        }
        pieces = self._skeleton(environment)
        body = "".join(filled[piece] if i % 2 else piece for i, piece in enumerate(pieces))
        return ASGIResponse(
            background=self.background or background,
            body=body.encode(self.encoding),
            cookies=self.cookies if cookies is None else [*self.cookies, *cookies],
            encoded_headers=encoded_headers,
            encoding=self.encoding,
            headers={**headers, **self.headers} if headers is not None else self.headers,
            is_head_response=is_head_response,
            media_type=MediaType.HTML,
            status_code=self.status_code or status_code,
        )

    def _skeleton(self, environment: Environment) -> tuple[str, ...]:
        """The page split at its markers: text, a value's name, text, ... (rendered the first time)."""
        cache = _SKELETONS.setdefault(environment, {})
        pieces = cache.get(self.variant)
        if pieces is None:
            context = {**self.context, **{name: f"\ue000{name}\ue001" for name in FILLED}}
            with i18n.using(context["lang"].code):
                page = environment.get_template(RECEIPT).render(context)
            pieces = cache[self.variant] = tuple(_MARKER.split(page))
            missing = set(FILLED) - set(pieces[1::2])
            if missing or len(pieces) < 3:
                raise RuntimeError(f"{RECEIPT} no longer shows {sorted(missing)}")
        return pieces
