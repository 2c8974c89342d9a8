"""``messaging.download``: the one streamed, size-capped, Basic-auth download of a file held at Twilio.

MMS photos (``TwilioProvider.fetch_media``) and call recordings (``TwilioRecordings.fetch``) both read
through it, so these cases are tested once here, against a real HTTP server on 127.0.0.1 (no network):
the path is built under the account from the SID, the credentials go to Twilio's host and are dropped on
a redirect to another host, a 404 is ``MediaGoneError``, and more than the cap, announced or streamed, is
``MediaTooBigError`` without reading the rest.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from signalement.messaging import MediaGoneError, MediaTooBigError, TwilioProvider, download
from signalement.recordings import TwilioRecordings
from signalement.settings import load_settings

ACCOUNT = "AC" + "1" * 32
TOKEN = "download-token-" + "7" * 17
RECORDING = "RE" + "a" * 32
MESSAGE = "MM" + "b" * 32
MEDIA = "ME" + "c" * 32
BODY = b"ID3" + bytes(range(256)) * 40


class Peer(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str | None]] = []  # (host, path, Authorization)
    other_port = 0

    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        host = self.headers.get("Host", "")
        self.seen.append((host, self.path, self.headers.get("Authorization")))
        tail = self.path.rsplit("/", 1)[-1]
        if self.path == "/storage/file":
            self._send(200, BODY)
        elif tail == "gone":
            self._send(404, b"")
        elif tail == "announced-big":
            self.send_response(200)
            self.send_header("Content-Length", str(10_000_000))
            self.end_headers()
            self.wfile.write(b"x" * 1000)
        elif tail == "streamed-big":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(50):
                self.wfile.write(b"1000\r\n" + b"y" * 0x1000 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif tail == "moved":
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.other_port}/storage/file")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(200, BODY)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def peer() -> Iterator[str]:
    Peer.seen = []
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), Peer) for _ in range(2)]
    Peer.other_port = servers[1].server_address[1]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    yield f"http://127.0.0.1:{servers[0].server_address[1]}"
    for s in servers:
        s.shutdown()
        s.server_close()


def _settings(base: str):  # noqa: ANN202
    return load_settings({}, twilio_api_base=base, twilio_account_sid=ACCOUNT, twilio_auth_token=TOKEN)


BASIC = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()


async def test_a_recording_and_a_photo_are_read_under_the_account_with_basic_auth(peer: str) -> None:
    settings = _settings(peer)
    assert await TwilioRecordings(settings).fetch(RECORDING) == BODY
    assert await TwilioProvider(settings).fetch_media(MESSAGE, MEDIA, 1_000_000) == BODY
    paths = [(path, auth) for _, path, auth in Peer.seen]
    assert paths == [(f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{RECORDING}.mp3", BASIC),
                     (f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{MESSAGE}/Media/{MEDIA}", BASIC)]


async def test_a_redirect_to_another_host_does_not_carry_the_credentials(peer: str) -> None:
    assert await download(_settings(peer), "Recordings/moved", 1_000_000) == BODY
    first, second = Peer.seen
    assert first[2] == BASIC
    assert second[1] == "/storage/file" and second[0].startswith("localhost:")
    assert second[2] is None


async def test_a_file_twilio_no_longer_holds_is_gone(peer: str) -> None:
    with pytest.raises(MediaGoneError):
        await download(_settings(peer), "Recordings/gone", 1_000_000)


@pytest.mark.parametrize("resource", ["Recordings/announced-big", "Recordings/streamed-big"])
async def test_more_than_the_cap_is_refused_announced_or_streamed(peer: str, resource: str) -> None:
    with pytest.raises(MediaTooBigError):
        await download(_settings(peer), resource, 64 * 1024)


async def test_a_file_exactly_at_the_cap_is_read_whole(peer: str) -> None:
    assert await download(_settings(peer), "Recordings/exact", len(BODY)) == BODY
