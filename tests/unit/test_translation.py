"""The LibreTranslate adapter against a real HTTP peer on 127.0.0.1: what it sends, and how it fails."""

from __future__ import annotations

import time

import pytest

from signalement.settings import SettingsError, load_settings
from signalement.translation import LibreTranslateProvider, TranslationUnavailableError, translation_provider
from support.live import free_port
from support.translation_peer import FakeLibreTranslate, fake_translation

TEXT = "ਉਸ ਨੇ ਸਾਡੇ ਪਾਸਪੋਰਟ ਵੀ ਰੱਖੇ ਹੋਏ ਹਨ"


def test_machine_translation_is_off_unless_a_server_is_named() -> None:
    assert translation_provider(load_settings({})) is None
    on = translation_provider(load_settings({"SIGNALEMENT_TRANSLATION_URL": "http://mt.internal:5000"}))
    assert isinstance(on, LibreTranslateProvider) and on.endpoint == "http://mt.internal:5000/translate"


@pytest.mark.parametrize("bad", ["ftp://mt.internal", "mt.internal:5000", "http://mt.internal/?key=1"])
def test_a_translation_address_that_is_not_plain_http_is_refused(bad: str) -> None:
    with pytest.raises(SettingsError, match="TRANSLATION_URL"):
        load_settings({"SIGNALEMENT_TRANSLATION_URL": bad})
    with pytest.raises(SettingsError, match="TRANSLATION_TIMEOUT"):
        load_settings({"SIGNALEMENT_TRANSLATION_TIMEOUT_SECONDS": "0"})


async def test_the_adapter_sends_libretranslates_request_and_reads_its_answer() -> None:
    with FakeLibreTranslate() as peer:
        provider = LibreTranslateProvider(peer.base_url + "/", api_key="k-123", timeout=5)
        assert await provider.translate(TEXT, source="pa", target="en") == fake_translation(TEXT, "en")
    assert peer.received == [
        {"path": "/translate", "q": TEXT, "source": "pa", "target": "en", "format": "text", "api_key": "k-123"}
    ]


async def test_a_slow_server_times_out_calmly_within_the_timeout() -> None:
    with FakeLibreTranslate("slow", delay=10) as peer:
        provider = LibreTranslateProvider(peer.base_url, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(TranslationUnavailableError):
            await provider.translate(TEXT, source="pa", target="en")
        assert time.monotonic() - started < 3


@pytest.mark.parametrize("mode", ["error", "garbled", "not_http"])
async def test_an_error_status_a_garbled_answer_or_another_protocol_is_unavailable_not_a_crash(mode: str) -> None:
    with FakeLibreTranslate(mode) as peer:  # type: ignore[arg-type]
        with pytest.raises(TranslationUnavailableError):
            await LibreTranslateProvider(peer.base_url, timeout=5).translate(TEXT, source="pa", target="en")
        assert len(peer.received) == 1


async def test_a_closed_port_is_unavailable() -> None:
    provider = LibreTranslateProvider(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(TranslationUnavailableError):
        await provider.translate(TEXT, source="pa", target="fr")


async def test_a_redirect_is_not_followed_so_the_words_go_nowhere_else() -> None:
    with FakeLibreTranslate() as elsewhere, FakeLibreTranslate("redirect", redirect_to=elsewhere.base_url) as peer:
        with pytest.raises(TranslationUnavailableError):
            await LibreTranslateProvider(peer.base_url, timeout=5).translate(TEXT, source="pa", target="en")
        assert len(peer.received) == 1 and elsewhere.received == []
