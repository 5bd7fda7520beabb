"""HLS media playlists as data: parse what ffmpeg wrote, render the live window, a recording part and the VOD.

Chamber renders every playlist viewers fetch itself instead of passing on ffmpeg's, because only Chamber knows the
whole meeting: when ffmpeg is restarted (a crash, an encoder reconnecting) it starts numbering from zero again,
while viewers need one playlist whose media sequence keeps counting and which marks the join with
``EXT-X-DISCONTINUITY``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Segment:
    """One media segment. ``uri`` is relative to the playlist; ``init`` is the fMP4 initialisation segment."""

    uri: str
    duration: float
    program_date_time: datetime | None = None
    discontinuity: bool = False
    init: str | None = None



@dataclass(frozen=True)
class MediaPlaylist:
    segments: tuple[Segment, ...]
    ended: bool = False
    media_sequence: int = 0
    discontinuity_sequence: int = 0

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.segments)


def parse_media_playlist(text: str) -> MediaPlaylist:
    """Read a media playlist (ffmpeg's, or one of ours)."""
    segments: list[Segment] = []
    duration: float | None = None
    pdt: datetime | None = None
    discontinuity = False
    init: str | None = None
    media_sequence = discontinuity_sequence = 0
    ended = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",", 1)[0])
        elif line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            pdt = parse_program_date_time(line.split(":", 1)[1])
        elif line == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif line.startswith("#EXT-X-MAP:"):
            init = _attribute(line, "URI")
        elif line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            media_sequence = int(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-DISCONTINUITY-SEQUENCE:"):
            discontinuity_sequence = int(line.split(":", 1)[1])
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif not line.startswith("#") and duration is not None:
            segments.append(Segment(line, duration, pdt, discontinuity, init))
            duration, pdt, discontinuity = None, None, False
    return MediaPlaylist(tuple(segments), ended, media_sequence, discontinuity_sequence)


def render_media_playlist(segments: Sequence[Segment], *, media_sequence: int = 0, discontinuity_sequence: int = 0,
                          ended: bool = False, vod: bool = False, target_duration: float | None = None) -> str:
    """Playlist text. ``target_duration`` lets a live playlist keep one value while its window moves."""
    longest = max([s.duration for s in segments] + [target_duration or 0, 1])
    fmp4 = any(s.init for s in segments)
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{7 if fmp4 else 3}", f"#EXT-X-TARGETDURATION:{math.ceil(longest - 0.001)}",
             f"#EXT-X-MEDIA-SEQUENCE:{media_sequence}"]
    if discontinuity_sequence:
        lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuity_sequence}")
    if vod:
        lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    lines.append("#EXT-X-INDEPENDENT-SEGMENTS")
    current_init = None
    for segment in segments:
        if segment.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        if segment.init and segment.init != current_init:
            lines.append(f'#EXT-X-MAP:URI="{segment.init}"')
            current_init = segment.init
        if segment.program_date_time is not None:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{format_program_date_time(segment.program_date_time)}")
        lines.append(f"#EXTINF:{segment.duration:.6f},")
        lines.append(segment.uri)
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def join_parts(parts: Iterable[Sequence[Segment]]) -> list[Segment]:
    """Concatenate the segments of recording parts, marking (only) where each later part begins."""
    joined: list[Segment] = []
    for part in parts:
        for index, segment in enumerate(part):
            joined.append(replace(segment, discontinuity=index == 0 and bool(joined)))
    return joined


def parse_program_date_time(text: str) -> datetime:
    """ffmpeg writes ``2026-11-28T09:34:42.360+0000``; Python wants a colon in the offset."""
    text = text.strip()
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def format_program_date_time(value: datetime) -> str:
    value = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _attribute(line: str, name: str) -> str | None:
    for item in line.split(":", 1)[1].split(","):
        key, _, value = item.partition("=")
        if key.strip() == name:
            return value.strip().strip('"')
    return None
