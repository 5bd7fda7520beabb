"""Finding ffmpeg and running it.

The system ffmpeg is preferred (Debian's build has SRT, RTMP, libx264 and fontconfig); the binary shipped by the
``imageio-ffmpeg`` package is the fallback so that a machine without ffmpeg still imports and converts recordings.
Commands are built with ffmpeg-python and compiled against whichever binary was found.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from typing import Sequence

from . import StreamerError


class FfmpegMissing(StreamerError):
    """No usable ffmpeg binary on this machine."""


class FfmpegFailed(StreamerError):
    """ffmpeg exited with an error; the message ends with the last lines it printed."""

    def __init__(self, what: str, returncode: int, stderr: str):
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"{what} failed (ffmpeg exit {returncode}): {last_lines(stderr)}")


@lru_cache(maxsize=1)
def ffmpeg_binary() -> str:
    """Path of the ffmpeg to use: the system one, else the one bundled with imageio-ffmpeg."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # the package raises RuntimeError when its binary is missing for this platform
        raise FfmpegMissing(
            "ffmpeg is not installed: install it (apt-get install ffmpeg) or `pip install imageio-ffmpeg`"
        ) from exc


def compile_command(stream_spec, *global_args: str) -> list[str]:
    """An ffmpeg-python spec as an argument list for our binary, quiet and never waiting on the terminal."""
    spec = stream_spec.global_args("-hide_banner", "-nostdin", *global_args)
    return spec.compile(cmd=ffmpeg_binary())


def run_command(args: Sequence[str], what: str, timeout: float | None = None) -> str:
    """Run a finished ffmpeg command; returns its stderr (where ffmpeg reports), raises ``FfmpegFailed``."""
    result = subprocess.run(list(args), capture_output=True, text=True, errors="replace", timeout=timeout)
    if result.returncode != 0:
        raise FfmpegFailed(what, result.returncode, result.stderr)
    return result.stderr


def last_lines(text: str, count: int = 3) -> str:
    """The end of ffmpeg's output, where the reason for a failure is."""
    lines = [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]
    return " | ".join(lines[-count:]) or "no output"
