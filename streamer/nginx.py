"""nginx with the RTMP module in front of the relays: encoders publish to ``rtmp://HOST:PORT/live/STREAM_KEY``.

Chamber writes nginx's configuration into a private prefix under the data dir and runs nginx in the foreground as
a child process, so nothing in /etc/nginx is touched and no root is needed beyond binding the port. nginx records
nothing: before it accepts a publisher it calls ``on_publish`` on the ingest service's control endpoint, which
answers 2xx (allowed) or 403 (refused, before a byte is kept). Only the local relay may play a stream back, and
the service holds its answer until the relay has joined (``on_play``): nginx keeps no keyframe cache, so a relay
that joined after the encoder started would miss everything up to the encoder's second keyframe.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import StreamerError

log = logging.getLogger(__name__)

RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
APPLICATION = "live"
START_TIMEOUT_SECONDS = 10.0


class NginxError(StreamerError):
    """nginx is missing or did not start; the message says what to install or fix."""


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if not found:
        raise NginxError("nginx is not installed; install it with `apt-get install nginx-light libnginx-mod-rtmp`")
    if not RTMP_MODULE.exists():
        raise NginxError(f"nginx's RTMP module ({RTMP_MODULE}) is missing; install it with "
                         "`apt-get install libnginx-mod-rtmp`")
    return found


@dataclass
class NginxRtmp:
    """One private nginx: ``prefix`` holds its config, pid file and logs."""

    prefix: Path
    listen_host: str
    rtmp_port: int
    control_url: str  # e.g. http://127.0.0.1:8936, the ingest service's control endpoint
    process: subprocess.Popen | None = None

    @property
    def config_path(self) -> Path:
        return self.prefix / "nginx.conf"

    def config_text(self) -> str:
        # play_restart makes nginx send NetStream.Play.Stop to the relay when the encoder stops, so the relay's
        # ffmpeg finishes its last segment and exits instead of waiting on an idle stream forever.
        # wait_key starts the relay (and a restarted relay) on a keyframe. Large chunks to the relay mean fewer
        # chunk headers for nginx to write and ffmpeg to parse.
        return f"""\
load_module {RTMP_MODULE};
daemon off;
master_process on;
worker_processes 1;
pid nginx.pid;
error_log logs/error.log info;
events {{ worker_connections 1024; }}
rtmp {{
    server {{
        listen {self.listen_host}:{self.rtmp_port};
        chunk_size 65536;
        application {APPLICATION} {{
            live on;
            record off;
            allow play 127.0.0.1;
            deny play all;
            wait_key on;
            wait_video on;
            play_restart on;
            drop_idle_publisher 15s;
            notify_method post;
            on_publish {self.control_url}/rtmp/publish;
            on_publish_done {self.control_url}/rtmp/publish_done;
            on_play {self.control_url}/rtmp/play;
        }}
    }}
}}
"""

    def write_config(self) -> Path:
        (self.prefix / "logs").mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config_text())
        return self.config_path

    def start(self) -> None:
        """Write the config, start nginx and wait until it accepts connections on the RTMP port."""
        binary = nginx_binary()
        self.write_config()
        command = [binary, "-p", str(self.prefix), "-c", self.config_path.name, "-e", "logs/error.log"]
        tested = subprocess.run(command + ["-t"], capture_output=True, text=True)
        if tested.returncode != 0:
            raise NginxError(f"nginx rejected its configuration ({self.config_path}): {tested.stderr.strip()}")
        with open(self.prefix / "logs" / "stderr.log", "ab") as stderr:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NginxError(f"nginx exited at start: {self.error_log_tail()}. Is port "
                                 f"{self.rtmp_port} (CHAMBER_RTMP_PORT) already in use?")
            if _accepts(self.connect_host, self.rtmp_port):
                log.info("nginx-rtmp listening on %s:%d", self.listen_host, self.rtmp_port)
                return
            time.sleep(0.05)
        self.stop()
        raise NginxError(f"nginx did not open port {self.rtmp_port} within {START_TIMEOUT_SECONDS:.0f} s; "
                         f"see {self.prefix / 'logs' / 'error.log'}")

    @property
    def connect_host(self) -> str:
        return "127.0.0.1" if self.listen_host in ("0.0.0.0", "::", "*") else self.listen_host

    def play_url(self, stream_key: str) -> str:
        """Where the relay reads a published stream."""
        return f"rtmp://{self.connect_host}:{self.rtmp_port}/{APPLICATION}/{stream_key}"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # fast shutdown: drops publishers, whose relays then finish their last segment
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def error_log_tail(self, lines: int = 5) -> str:
        logs = self.prefix / "logs"
        text = "".join(p.read_text(errors="replace") for p in (logs / "stderr.log", logs / "error.log") if p.exists())
        return " | ".join(text.splitlines()[-lines:]) or "no error log"


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
