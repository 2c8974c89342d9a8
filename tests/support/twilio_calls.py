"""A phone call through Twilio, for tests: each webhook signed with the real ``RequestValidator`` and
sent to the running app, each TwiML reply parsed (``xml.etree``) into what the caller would hear and
where Twilio would post next. And ``FakeTwilioVoice``, a stateful HTTP peer on 127.0.0.1 that serves
recordings (HTTP Basic auth required, as Twilio's does with media auth on) and deletes recordings and
call logs.
"""

from __future__ import annotations

import base64
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import msgspec

from support.twilio_peers import ACCOUNT_SID
from support.twilio_webhooks import TOKEN, new_sid, sign


class Turn(msgspec.Struct):
    """One TwiML reply: what is said, and what Twilio would do next."""

    status: int
    body: str

    @property
    def root(self) -> ET.Element:
        root = ET.fromstring(self.body)  # noqa: S314 - our own app's reply
        assert root.tag == "Response", self.body
        return root

    @property
    def said(self) -> list[str]:
        return ["".join(s.itertext()) for s in self.root.iter("Say")]

    @property
    def voices(self) -> set[tuple[str, str]]:
        return {(s.get("voice", ""), s.get("language", "")) for s in self.root.iter("Say")}

    @property
    def gather(self) -> ET.Element | None:
        return self.root.find("Gather")

    @property
    def record(self) -> ET.Element | None:
        return self.root.find("Record")

    @property
    def action(self) -> str:
        """Where the caller's keys (or the recording) go next."""
        verb = self.gather if self.gather is not None else self.record
        assert verb is not None, self.body
        return verb.get("action", "")

    @property
    def hangs_up(self) -> bool:
        return self.root.find("Hangup") is not None


class Call:
    """One call from ``number`` (``anonymous`` for a hidden caller), every webhook signed for ``public_url``."""

    def __init__(self, client: Any, public_url: str, number: str = "anonymous", *, token: str = TOKEN) -> None:
        self.client = client
        self.public_url = public_url.rstrip("/")
        self.number = number
        self.token = token
        self.sid = new_sid("CA")
        self.last: Turn | None = None

    def params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.sid, "AccountSid": ACCOUNT_SID, "From": self.number, "To": "+15005550006",
                "CallStatus": "in-progress", "Direction": "inbound", **extra}

    async def post(self, url: str, params: dict[str, str]) -> Turn:
        """POST to an absolute public URL (as Twilio does), signed."""
        parts = urlsplit(url)
        assert url.startswith(self.public_url), url
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        signature = sign(url, params, self.token)
        response = await self.client.post(path, data=params, headers={"x-twilio-signature": signature})
        return Turn(status=response.status_code, body=response.text)

    async def dial(self) -> Turn:
        self.last = await self.post(self.public_url + "/twilio/voice", self.params())
        assert self.last.status == 200, self.last
        return self.last

    async def press(self, digits: str) -> Turn:
        """Keys typed at the current ``<Gather>`` (``""``: silence, or ``#`` alone)."""
        assert self.last is not None
        self.last = await self.post(self.last.action, self.params(Digits=digits))
        assert self.last.status == 200, self.last
        return self.last

    async def record(self, *, hang_up: bool = False, recording_sid: str | None = None) -> tuple[Turn, str]:
        """The ``<Record>`` ends: with # (or by hanging up). Returns the reply and the RecordingSid."""
        assert self.last is not None and self.last.record is not None, self.last
        rsid = recording_sid or new_sid("RE")
        url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{rsid}"
        self.last = await self.post(self.last.action, self.params(
            RecordingSid=rsid, RecordingUrl=url, RecordingDuration="42", Digits="hangup" if hang_up else "#"))
        assert self.last.status == 200, self.last
        return self.last, rsid

    async def recording_ready(self, rsid: str) -> int:
        params = {"AccountSid": ACCOUNT_SID, "CallSid": self.sid, "RecordingSid": rsid,
                  "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{rsid}",
                  "RecordingStatus": "completed", "RecordingDuration": "42", "RecordingChannels": "1",
                  "RecordingSource": "RecordVerb"}
        return (await self.post(self.public_url + "/twilio/voice/recording", params)).status

    async def ended(self, status: str = "completed") -> int:
        return (await self.post(self.public_url + "/twilio/voice/status",
                                self.params(CallStatus=status, CallDuration="300"))).status


class FakeTwilioVoice:
    """Recordings to serve (``recordings[sid] = audio``), and the recordings and calls deleted."""

    def __init__(self) -> None:
        self.recordings: dict[str, bytes] = {}
        self.calls: set[str] = set()
        self.fetched: list[str] = []
        self.deleted_recordings: list[str] = []
        self.deleted_calls: list[str] = []
        self.unauthorised = 0
        outer = self
        good = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{TOKEN}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def _authorised(self) -> bool:
                if self.headers.get("authorization") == good:
                    return True
                outer.unauthorised += 1
                self._reply(401, b'{"code": 20003, "message": "Authenticate", "status": 401}')
                return False

            def _reply(self, status: int, body: bytes = b"", content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _sid(self, collection: str) -> str | None:
                prefix = f"/2010-04-01/Accounts/{ACCOUNT_SID}/{collection}/"
                if not self.path.startswith(prefix):
                    return None
                return self.path.removeprefix(prefix).split(".")[0]

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if not self._authorised():
                    return
                sid = self._sid("Recordings")
                if sid is None or not self.path.endswith(".mp3") or sid not in outer.recordings:
                    self._reply(404, b'{"code": 20404, "message": "not found", "status": 404}')
                    return
                outer.fetched.append(sid)
                self._reply(200, outer.recordings[sid], "audio/mpeg")

            def do_DELETE(self) -> None:  # noqa: N802 - http.server's naming
                if not self._authorised():
                    return
                rec, call = self._sid("Recordings"), self._sid("Calls")
                if rec is not None and rec in outer.recordings and rec not in outer.deleted_recordings:
                    outer.deleted_recordings.append(rec)
                    self._reply(204)
                elif call is not None and call in outer.calls and call not in outer.deleted_calls:
                    outer.deleted_calls.append(call)
                    self._reply(204)
                else:
                    self._reply(404, b'{"code": 20404, "message": "not found", "status": 404}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeTwilioVoice:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
