"""Real HTTP peers on 127.0.0.1 for Twilio's REST side.

* ``FakeTwilio``: a small stateful server of our own that records each message it is sent, and each
  message deleted (``DELETE .../Messages/{Sid}.json``: 204 for a message it holds or was told of, else 404).
  It also holds MMS files (``media``): served at Twilio's media URL only with HTTP Basic auth (the account
  SID and the test token), through a redirect as Twilio does, and deleted at ``.../Media/{Sid}.json``; and
  it answers ``GET .../Messages/{Sid}.json`` with the sender of an inbound message it was told of.
* ``prism()``: Prism serving Twilio's published OpenAPI description, which validates every request
  our real ``twilio`` client sends against Twilio's schema (it keeps no state).
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import httpx

from support.browser import require_node
from support.live import free_port, health_probe
from support.pg import CI
from support.twilio_webhooks import TOKEN

SPEC = Path(__file__).resolve().parents[3] / "shared" / "data" / "twilio" / "twilio_api_v2010.json"
PRISM = Path(__file__).resolve().parents[1] / "js" / "node_modules" / ".bin" / "prism"
ACCOUNT_SID = "AC" + "0" * 32


class FakeTwilio:
    def __init__(self, fail_with: int | None = None) -> None:
        self.messages: list[dict[str, str]] = []
        self.deleted: list[str] = []
        self.known: set[str] = set()  # SIDs of messages Twilio would hold (inbound texts the test sent)
        self.fail_with = fail_with
        self.media: dict[str, bytes] = {}  # media SID -> the file, as a phone sent it
        self.senders: dict[str, str] = {}  # inbound message SID -> its From
        self.fetched: list[str] = []  # media SIDs downloaded with the right credentials
        self.refused: list[str] = []  # requests for a file without them
        self.deleted_media: list[str] = []
        self.broken: set[str] = set()  # media SIDs answered 503, as during an outage
        self.cdn_saw_auth = False  # whether the credentials followed the redirect (they must not leave Twilio)
        outer = self
        expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{TOKEN}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: int, body: dict[str, object]) -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                parts = self.path.split("?", 1)[0].split("/")
                if parts[1] == "cdn":  # Twilio's media URL redirects to a short-lived CDN address
                    outer.cdn_saw_auth = outer.cdn_saw_auth or "authorization" in self.headers
                    data = outer.media.get(parts[2])
                    if data is None:
                        return self._json(404, {"code": 20404, "message": "not found", "status": 404})
                    self.send_response(200)
                    self.send_header("content-type", "image/jpeg")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if "Media" in parts and not parts[-1].endswith(".json"):
                    sid = parts[-1]
                    if self.headers.get("authorization") != expected_auth:
                        outer.refused.append(sid)
                        return self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
                    if sid in outer.broken:
                        return self._json(503, {"code": 20503, "message": "unavailable", "status": 503})
                    if sid not in outer.media or sid in outer.deleted_media:
                        return self._json(404, {"code": 20404, "message": "not found", "status": 404})
                    outer.fetched.append(sid)
                    self.send_response(307)
                    self.send_header("location", f"{outer.cdn_url}/cdn/{sid}")  # another origin
                    self.end_headers()
                    return
                sid = parts[-1].removesuffix(".json")
                if sid in outer.senders:
                    return self._json(200, {"sid": sid, "from": outer.senders[sid], "to": "+15005550006",
                                            "status": "received", "body": "", "num_media": "1"})
                self._json(404, {"code": 20404, "message": "not found", "status": 404})

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if outer.fail_with:
                    self.send_response(outer.fail_with)
                    self.send_header("content-type", "application/json")
                    self.end_headers()
                    body = {"code": 21211, "message": "invalid", "status": outer.fail_with}
                    self.wfile.write(json.dumps(body).encode())
                    return
                outer.messages.append({"path": self.path, **form})
                sid = f"SM{len(outer.messages):032d}"
                self.send_response(201)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"sid": sid, "status": "queued", "to": form.get("To"),
                                             "from": form.get("From"), "body": form.get("Body")}).encode())

            def do_DELETE(self) -> None:  # noqa: N802 - http.server's naming
                sid = self.path.rsplit("/", 1)[-1].removesuffix(".json")
                if "/Media/" in self.path:
                    if sid in outer.media and sid not in outer.deleted_media:
                        outer.deleted_media.append(sid)
                        self.send_response(204)
                        self.end_headers()
                        return
                    return self._json(404, {"code": 20404, "message": "not found", "status": 404})
                sent = {f"SM{i + 1:032d}" for i in range(len(outer.messages))}
                if sid in outer.known | sent and sid not in outer.deleted:
                    outer.deleted.append(sid)
                    self.send_response(204)
                    self.end_headers()
                    return
                self.send_response(404)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"code": 20404, "message": "not found", "status": 404}).encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.cdn = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # the media CDN: another origin
        self.cdn_url = f"http://127.0.0.1:{self.cdn.server_address[1]}"
        self._threads = [threading.Thread(target=server.serve_forever, daemon=True)
                         for server in (self.server, self.cdn)]

    def __enter__(self) -> FakeTwilio:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in (self.server, self.cdn):
            server.shutdown()
            server.server_close()


@contextmanager
def prism(timeout: float = 90.0) -> Iterator[str]:
    """Yield the base URL of a Prism mock of Twilio's API; skip (or fail under CI) without node/Prism."""
    import pytest

    require_node()
    if not PRISM.exists():
        msg = "Prism is not installed (tests/js: npm ci)"
        if CI:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    if not SPEC.exists():
        pytest.fail(f"Twilio's OpenAPI description is missing at {SPEC} (../shared/data/twilio/)", pytrace=False)
    port = free_port()
    proc = subprocess.Popen([str(PRISM), "mock", "-p", str(port), "-h", "127.0.0.1", str(SPEC)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        with health_probe() as probe:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    raise RuntimeError(f"prism exited early:\n{output[-2000:]}")
                try:
                    probe.get(base)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                raise RuntimeError("prism did not start")
        yield base
    finally:
        import os
        import signal

        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:  # it exited between the poll and the signal
                pass
        proc.wait(timeout=10)
