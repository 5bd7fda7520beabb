"""Helpers for the browser tests: test video made with ffmpeg, the web site in a subprocess, Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
HLS_JS = REPO / "archive_web" / "static" / "vendor" / "hls.mjs"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]


def make_video(folder: Path, seconds: int = 12, segment: int = 2, live: bool = False) -> Path:
    """A test pattern with a tone as an MP4 and as HLS (MPEG-TS segments), keyframes on segment boundaries.
    ``live`` leaves the playlist open (no ENDLIST), as a live stream's is."""
    folder.mkdir(parents=True, exist_ok=True)
    mp4 = folder / "meeting.mp4"
    fps = 25
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate={fps}:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "32", "-profile:v", "baseline",
                    "-g", str(fps * segment), "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "48k", "-shortest", "-movflags", "+faststart", str(mp4)], check=True)
    hls = folder / "hls"
    hls.mkdir(exist_ok=True)
    flags = ["-hls_flags", "omit_endlist", "-hls_list_size", "0"] if live else ["-hls_playlist_type", "vod"]
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(mp4), "-c", "copy", "-f", "hls",
                    "-hls_time", str(segment), *flags, "-hls_segment_filename", str(hls / "seg%05d.ts"),
                    str(hls / "index.m3u8")], check=True)
    return folder


def upload_tree(blobs, folder: Path, prefix: str) -> None:
    for path in sorted(folder.iterdir()):
        blobs.put_file(f"{prefix}/{path.name}", path)


@contextmanager
def web_server(env: dict[str, str], port: int, log_path: Path) -> Iterator[str]:
    """``chamber web`` as a subprocess, as it runs in production; yields its base URL once /healthz answers."""
    log = open(log_path, "wb")
    process = subprocess.Popen([sys.executable, "-m", "archive_web.cli", "web", "--port", str(port)], cwd=REPO,
                               env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"chamber web exited: {log_path.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"chamber web did not start: {log_path.read_text()[-2000:]}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def serious_violations(page) -> list[str]:
    """axe-core's WCAG 2.x A/AA and best-practice checks on the page; serious and critical findings only."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})""")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
