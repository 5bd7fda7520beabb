"""What a live meeting's encoder is sending, measured from what viewers are being served: the "test my encoder"
figures staff read while they set up the chamber's encoder.

Everything is read from the live playlists and segments in the blob store, on demand, rather than measured by the
relay: the relay stays a plain stream copy whose cost does not grow with checks nobody is looking at, and the
figures are the ones viewers actually get, whichever machine runs the ingest.

- Bitrate: bytes of the newest source segments over their duration (video and sound together, as the encoder's
  "bitrate" settings add up, plus a few percent of container overhead).
- Sound level: the newest audio-only segment decoded with PyAV (ffmpeg's libraries); mean (RMS) and peak level in
  dBFS. Speech into a well-set microphone averages about -20 dBFS; below -60 dBFS the room is not being heard.
- Freshness: when the newest segment started, from its program-date-time, so a stalled encoder shows at once.

Each segment is measured once: results are kept by segment name, and a new segment arrives every few seconds.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import av
import numpy as np

from storage.blobkeys import live_prefix
from storage.blobs import BlobNotFound, BlobStoreError

from .playlists import MediaPlaylist, parse_media_playlist
from .relay import AUDIO_RENDITION, SOURCE_RENDITION, VARIANT_PLAYLIST

log = logging.getLogger(__name__)

BITRATE_SEGMENTS = 5
SILENCE_FLOOR_DB = -90.0  # digital silence reads as this rather than minus infinity


@dataclass(frozen=True)
class SoundLevel:
    mean_db: float
    peak_db: float


@dataclass(frozen=True)
class StreamSample:
    newest_segment_at: datetime | None  # when the newest segment started (UTC, naive), if the playlist says
    bitrate_kbps: int | None
    sound: SoundLevel | None


def sample_live_stream(blobs, meeting_id: int) -> StreamSample | None:
    """The newest figures for a meeting's live stream; None while nothing has been published."""
    source = _playlist(blobs, meeting_id, SOURCE_RENDITION)
    if source is None or not source.segments:
        return None
    newest = source.segments[-1]
    recent = source.segments[-BITRATE_SEGMENTS:]
    folder = f"{live_prefix(meeting_id)}{SOURCE_RENDITION}/"
    seconds = sum(s.duration for s in recent)
    try:
        total_bytes = sum(_size(blobs, folder + s.uri) for s in recent)
    except (BlobNotFound, BlobStoreError):  # a segment left the window while we looked: next poll
        total_bytes = 0
    return StreamSample(
        newest_segment_at=_as_utc(newest.program_date_time),
        bitrate_kbps=round(total_bytes * 8 / seconds / 1000) if total_bytes and seconds > 0 else None,
        sound=_newest_sound(blobs, meeting_id))


def _playlist(blobs, meeting_id: int, rendition: str) -> MediaPlaylist | None:
    try:
        text = blobs.get_bytes(f"{live_prefix(meeting_id)}{rendition}/{VARIANT_PLAYLIST}").decode()
    except (BlobNotFound, BlobStoreError, UnicodeDecodeError):
        return None
    return parse_media_playlist(text)


def _newest_sound(blobs, meeting_id: int) -> SoundLevel | None:
    audio = _playlist(blobs, meeting_id, AUDIO_RENDITION)
    if audio is None or not audio.segments:
        return None
    segment = audio.segments[-1]
    folder = f"{live_prefix(meeting_id)}{AUDIO_RENDITION}/"
    return _sound_level(blobs, folder + segment.uri, folder + segment.init if segment.init else None)


@lru_cache(maxsize=256)
def _size(blobs, key: str) -> int:
    return blobs.size(key)


@lru_cache(maxsize=64)
def _sound_level(blobs, key: str, init_key: str | None) -> SoundLevel | None:
    """Mean and peak level of one segment's sound; None when it cannot be read (gone, damaged)."""
    try:
        data = (blobs.get_bytes(init_key) if init_key else b"") + blobs.get_bytes(key)
        return measure_sound(data)
    except (BlobNotFound, BlobStoreError, av.FFmpegError, ValueError) as exc:
        log.debug("no sound level from %s: %s", key, exc)
        return None


def measure_sound(data: bytes) -> SoundLevel | None:
    """Mean (RMS) and peak level in dBFS of the first sound track in a media file held in memory."""
    squares, count, peak = 0.0, 0, 0.0
    with av.open(io.BytesIO(data)) as container:
        if not container.streams.audio:
            return None
        for frame in container.decode(container.streams.audio[0]):
            samples = frame.to_ndarray()
            if samples.dtype.kind in "iu":  # integer PCM: scale to -1..1
                samples = samples / float(np.iinfo(samples.dtype).max)
            samples = samples.astype(np.float64, copy=False)
            squares += float(np.square(samples).sum())
            count += samples.size
            peak = max(peak, float(np.abs(samples).max(initial=0.0)))
    if count == 0:
        return None
    return SoundLevel(mean_db=_decibels(math.sqrt(squares / count)), peak_db=_decibels(peak))


def _decibels(amplitude: float) -> float:
    return round(max(SILENCE_FLOOR_DB, 20 * math.log10(amplitude)) if amplitude > 0 else SILENCE_FLOOR_DB, 1)


def _as_utc(value) -> datetime | None:
    """A program-date-time as naive UTC, like the database's times."""
    if not isinstance(value, datetime):
        return None
    offset = value.utcoffset()
    return value.replace(tzinfo=None) - (offset or timedelta(0))
