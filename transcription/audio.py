"""Audio extraction with ffmpeg: any recording in, 16 kHz mono float32 out, in bounded chunks.

Four hours of 16 kHz float32 audio is about 0.9 GB as one array, so the audio is read from an ffmpeg pipe a chunk
at a time and never held whole. Input problems a person must fix (an empty upload, a video without sound, a
damaged or cut-off file) raise a named ``MediaError`` whose message says what is wrong and what to do.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import ffmpeg
import numpy as np

SAMPLE_RATE = 16_000
BYTES_PER_SAMPLE = 2  # 16-bit samples from ffmpeg

_DURATION = re.compile(r"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_AUDIO_STREAM = re.compile(r"Stream #\d+:\d+.*?: Audio: ")


class TranscriptionError(Exception):
    """Something a person must fix before transcription can succeed; the message says what."""


class MediaError(TranscriptionError):
    """The input file cannot give any audio to transcribe."""


class EmptyMedia(MediaError):
    pass


class NoAudioStream(MediaError):
    pass


class CorruptMedia(MediaError):
    pass


class TruncatedMedia(CorruptMedia):
    pass


@dataclass(frozen=True)
class MediaInfo:
    duration: float | None
    has_audio: bool


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """The system ffmpeg when installed, else the binary that the imageio-ffmpeg package ships."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def probe(path: str | Path) -> MediaInfo:
    """Duration and whether there is a sound track, from ffmpeg's description of the input.

    ffmpeg rather than ffprobe, because the imageio-ffmpeg fallback ships only ffmpeg.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise EmptyMedia(f"{path.name} is empty (0 bytes); the upload or recording did not complete. "
                         "Upload the recording again.")
    result = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
                            capture_output=True, text=True, errors="replace")
    if "Input #0" not in result.stderr:
        raise CorruptMedia(f"{path.name} is not a readable audio or video file ({_last_line(result.stderr)}). "
                           "Check that the file is a complete recording (MP4, MKV, WAV, MP3, FLAC...) and upload "
                           "it again.")
    match = _DURATION.search(result.stderr)
    duration = int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) if match else None
    info = MediaInfo(duration=duration, has_audio=bool(_AUDIO_STREAM.search(result.stderr)))
    if not info.has_audio:
        raise NoAudioStream(f"{path.name} has no sound track, so there is nothing to transcribe. Check the "
                            "encoder's audio input and upload a recording with sound.")
    return info


def _decoder(path: Path) -> list[str]:
    """ffmpeg reading the first sound track as 16 kHz mono 16-bit samples.

    16-bit output, as Whisper's own loader asks for, makes ffmpeg mix stereo to mono as the average of the
    channels; float output would mix at -3 dB per channel instead, louder than the audio Whisper learnt from,
    which measurably changed words on a two-speaker stereo clip.
    """
    stream = ffmpeg.input(str(path)).output("pipe:", map="0:a:0", format="s16le", acodec="pcm_s16le",
                                            ac=1, ar=SAMPLE_RATE)
    return stream.global_args("-nostdin", "-hide_banner", "-loglevel", "error").compile(cmd=ffmpeg_exe())


def stream_audio(path: str | Path, chunk_seconds: float, info: MediaInfo | None = None) -> Iterator[np.ndarray]:
    """Yield the audio as 16 kHz mono float32 arrays of ``chunk_seconds`` (the last one shorter).

    A file that stops decoding with errors well before its stated duration raises ``TruncatedMedia`` after its
    last chunk; damaged packets that ffmpeg skips over do not, so one glitch does not lose a meeting.
    """
    path = Path(path)
    info = info or probe(path)
    chunk_bytes = int(chunk_seconds * SAMPLE_RATE) * BYTES_PER_SAMPLE
    decoded = 0
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(_decoder(path), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors)
        try:
            while data := process.stdout.read(chunk_bytes):
                usable = len(data) - len(data) % BYTES_PER_SAMPLE
                decoded += usable // BYTES_PER_SAMPLE
                yield np.frombuffer(data[:usable], dtype=np.int16).astype(np.float32) / 32768.0
        finally:
            process.stdout.close()
            if process.poll() is None:
                process.kill()
            returncode = process.wait()
        errors.seek(0)
        message = errors.read().decode(errors="replace")
    if returncode != 0:
        raise CorruptMedia(f"ffmpeg could not decode the sound of {path.name} ({_last_line(message)}). "
                           "The file may be damaged; upload it again or convert it to WAV or MP4 first.")
    seconds = decoded / SAMPLE_RATE
    if message.strip() and info.duration and seconds < info.duration - max(5.0, 0.02 * info.duration):
        raise TruncatedMedia(f"{path.name} stops playing at {seconds:.0f} s of its {info.duration:.0f} s "
                             f"({_last_line(message)}); the file is cut off or damaged. Upload the complete "
                             "recording again.")
