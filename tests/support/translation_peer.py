"""A tiny LibreTranslate-style server on 127.0.0.1: ``POST /translate`` {q, source, target, format} ->
{translatedText}. It records what it was sent, and can be told to fail the ways a real server does:
answer too slowly, answer an error status, answer something that is not JSON, not speak HTTP at all, or
redirect elsewhere."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Mode = Literal["ok", "slow", "error", "garbled", "redirect", "not_http"]


def fake_translation(text: str, target: str) -> str:
    """What the peer answers: recognisable, and never equal to the text sent."""
    return f"[{target}] translated: {text[::-1]}"


class FakeLibreTranslate:
    def __init__(self, mode: Mode = "ok", *, delay: float = 5.0, redirect_to: str = "") -> None:
        self.mode: Mode = mode
        self.delay = delay
        self.redirect_to = redirect_to
        self.received: list[dict[str, object]] = []
        self._release = threading.Event()  # ends a "slow" answer at shutdown instead of after the delay
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"unparsed": raw.decode(errors="replace")}
                outer.received.append({"path": self.path, **body})
                if outer.mode == "slow":
                    outer._release.wait(outer.delay)
                if outer.mode == "error":
                    self._answer(500, json.dumps({"error": "model not loaded"}).encode())
                elif outer.mode == "garbled":
                    self._answer(200, b"<html>proxy error</html>", "text/html")
                elif outer.mode == "not_http":
                    self.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\n")  # something else listens on that port
                elif outer.mode == "redirect":
                    self.send_response(302)
                    self.send_header("location", outer.redirect_to + self.path)
                    self.end_headers()
                elif self.path != "/translate" or not isinstance(body.get("q"), str):
                    self._answer(400, json.dumps({"error": "Invalid request"}).encode())
                else:
                    text = fake_translation(str(body["q"]), str(body.get("target")))
                    self._answer(200, json.dumps({"translatedText": text}).encode())

            def do_GET(self) -> None:  # noqa: N802 - a followed redirect arrives as a GET: record it too
                outer.received.append({"path": self.path, "method": "GET"})
                self._answer(404, b"{}")

            def _answer(self, status: int, payload: bytes, content_type: str = "application/json") -> None:
                try:
                    self.send_response(status)
                    self.send_header("content-type", content_type)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeLibreTranslate:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
