"""``chamber up``: the web site, a worker and the ingest service as child processes of one parent.

The parent restarts a child that dies (with a short backoff, so a child that cannot start does not spin) and on
Ctrl-C or SIGTERM stops them all: SIGTERM first, SIGKILL for any still running after a grace period.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10
RESTART_BACKOFF_SECONDS = (1, 2, 5, 10, 30)


@dataclass
class Child:
    name: str
    args: list[str]
    process: subprocess.Popen | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "archive_web.cli", *self.args])
        self.started_at = time.monotonic()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)


def services(storage) -> list[Child]:
    children = [Child("web", ["web"]), Child("worker", ["worker"])]
    try:
        import streamer.service  # noqa: F401
    except ImportError:
        log.warning("live ingest is not installed; running without it")
    else:
        children.append(Child("ingest", ["ingest"]))
    return children


def run_all(storage, demo: bool = False) -> None:
    children = services(storage)
    stopping = False

    def request_stop(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    for child in children:
        child.start()
    url = f"http://{storage.settings.web_host}:{storage.settings.web_port}/"
    print(f"\nChamber is starting: open {url}  (Ctrl-C stops everything)\n", flush=True)
    if demo:
        from .demo import start_demo

        start_demo(storage, url)
    try:
        while not stopping:
            for child in children:
                if child.process.poll() is not None and not stopping:
                    _restart(child)
            time.sleep(0.5)
    finally:
        _stop_all(children)


def _restart(child: Child) -> None:
    delay = RESTART_BACKOFF_SECONDS[min(child.restarts, len(RESTART_BACKOFF_SECONDS) - 1)]
    if time.monotonic() - child.started_at > 60:
        child.restarts, delay = 0, 1
    log.warning("%s exited with code %s; restarting in %ss", child.name, child.process.returncode, delay)
    time.sleep(delay)
    child.restarts += 1
    child.start()


def _stop_all(children: list[Child]) -> None:
    print("\nStopping Chamber...", flush=True)
    for child in children:
        child.stop()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        if child.process is None:
            continue
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()
    print("Stopped.", flush=True)
