"""Chamber's own processes started for end-to-end tests, each stopped (and its output kept) afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


class ChamberProcess:
    """One ``chamber`` (or other) command running in the background with the test's environment."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path, program: list[str] | None = None):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        command = (program if program is not None else [sys.executable, "-m", "archive_web.cli"]) + args
        self.process = subprocess.Popen(command, env={**os.environ, **env}, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the command and any ffmpeg/nginx it started)."""
        if self.alive():
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 20.0) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_for_http(url: str, timeout: float = 60.0, process: ChamberProcess | None = None) -> bytes:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and not process.alive():
            raise RuntimeError(f"{process.name} exited:\n{process.output()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                return response.read()
        except Exception as exc:
            last = exc
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer in {timeout}s: {last}")


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2):
    """Poll until ``predicate()`` returns something true, and return it; fail saying what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
