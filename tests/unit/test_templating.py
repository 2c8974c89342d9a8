"""``templating._gettext``: Jinja's new-style ``_()`` without its indirections, and the same output."""

from __future__ import annotations

import pytest
from jinja2 import Environment, select_autoescape

from signalement import i18n
from signalement.templating import build_environment

SOURCES = [
    '{{ _("Next") }}',
    '{{ _("Step %(number)s of %(total)s", number=3, total=8) }}',
    '{{ _("Step %(number)s of %(total)s", number="<b>3</b>", total="&") }}',
    '{{ _("One bar per arm, with its 95%% Wilson interval.") }}',
    '{{ _("You can write up to %(max)s characters. You can also leave this empty.", max="20 000") }}',
    "{% trans %}Quick exit{% endtrans %}",
    "{% trans n=2 %}Step {{ n }} & more{% endtrans %}",
    '{{ ngettext("%(num)s file", "%(num)s files", 2) }}',
]


def jinja_reference() -> Environment:
    env = Environment(autoescape=select_autoescape(default_for_string=True), extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


@pytest.mark.parametrize("lang", ["en", "fr", "zh"])
@pytest.mark.parametrize("source", SOURCES)
def test_our_gettext_renders_what_jinjas_renders(source: str, lang: str) -> None:
    ours = build_environment()
    ours.autoescape = select_autoescape(default_for_string=True)
    with i18n.using(lang):
        assert ours.from_string(source).render() == jinja_reference().from_string(source).render()


def test_parameters_are_escaped_and_the_translation_is_not() -> None:
    env = build_environment()
    env.autoescape = select_autoescape(default_for_string=True)
    with i18n.using("en"):
        out = env.from_string('{{ _("Step %(number)s of %(total)s", number="<b>", total=8) }}').render()
    assert out == "Step &lt;b&gt; of 8"
