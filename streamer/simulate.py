"""``chamber simulate``: act as the chamber's encoder, so staff can test their setup and the demo has a live meeting.

It pushes either a file (stream-copied when it is already H.264/AAC, optionally looped) or a generated test
meeting: ffmpeg's test pattern with the sender's clock burned in (compare it with a viewer's screen to read the
latency) and councillors' speech from espeak-ng in several voices. Over RTMP (through nginx, with the meeting's
stream key) or SRT (the meeting's port and passphrase), exactly as a real encoder would.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

import ffmpeg as ffmpeg_python
from tqdm import tqdm

from storage.models import Meeting

from . import StreamerError
from .endpoints import rtmp_publish_url, srt_publish_url
from .ffmpeg import compile_command, last_lines
from .probe import probe

DEFAULT_SECONDS = 60.0
VIDEO_SIZE = "1280x720"
FRAME_RATE = 25
SPEECH = [  # (espeak-ng voice, words): a short, repeating committee exchange
    ("en-gb+m3", "Good evening and welcome to this meeting of the committee. Item one, apologies for absence."),
    ("en-us+f3", "Thank you, Chair. I would like to ask about the bus lane on the high street and its effect "
                 "on local shops."),
    ("en-gb-scotland+m1", "The officers' report recommends a twelve month trial of the bus lane, with a review "
                          "of traffic and footfall."),
    ("en-gb-x-rp+f2", "I propose that we accept the recommendation. Is there a seconder?"),
    ("en-gb+m3", "Seconded. All those in favour? The motion is carried. We move to item two, the library budget."),
]


class SimulateError(StreamerError):
    pass


def speech_track(cache_dir: Path) -> Path:
    """The committee's speech as one WAV file, spoken once and then kept in ``cache_dir``."""
    digest = hashlib.sha256(repr(SPEECH).encode()).hexdigest()[:12]
    target = cache_dir / f"speech-{digest}.wav"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for index, (voice, words) in enumerate(SPEECH):
        wav = cache_dir / f"line-{digest}-{index}.wav"
        try:
            subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), words], check=True,
                           capture_output=True)
        except FileNotFoundError:
            raise SimulateError("espeak-ng is not installed (apt-get install espeak-ng); or pass --file") from None
        lines.append(ffmpeg_python.input(str(wav)).audio.filter("aresample", 48000).filter("apad", pad_dur=0.8))
    joined = ffmpeg_python.concat(*lines, v=0, a=1)
    temporary = target.with_suffix(".part.wav")
    subprocess.run(compile_command(ffmpeg_python.output(joined, str(temporary)).overwrite_output(), "-loglevel",
                                   "error"), check=True)
    temporary.replace(target)
    for index in range(len(SPEECH)):
        (cache_dir / f"line-{digest}-{index}.wav").unlink(missing_ok=True)
    return target


def _x264(segment_seconds: int) -> dict:
    """What a well-set-up encoder sends: H.264 with a keyframe every segment, AAC audio."""
    return {"c:v": "libx264", "preset": "veryfast", "tune": "zerolatency", "pix_fmt": "yuv420p",
            "g": FRAME_RATE * segment_seconds, "keyint_min": FRAME_RATE * segment_seconds, "sc_threshold": 0,
            "b:v": "1500k", "maxrate": "1500k", "bufsize": "3000k", "c:a": "aac", "b:a": "128k", "ar": 48000}


def generated_meeting(cache_dir: Path, title: str, segment_seconds: int, size: str = VIDEO_SIZE):
    """Streams and encoder settings for the generated test meeting."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Text goes through files so that no title needs escaping for ffmpeg's filter syntax.
    clock, caption = cache_dir / "clock.txt", cache_dir / f"title-{hashlib.sha256(title.encode()).hexdigest()[:8]}.txt"
    clock.write_text("%{localtime}")
    caption.write_text(title)
    video = (ffmpeg_python.input(f"testsrc2=size={size}:rate={FRAME_RATE}", format="lavfi", re=None)
             .filter("drawtext", textfile=str(clock), x=40, y=40, fontsize=48, fontcolor="white", box=1,
                     boxcolor="black@0.6", boxborderw=12)
             .filter("drawtext", textfile=str(caption), expansion="none", x=40, y="h-90", fontsize=36,
                     fontcolor="white", box=1, boxcolor="black@0.6", boxborderw=10))
    audio = ffmpeg_python.input(str(speech_track(cache_dir)), stream_loop=-1, re=None).audio
    return [video, audio], _x264(segment_seconds)


def file_source(path: str, loop: bool, segment_seconds: int):
    """Streams and settings for pushing a file: stream copy when an HLS player could play it as it is."""
    info = probe(path)
    if info.video is None:
        raise SimulateError(f"{path} has no video; simulate needs a video file")
    options = {"re": None, **({"stream_loop": -1} if loop else {})}
    source = ffmpeg_python.input(path, **options)
    streams = [source.video] + ([source.audio] if info.audio else [])
    if info.video_copyable and (info.audio is None or info.audio_copyable):
        return streams, {"c": "copy"}
    return streams, _x264(segment_seconds)


def push_command(streams, encoding: dict, url: str, protocol: str, duration: float) -> list[str]:
    container = {"rtmp": "flv", "srt": "mpegts"}[protocol]
    output = ffmpeg_python.output(*streams, url, format=container, t=duration, **encoding)
    return compile_command(output, "-loglevel", "error", "-progress", "pipe:1", "-stats_period", "1")


def publish_url(settings, meeting: Meeting, protocol: str) -> str:
    if protocol == "srt":
        return srt_publish_url(settings, meeting.id, meeting.srt_passphrase)
    return rtmp_publish_url(settings, meeting.stream_key)


def simulate(storage, meeting_id: int, path: str | None = None, loop: bool = False, protocol: str = "rtmp",
             duration: float | None = None) -> None:
    """Push to a meeting for ``duration`` seconds (default: the file's length, or a minute), showing progress."""
    settings = storage.settings
    with storage.db.session() as session:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise SimulateError(f"there is no meeting {meeting_id}; list meetings with `chamber meeting list`")
        url = publish_url(settings, meeting, protocol)
        title = meeting.title
    cache = Path(settings.data_dir) / "simulate"
    if path:
        streams, encoding = file_source(path, loop, settings.hls_segment_seconds)
        info_duration = probe(path).duration
        duration = duration or (None if loop else info_duration) or DEFAULT_SECONDS
    else:
        streams, encoding = generated_meeting(cache, f"{title} - Chamber test signal", settings.hls_segment_seconds)
        duration = duration or DEFAULT_SECONDS
    command = push_command(streams, encoding, url, protocol, duration)
    print(f"Sending {'the file ' + path if path else 'a test meeting'} to meeting {meeting_id} over "
          f"{protocol.upper()} for {duration:.0f} s", flush=True)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    try:
        _show_progress(process, duration)
    except KeyboardInterrupt:
        process.terminate()
    stderr = process.communicate()[1]
    if process.returncode not in (0, 255, -15):
        raise SimulateError(_explain_failure(storage, meeting_id, protocol, url, stderr, time.monotonic() - started))


def _show_progress(process: subprocess.Popen, duration: float) -> None:
    assert process.stdout is not None
    with tqdm(total=round(duration), unit="s", desc="streamed", leave=True) as bar:
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit():
                bar.n = min(round(duration), int(value) // 1_000_000)
                bar.refresh()


def _explain_failure(storage, meeting_id: int, protocol: str, url: str, stderr: str, elapsed: float) -> str:
    if "Connection refused" in stderr:
        return f"nothing is listening at {url.split('?')[0]}: start the ingest service (`chamber ingest`) first"
    with storage.db.session() as session:
        refusal = ((session.get(Meeting, meeting_id).live_info or {}).get("last_refusal")) or {}
    if protocol == "rtmp" and elapsed < 10 and refusal.get("reason"):
        return f"the ingest service refused the stream: {refusal['reason']}"
    if protocol == "srt" and elapsed < 10:
        return ("the SRT connection was refused: check that `chamber ingest` is running and the meeting is open for "
                f"an encoder, and that the passphrase is current ({last_lines(stderr, 1)})")
    return f"the stream stopped: {last_lines(stderr)}"

