"""What a file or live input contains, read from ffmpeg's own input report.

ffmpeg prints the same ``Input #0 ... Stream #0:0: Video: h264 ...`` report when asked to probe a file
(``ffmpeg -i FILE``) and when the relay opens a live input, so one parser serves the importer, the simulator and
the relay supervisor (which reads the report from the running relay instead of opening the input twice: an SRT
listener cannot be opened twice). It also works with the imageio-ffmpeg binary, which ships without ffprobe.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from .ffmpeg import ffmpeg_binary, last_lines

_STREAM = re.compile(r"Stream #0:\d+\S*: (Video|Audio): (\w+)(?: \(([^)]*)\))?")
_SIZE = re.compile(r", (\d{2,5})x(\d{2,5})[ ,]")
_FPS = re.compile(r", ([\d.]+) fps")
_RATE = re.compile(r", (\d+) Hz, ([\w.()]+)")
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")

# Codecs HLS players (hls.js, Safari) take as they are; anything else is re-encoded.
COPYABLE_VIDEO = {"h264"}
COPYABLE_AUDIO = {"aac"}


class ProbeError(ValueError):
    """The input cannot be read as media; the message says why in words staff can act on."""


@dataclass(frozen=True)
class StreamInfo:
    kind: str  # "video" or "audio"
    codec: str
    profile: str = ""
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    sample_rate: int | None = None
    channels: str | None = None


@dataclass(frozen=True)
class MediaInfo:
    duration: float | None
    streams: tuple[StreamInfo, ...]

    @property
    def video(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "video"), None)

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "audio"), None)

    @property
    def video_copyable(self) -> bool:
        return self.video is not None and self.video.codec in COPYABLE_VIDEO

    @property
    def audio_copyable(self) -> bool:
        return self.audio is not None and self.audio.codec in COPYABLE_AUDIO

    def describe(self) -> str:
        parts = [f"{s.kind} {s.codec}" + (f" {s.width}x{s.height}" if s.width else "") for s in self.streams]
        return ", ".join(parts) or "no audio or video"


def parse_report(text: str) -> MediaInfo | None:
    """The first input's streams and duration from ffmpeg's log, or None when it has not been printed (yet)."""
    start = text.find("Input #0")
    if start < 0:
        return None
    end = min((i for i in (text.find("Output #0", start), text.find("Stream mapping", start)) if i >= 0),
              default=len(text))
    report = text[start:end]
    streams = []
    for line in report.splitlines():
        match = _STREAM.search(line)
        if not match:
            continue
        kind, codec, profile = match.group(1).lower(), match.group(2), match.group(3) or ""
        size, fps, rate = _SIZE.search(line), _FPS.search(line), _RATE.search(line)
        streams.append(StreamInfo(
            kind=kind, codec=codec, profile=profile,
            width=int(size.group(1)) if size else None, height=int(size.group(2)) if size else None,
            fps=float(fps.group(1)) if fps else None,
            sample_rate=int(rate.group(1)) if rate else None, channels=rate.group(2) if rate else None))
    duration = _DURATION.search(report)
    seconds = (int(duration.group(1)) * 3600 + int(duration.group(2)) * 60 + float(duration.group(3))
               if duration else None)
    return MediaInfo(duration=seconds, streams=tuple(streams))


def probe(source: str, timeout: float = 60) -> MediaInfo:
    """Probe a file path or URL. Raises ``ProbeError`` when ffmpeg cannot read it as media."""
    try:
        result = subprocess.run([ffmpeg_binary(), "-hide_banner", "-nostdin", "-i", source], capture_output=True,
                                text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ProbeError(f"{source} did not answer within {timeout:.0f} s; check the address and that it is "
                         "reachable from this machine") from None
    info = parse_report(result.stderr)
    if info is None:
        raise ProbeError(f"{source} cannot be read as audio or video ({last_lines(result.stderr, 1)}); "
                         "check that it is a complete, uncorrupted recording")
    return info
