"""Helpers for the live-ingest tests: free ports, encoders pushing streams, meetings, and reading back what
viewers would get."""

from __future__ import annotations

import random
import re
import socket
import subprocess
from datetime import timedelta
from pathlib import Path

from storage.meetings import create_committee, create_meeting
from storage.models import Meeting, utcnow
from streamer.ffmpeg import ffmpeg_binary
from streamer.service import IngestService
from streamer.simulate import file_source, publish_url, push_command

GRACE_SECONDS = 4


def free_srt_base() -> int:
    """A base for CHAMBER_SRT_PORT whose first few UDP ports (meetings 1-9 use base+1..9) are free."""
    for _ in range(50):
        base = random.randrange(20000, 60000, 100)
        try:
            for offset in range(10):
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                    sock.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
    raise RuntimeError("no free UDP ports for SRT")


def start_ingest(storage) -> IngestService:
    service = IngestService(storage)
    service.start()
    return service


def make_video(path: Path, seconds: float, video: list[str] | None = None, audio: bool = True,
               has_video: bool = True) -> Path:
    inputs = ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25"] if has_video else []
    if audio:
        inputs += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    codecs = (video or ["-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50",
                        "-sc_threshold", "0", "-pix_fmt", "yuv420p"]) if has_video else []
    codecs += ["-c:a", "aac", "-b:a", "96k"] if audio else []
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", *inputs, "-t", str(seconds),
                    *codecs, str(path)], check=True)
    return path


def add_meeting(storage, title: str = "Planning Committee", **fields) -> int:
    with storage.db.session() as session:
        committee = create_committee(session, f"Planning {random.randrange(10**6)}")
        meeting = create_meeting(session, committee, title, utcnow() - timedelta(minutes=1), public=True)
        for key, value in fields.items():
            setattr(meeting, key, value)
        return meeting.id


def meeting_row(storage, meeting_id: int) -> Meeting:
    with storage.db.session() as session:
        return session.get(Meeting, meeting_id)


def push(storage, meeting_id: int, source: Path, seconds: float, protocol: str = "rtmp", url: str | None = None,
         loop: bool = True) -> subprocess.Popen:
    """Start an encoder pushing ``source`` to the meeting (as ``chamber simulate --file`` does)."""
    if url is None:
        url = publish_url(storage.settings, meeting_row(storage, meeting_id), protocol)
    streams, encoding = file_source(str(source), loop, storage.settings.hls_segment_seconds)
    return subprocess.Popen(push_command(streams, encoding, url, protocol, seconds), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def live_state(storage, meeting_id: int) -> str | None:
    return meeting_row(storage, meeting_id).live_state


def materialize(blobs, prefix: str, folder: Path) -> Path:
    """Copy every blob under ``prefix`` into ``folder`` (same layout), so ffmpeg can read it like a viewer would
    over HTTP, whichever store holds it."""
    for key in blobs.list(prefix):
        blobs.download(key, folder / key)
    return folder / prefix


def live_snapshot(blobs, meeting_id: int, folder: Path) -> Path:
    """The live playlists and segments as a viewer sees them now, frozen (``EXT-X-ENDLIST`` added) so that ffmpeg
    plays what is there instead of waiting for the next segment. Returns the master playlist."""
    live = materialize(blobs, f"live/{meeting_id}/", folder)
    for playlist in live.glob("*/index.m3u8"):
        playlist.write_text(playlist.read_text() + "#EXT-X-ENDLIST\n")
    return live / "master.m3u8"


def decoded_seconds(source: str | Path) -> float:
    """Play a playlist or file through ffmpeg's demuxers and decoders; the seconds of media it played."""
    result = subprocess.run([ffmpeg_binary(), "-hide_banner", "-nostdin", "-i", str(source), "-map", "0",
                             "-f", "null", "-"], capture_output=True, text=True, errors="replace", timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    times = re.findall(r"time=(\d+):(\d\d):(\d\d\.\d+)", result.stderr)
    assert times, result.stderr[-2000:]
    h, m, s = times[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)
