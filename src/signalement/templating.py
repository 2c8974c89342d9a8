"""Jinja templates with gettext wired to the per-request language.

``_()`` and ``{% trans %}`` in templates call ``signalement.i18n``, which reads
the language from a context variable, so concurrent requests in different
languages never see each other's translations. Autoescaping is on and
undefined variables are errors, so a typo fails a test instead of rendering
an empty string.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from signalement import i18n
from signalement.static_assets import asset_url

TEMPLATES = Path(__file__).parent / "templates"


def build_environment(quick_exit_url: str = "https://weather.gc.ca/", *, reload: bool = False) -> Environment:
    """``reload``: look for edited template files on every render (debug); otherwise they are read once."""
    env = Environment(
        auto_reload=reload,
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html", "svg", "xml")),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(gettext=_gettext, _=_gettext)
    env.globals.update(
        languages=i18n.LANGUAGES,
        officer_languages=i18n.OFFICER_LANGUAGES,
        current_language=i18n.current_language,
        quick_exit_url=quick_exit_url,
        asset_url=asset_url,
    )
    return env


@pass_context
def _gettext(context: Context, message: str, **variables: Any) -> str:
    """Jinja's new-style ``_()``, the same output without its indirections: the catalogue is called directly,
    and a translation with no parameters and no ``%`` is not run through ``%`` (it would come back the same).
    A template renders about twenty of these per page."""
    text: str = i18n.gettext(message)
    if context.eval_ctx.autoescape:
        # Our own catalogue's text, marked safe as Jinja's own gettext marks it; the parameters are escaped.
        text = Markup(text)  # noqa: S704  # nosec B704
    return text % variables if variables or "%" in text else text


def template_config(quick_exit_url: str = "https://weather.gc.ca/", *,
                    reload: bool = False) -> TemplateConfig[JinjaTemplateEngine]:
    env = build_environment(quick_exit_url, reload=reload)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))
