"""A meeting's recording: numbered parts of source-quality segments in the blob store, one ``Recording`` row each.

A part is what one relay run produced (the encoder reconnecting or ffmpeg being restarted starts a new part)::

    meetings/<id>/recording/part-0001/00000.ts ... index.m3u8

Segments are written before the part's ``index.m3u8`` lists them, and the index is rewritten every half minute
rather than after every segment (it grows with the meeting). A segment that exists but is not listed yet, because
the ingest service itself stopped, is still part of the recording: ``load_parts`` finds it and measures it.
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import func, select

from storage.blobkeys import recording_prefix
from storage.blobs import BlobNotFound
from storage.models import Recording, utcnow

from .playlists import Segment, parse_media_playlist, render_media_playlist
from .probe import MediaInfo, ProbeError, probe

log = logging.getLogger(__name__)

PART_INDEX = "index.m3u8"
_SEGMENT_NAME = re.compile(r"^\d+\.(ts|m4s)$")


def part_folder(part: int) -> str:
    return f"part-{part:04d}/"


def part_prefix(meeting_id: int, part: int) -> str:
    return recording_prefix(meeting_id) + part_folder(part)


@dataclass
class Part:
    number: int
    segments: list[Segment]

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.segments)


def next_part_number(storage, meeting_id: int) -> int:
    with storage.db.session() as session:
        latest = session.scalar(select(func.max(Recording.part)).where(Recording.meeting_id == meeting_id))
    return 1 if latest is None else latest + 1


def open_part(storage, meeting_id: int, part: int, media: MediaInfo | None) -> None:
    video = media.video if media else None
    audio = media.audio if media else None
    with storage.db.session() as session:
        session.add(Recording(meeting_id=meeting_id, part=part, blob_prefix=part_prefix(meeting_id, part),
                              video_codec=video.codec if video else None, audio_codec=audio.codec if audio else None,
                              width=video.width if video else None, height=video.height if video else None))


def save_part(storage, meeting_id: int, part: Part, ended: bool = False) -> None:
    """Write the part's index to the blob store, then its totals to its ``Recording`` row."""
    storage.blobs.put_bytes(part_prefix(meeting_id, part.number) + PART_INDEX,
                            render_media_playlist(part.segments, ended=ended).encode())
    with storage.db.session() as session:
        row = session.scalar(select(Recording).where(Recording.meeting_id == meeting_id,
                                                     Recording.part == part.number))
        if row is not None:
            row.segment_count = len(part.segments)
            row.duration_seconds = part.duration
            if ended:
                row.ended_at = utcnow()


def load_parts(storage, meeting_id: int) -> list[Part]:
    """Every part with its segments in order, including segments stored after the index was last written."""
    with storage.db.session() as session:
        numbers = list(session.scalars(select(Recording.part).where(Recording.meeting_id == meeting_id)
                                       .order_by(Recording.part)))
    parts = []
    for number in numbers:
        part = _load_part(storage, meeting_id, number)
        if part.segments:
            parts.append(part)
    return parts


def _load_part(storage, meeting_id: int, number: int) -> Part:
    prefix = part_prefix(meeting_id, number)
    try:
        listed = list(parse_media_playlist(storage.blobs.get_bytes(prefix + PART_INDEX).decode()).segments)
    except BlobNotFound:  # the service stopped before the part's first index was written
        listed = []
    known = {s.uri for s in listed}
    stored = sorted(PurePosixPath(key).name for key in storage.blobs.list(prefix))
    unlisted = [name for name in stored if _SEGMENT_NAME.match(name) and name not in known]
    if unlisted:
        init = listed[-1].init if listed else ("init.mp4" if "init.mp4" in stored else None)
        listed += [s for s in (_measure(storage, prefix, name, init) for name in unlisted) if s]
        log.warning("meeting %d part %d: %d segments were not in the index yet; added them", meeting_id, number,
                    len(unlisted))
    return Part(number, listed)


def _measure(storage, prefix: str, name: str, init: str | None) -> Segment | None:
    """A segment's duration from the media itself (fMP4 segments are measured with their init segment)."""
    with tempfile.TemporaryDirectory(prefix="chamber-measure-") as tmp:
        path = Path(tmp) / name
        with open(path, "wb") as handle:
            for key in ([prefix + init] if init else []) + [prefix + name]:
                for chunk in storage.blobs.open(key):
                    handle.write(chunk)
        try:
            info = probe(str(path))
        except ProbeError as exc:
            log.warning("skipping unreadable segment %s%s: %s", prefix, name, exc)
            return None
    return Segment(name, info.duration or 0.0, init=init) if info.duration else None
