"""Real HTTP peers on 127.0.0.1 for Twilio's REST side.

* ``FakeTwilio``: a small stateful server of our own that records each message it is sent, and each
  message deleted (``DELETE .../Messages/{Sid}.json``: 204 for a message it holds or was told of, else 404).
* ``prism()``: Prism serving Twilio's published OpenAPI description, which validates every request
  our real ``twilio`` client sends against Twilio's schema (it keeps no state).
"""

from __future__ import annotations

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
from support.live import free_port
from support.pg import CI

SPEC = Path(__file__).resolve().parents[3] / "shared" / "data" / "twilio" / "twilio_api_v2010.json"
PRISM = Path(__file__).resolve().parents[1] / "js" / "node_modules" / ".bin" / "prism"
ACCOUNT_SID = "AC" + "0" * 32


class FakeTwilio:
    def __init__(self, fail_with: int | None = None) -> None:
        self.messages: list[dict[str, str]] = []
        self.deleted: list[str] = []
        self.known: set[str] = set()  # SIDs of messages Twilio would hold (inbound texts the test sent)
        self.fail_with = fail_with
        outer = self

        class Handler(BaseHTTPRequestHandler):
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
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeTwilio:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


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
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"prism exited early:\n{output[-2000:]}")
            try:
                httpx.get(base, timeout=1)
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
