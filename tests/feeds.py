"""Media that encoders would send, made on the fly for tests (no media files are kept in the repository)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import ffmpeg

from streamer.ffmpeg import compile_command
from streamer.simulate import speech_track


def speech_feed(path: Path, seconds: int) -> Path:
    """What the chamber's encoder would send, small: 320x180 H.264 (keyframe every 2 s) and AAC carrying the
    committee's espeak-ng speech, so ingest stream-copies it and the transcriber hears real words."""

    speech = speech_track(path.parent / "speech-cache")
    video = ffmpeg.input("testsrc2=size=320x180:rate=25", format="lavfi").video
    output = ffmpeg.output(video, ffmpeg.input(str(speech)).audio, str(path), t=seconds, vcodec="libx264",
                           preset="ultrafast", g=50, keyint_min=50, sc_threshold=0, pix_fmt="yuv420p",
                           acodec="aac", ar=48000)
    subprocess.run(compile_command(output.overwrite_output(), "-loglevel", "error"), check=True)
    return path
