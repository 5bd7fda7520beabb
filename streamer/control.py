"""The ingest service's small HTTP control endpoint on 127.0.0.1.

nginx-rtmp calls it before accepting a publisher (``on_publish``: 2xx allows, 403 refuses), when one leaves
(``on_publish_done``) and when the relay starts reading a stream (``on_play``); ``chamber meeting end`` and the
staff pages call it to end a live meeting. It only listens on the loopback interface: nothing here is public.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qsl

log = logging.getLogger(__name__)

_END = re.compile(r"^/meetings/(\d+)/end$")
PLAY_ATTACH_SECONDS = 0.02


class IngestControl(Protocol):
    def on_publish(self, stream_key: str, address: str) -> tuple[bool, str]: ...

    def on_publish_done(self, stream_key: str) -> None: ...

    def on_play(self, stream_key: str) -> None: ...

    def end(self, meeting_id: int) -> str | None: ...

    def status(self) -> dict: ...


class _Handler(BaseHTTPRequestHandler):
    server: ControlServer

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        log.debug("control: " + format, *args)

    def _reply(self, code: int, body: dict | str) -> None:
        data = (json.dumps(body) if isinstance(body, dict) else body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        return dict(parse_qsl(self.rfile.read(length).decode(errors="replace")))

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        service = self.server.service
        if self.path == "/rtmp/publish":
            form = self._form()
            allowed, reason = service.on_publish(form.get("name", ""), form.get("addr", ""))
            self._reply(200 if allowed else 403, reason)
        elif self.path == "/rtmp/play":
            name = self._form().get("name", "")
            self._reply(200, "ok")  # first let nginx attach the relay to the stream, then let the encoder in
            time.sleep(PLAY_ATTACH_SECONDS)
            service.on_play(name)
        elif self.path == "/rtmp/publish_done":
            service.on_publish_done(self._form().get("name", ""))
            self._reply(200, "ok")
        elif match := _END.match(self.path):
            message = service.end(int(match.group(1)))
            if message is None:
                self._reply(404, {"error": "the meeting is not live on this ingest service"})
            else:
                self._reply(200, {"message": message})
        else:
            self._reply(404, {"error": "not found"})

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/sessions":
            self._reply(200, self.server.service.status())
        else:
            self._reply(404, {"error": "not found"})


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, service: IngestControl):
        super().__init__(("127.0.0.1", port), _Handler)
        self.service = service
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="ingest-control")
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def request_end(port: int, meeting_id: int, timeout: float = 900) -> str | None:
    """Ask a running ingest service to end a meeting. None when no service runs it (or none is running)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/meetings/{meeting_id}/end", data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())["message"]
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise
    except (urllib.error.URLError, ConnectionError):
        return None
