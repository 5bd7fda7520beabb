"""Live relay benchmark: Chamber's ingest (nginx-rtmp, supervised ffmpeg relay, segment publisher) against the bare
equivalent, ``ffmpeg -listen 1 -i rtmp://... -c copy -f hls``, fed the same stream at the same time.

1. Cost and delay (about 60 s): two encoders push the same H.264/AAC feed (1280x720, 2 Mbit/s, keyframe every 2 s),
   one to ``chamber ingest``, one to the bare ffmpeg. Measured while both run side by side, so both see the same
   machine load:
   - CPU seconds per minute of stream: the whole ``chamber ingest`` process tree (Python service, nginx, relay
     ffmpeg) against the bare ffmpeg process;
   - ingest-to-playlist delay: from the moment the encoder sent a segment's first frame to the moment the
     segment is listed in the playlist a viewer fetches (Chamber's live playlist in the blob store, the bare
     ffmpeg's own playlist). Encoder send times come from the encoders' own progress reports.
2. Capacity (about 2 minutes): N meetings streamed at once into one ``chamber ingest`` for 20 s, N = 8, 16, 32, 64,
   until a step drops segments (a meeting recorded more than one segment less than was pushed, or a relay had to
   restart). The encoders run on the same machine, so the figure is a floor.

    python bench/relay.py
    python bench/relay.py --seconds 30 --steps 4,8     # quicker
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "streamer")]

from bench.beacons import cpu_seconds, process_tree  # noqa: E402
from bench.report import machine, write_section  # noqa: E402
from live_streams import free_srt_base  # noqa: E402
from servers import free_port  # noqa: E402
from processes import ChamberProcess  # noqa: E402
from sqlalchemy import select  # noqa: E402
from storage import open_storage  # noqa: E402
from storage.meetings import create_committee, create_meeting  # noqa: E402
from storage.models import Meeting, Recording, utcnow  # noqa: E402
from storage.settings import load_settings  # noqa: E402
from streamer.ffmpeg import ffmpeg_binary  # noqa: E402
from streamer.playlists import parse_media_playlist  # noqa: E402

SEGMENT_SECONDS = 2
CPU_TARGET_RATIO = 1.1
POLL_SECONDS = 0.02


def make_feed(path: Path, seconds: int = 30) -> Path:
    """What a well-set-up chamber encoder sends: 720p25 H.264 at 2 Mbit/s, a keyframe every 2 s, AAC."""
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=48000", "-t", str(seconds), "-c:v", "libx264", "-preset",
                    "veryfast", "-b:v", "2000k", "-maxrate", "2000k", "-bufsize", "4000k", "-g", "50", "-keyint_min",
                    "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(path)],
                   check=True)
    return path


class Encoder:
    """A pushing ffmpeg whose progress reports give the wall time at which it sent media time zero."""

    def __init__(self, feed: Path, url: str, seconds: float):
        self.process = subprocess.Popen(
            [ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i",
             str(feed), "-t", str(seconds), "-c", "copy", "-f", "flv", url, "-progress", "pipe:1",
             "-stats_period", "0.25"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.start_estimates: list[float] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit() and int(value) > 0:
                self.start_estimates.append(time.time() - int(value) / 1e6)

    @property
    def sent_time_zero(self) -> float:
        """When media time 0 left the encoder (-re paces sending; the earliest estimate has the least lag)."""
        return min(self.start_estimates)

    def wait(self) -> int:
        code = self.process.wait()
        self._reader.join(timeout=5)
        return code


@dataclass
class ListingWatch:
    """Polls a media playlist and notes when each segment first appears in it."""

    path: Path
    seen: dict[int, tuple[float, float, float]] = field(default_factory=dict)  # sequence -> (media start, dur, at)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> ListingWatch:
        threading.Thread(target=self._poll, daemon=True).start()
        return self

    def _poll(self) -> None:
        media_end: dict[int, float] = {}
        while not self._stop.wait(POLL_SECONDS):
            try:
                playlist = parse_media_playlist(self.path.read_text())
            except (OSError, ValueError):
                continue
            now = time.time()
            for offset, segment in enumerate(playlist.segments):
                sequence = playlist.media_sequence + offset
                if sequence in self.seen:
                    continue
                start = media_end.get(sequence - 1, 0.0)
                media_end[sequence] = start + segment.duration
                self.seen[sequence] = (start, segment.duration, now)

    def stop(self) -> None:
        self._stop.set()

    def delays(self, sent_time_zero: float) -> list[float]:
        """Seconds from sending each segment's first frame to the segment being listed (its worst frame)."""
        return [at - (sent_time_zero + start) for start, _, at in self.seen.values()][1:]  # first: startup


def chamber_env(data_dir: Path) -> dict[str, str]:
    return {"CHAMBER_DATA_DIR": str(data_dir), "CHAMBER_SECRET_KEY": "bench", "CHAMBER_RTMP_PORT": str(free_port()),
            "CHAMBER_INGEST_CONTROL_PORT": str(free_port()), "CHAMBER_SRT_PORT": str(free_srt_base()),
            "CHAMBER_HLS_SEGMENT_SECONDS": str(SEGMENT_SECONDS), "CHAMBER_LOG_LEVEL": "WARNING"}


@contextmanager
def chamber_ingest(env: dict[str, str], meetings: int, logs: Path):
    """A fresh Chamber (database, meetings scheduled for next week so no SRT listeners open) and `chamber ingest`."""
    storage = open_storage(load_settings(env))
    storage.db.upgrade()
    with storage.db.session() as session:
        committee = create_committee(session, "Benchmark Committee")
        keys = [create_meeting(session, committee, f"Meeting {n}", utcnow() + timedelta(days=7))
                for n in range(meetings)]
        keys = [(m.id, m.stream_key) for m in keys]
    process = ChamberProcess("ingest", ["ingest"], env, logs)
    deadline = time.monotonic() + 30
    while "Chamber ingest running" not in process.output():
        if not process.alive() or time.monotonic() > deadline:
            raise RuntimeError(f"chamber ingest did not start:\n{process.output()[-2000:]}")
        time.sleep(0.2)
    try:
        yield storage, process, keys
    finally:
        process.stop()
        storage.close()


@contextmanager
def bare_relay(out: Path, port: int):
    out.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-listen", "1",
                                "-i", f"rtmp://127.0.0.1:{port}/live/bare", "-c", "copy", "-f", "hls", "-hls_time",
                                str(SEGMENT_SECONDS), "-hls_list_size", "10", "-hls_flags", "delete_segments",
                                str(out / "index.m3u8")])
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait()


def wait_until(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.1)


def cost_and_delay(feed: Path, work: Path, seconds: float) -> dict:
    env = chamber_env(work / "chamber")
    bare_port = free_port()
    with chamber_ingest(env, 1, work) as (storage, ingest, keys), bare_relay(work / "bare", bare_port) as bare:
        meeting_id, key = keys[0]
        time.sleep(1.0)  # the bare ffmpeg is listening
        chamber_playlist = storage.blobs.local_path(f"live/{meeting_id}/src/index.m3u8")
        watches = {"chamber": ListingWatch(chamber_playlist).start(),
                   "bare": ListingWatch(work / "bare" / "index.m3u8").start()}
        encoders = {"chamber": Encoder(feed, f"rtmp://127.0.0.1:{env['CHAMBER_RTMP_PORT']}/live/{key}", seconds),
                    "bare": Encoder(feed, f"rtmp://127.0.0.1:{bare_port}/live/bare", seconds)}
        pushing_since = time.monotonic()
        wait_until(lambda: all(w.seen for w in watches.values()), 30)
        roots = {"chamber": [ingest.process.pid], "bare": [bare.pid]}
        cpu_before = {name: cpu_seconds(pids) for name, pids in roots.items()}
        parts_before = breakdown(ingest.process.pid)
        started = time.monotonic()
        time.sleep(max(5.0, seconds - (started - pushing_since) - 2))  # measure while both encoders still send
        elapsed = time.monotonic() - started
        cpu = {name: (cpu_seconds(pids) - cpu_before[name]) / elapsed * 60 for name, pids in roots.items()}
        parts = {name: (value - parts_before.get(name, 0.0)) / elapsed * 60
                 for name, value in breakdown(ingest.process.pid).items()}
        for name, encoder in encoders.items():
            if encoder.wait() != 0:
                raise RuntimeError(f"the {name} encoder failed: {encoder.process.stderr.read()[-500:]}")
        time.sleep(3)
        for watch in watches.values():
            watch.stop()
        delays = {name: watches[name].delays(encoders[name].sent_time_zero) for name in watches}
    return {"cpu": cpu, "parts": parts, "delays": delays, "window": elapsed}


def breakdown(root: int) -> dict[str, float]:
    """CPU seconds of the Chamber tree by kind of process."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for pid in process_tree(root):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = "relay ffmpeg" if comm == "ffmpeg" else "nginx-rtmp" if comm == "nginx" else "Python service"
        totals[kind] = totals.get(kind, 0.0) + sum(int(v) for v in fields[11:15]) / ticks
    return totals


def capacity_step(feed: Path, work: Path, meetings: int, seconds: float) -> dict:
    env = chamber_env(work / f"capacity-{meetings}")
    with chamber_ingest(env, meetings, work) as (storage, ingest, keys):
        watches = [ListingWatch(storage.blobs.local_path(f"live/{mid}/src/index.m3u8")).start() for mid, _ in keys]
        encoders = [Encoder(feed, f"rtmp://127.0.0.1:{env['CHAMBER_RTMP_PORT']}/live/{key}", seconds)
                    for _, key in keys]
        before, started = cpu_seconds([ingest.process.pid]), time.monotonic()
        failed_encoders = sum(1 for encoder in encoders if encoder.wait() != 0)
        busy = (cpu_seconds([ingest.process.pid]) - before) / (time.monotonic() - started)
        time.sleep(3)
        for watch in watches:
            watch.stop()
        delays = [d for watch, encoder in zip(watches, encoders) if encoder.start_estimates
                  for d in watch.delays(encoder.sent_time_zero)]
        with storage.db.session() as session:
            rows = session.execute(select(Recording.meeting_id, Recording.duration_seconds)).all()
            restarts = sum(int((info or {}).get("ffmpeg_restarts", 0))
                           for info in session.scalars(select(Meeting.live_info)))
    recorded: dict[int, list[float]] = {}
    for meeting_id, duration in rows:
        recorded.setdefault(meeting_id, []).append(duration)
    short = sum(1 for mid, _ in keys if sum(recorded.get(mid, [0.0])) < seconds - 1.5 * SEGMENT_SECONDS)
    split = sum(1 for parts in recorded.values() if len(parts) > 1)
    return {"meetings": meetings, "short": short, "split": split, "restarts": restarts,
            "failed_encoders": failed_encoders, "ingest_cores": busy,
            "p95": statistics.quantiles(delays, n=20)[18] if len(delays) > 1 else float("nan"),
            "ok": short == 0 and split == 0 and restarts == 0 and failed_encoders == 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="length of the side-by-side stream")
    parser.add_argument("--steps", default="8,16,32,64", help="meetings per capacity step")
    parser.add_argument("--step-seconds", type=float, default=20)
    parser.add_argument("--no-report", action="store_true", help="print only; do not update docs/benchmarks.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chamber-bench-relay-"))
    try:
        feed = make_feed(work / "feed.mp4")
        print(f"side by side for {args.seconds:.0f} s ...", flush=True)
        result = cost_and_delay(feed, work, args.seconds)
        steps = []
        for count in (int(n) for n in args.steps.split(",")):
            print(f"capacity: {count} meetings for {args.step_seconds:.0f} s ...", flush=True)
            steps.append(capacity_step(feed, work, count, args.step_seconds))
            if not steps[-1]["ok"]:
                break
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = render(result, steps)
    print(report)
    if not args.no_report:
        write_section("Live relay", report)


def render(result: dict, steps: list[dict]) -> str:
    cpu, delays = result["cpu"], result["delays"]
    ratio = cpu["chamber"] / cpu["bare"]
    median = {name: statistics.median(values) for name, values in delays.items()}
    p95 = {name: statistics.quantiles(values, n=20)[18] for name, values in delays.items()}
    delay_target = SEGMENT_SECONDS + 1
    lines = [
        f"Same 720p25 H.264/AAC feed (2 Mbit/s, keyframe every {SEGMENT_SECONDS} s) pushed over RTMP to Chamber and "
        f"to a bare `ffmpeg -listen 1 -i rtmp://... -c copy -f hls` at the same time for "
        f"{result['window']:.0f} s measured; machine: {machine()}. Chamber = the whole `chamber ingest` tree "
        "(nginx-rtmp, relay ffmpeg writing the source and audio-only renditions, Python supervisor publishing "
        "live playlists and the recording).",
        "",
        "| measure | Chamber / bare | Chamber | bare ffmpeg | target |",
        "|---|---|---|---|---|",
        f"| CPU s per minute of stream | {ratio:.2f}x | {cpu['chamber']:.2f} | {cpu['bare']:.2f} | "
        f"<= {CPU_TARGET_RATIO}x: {'met' if ratio <= CPU_TARGET_RATIO else 'MISSED'} |",
        f"| frame sent -> segment listed, median | {median['chamber'] / median['bare']:.2f}x | "
        f"{median['chamber']:.2f} s | {median['bare']:.2f} s | <= {delay_target} s: "
        f"{'met' if median['chamber'] <= delay_target else 'MISSED'} |",
        f"| frame sent -> segment listed, p95 | {p95['chamber'] / p95['bare']:.2f}x | {p95['chamber']:.2f} s | "
        f"{p95['bare']:.2f} s | |",
        "",
        "Where Chamber's CPU goes (s per minute of stream): " + ", ".join(
            f"{name} {value:.2f}" for name, value in sorted(result["parts"].items(), key=lambda kv: -kv[1])) + ".",
        "",
        "Capacity: simultaneous stream-copy meetings into one `chamber ingest` (encoders on the same machine).",
        "",
        "| meetings | all segments kept | relay restarts | p95 frame -> listed | ingest CPU (cores) |",
        "|---|---|---|---|---|",
    ]
    for step in steps:
        kept = "yes" if step["ok"] else (f"no: {step['short']} short, {step['split']} split, "
                                         f"{step['failed_encoders']} encoders failed")
        lines.append(f"| {step['meetings']} | {kept} | {step['restarts']} | {step['p95']:.2f} s | "
                     f"{step['ingest_cores']:.2f} |")
    sustained = [s["meetings"] for s in steps if s["ok"]]
    lines += ["", f"Sustained without dropping segments: {max(sustained) if sustained else 0} meetings"
              f"{' (the largest step tried)' if len(sustained) == len(steps) else ''}."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
