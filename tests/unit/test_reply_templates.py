"""Reply templates come from the reporter catalogues, really translated into every reporter language."""

from __future__ import annotations

import pytest

from signalement import i18n
from signalement.reply_templates import TEMPLATES, UnknownTemplateError, compose, template_text


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_reads_differently_in_every_reporter_language(key: str) -> None:
    texts = {lang.code: template_text(key, lang.code) for lang in i18n.LANGUAGES}
    assert len(set(texts.values())) == len(texts), texts  # none fell back to English
    assert all(t.strip() for t in texts.values())


def test_chinese_sentences_are_joined_without_a_space_and_others_with_one() -> None:
    assert template_text("danger", "zh").startswith("如果现在有人有危险，请拨打911。电话")
    assert template_text("danger", "en") == (
        "If someone is in danger now, call 911. It is free. If you do not speak English or French, "
        "say the name of your language."
    )


def test_the_officers_own_words_follow_the_template() -> None:
    assert compose("more", "pa", "  When did it start?  ") == f"{template_text('more', 'pa')}\n\nWhen did it start?"
    assert compose("received", "vi", " ") == template_text("received", "vi")
    with pytest.raises(UnknownTemplateError):
        compose("../etc", "pa", "")


def test_the_template_leaves_the_callers_language_and_domain_as_they_were() -> None:
    with i18n.using("fr", i18n.OFFICER):
        template_text("received", "pa")
        assert i18n.current_language().code == "fr" and i18n.gettext("Sign out") == "Fermer la session"


def test_the_api_offers_exactly_the_templates_there_are() -> None:
    from typing import get_args

    from signalement.officer.api.schemas import ReplyTemplateKey

    assert get_args(ReplyTemplateKey) == tuple(TEMPLATES)
