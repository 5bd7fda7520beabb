"""Live to on-demand: when a meeting ends, its recording becomes a VOD playlist and an MP4 download.

Nothing is re-encoded. The VOD playlist lists the recording's own segments (``../recording/part-NNNN/...``) with a
discontinuity where each part begins, so it is playable as soon as it is written, seconds after the end. The MP4
is a remux of the same segments with ``+faststart`` so a browser can start playing it before it has downloaded.
Then the meeting is marked ended with its real recorded duration and a transcription job is queued, in one
transaction, so a meeting is never "ended" without its transcript on the way.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import ffmpeg as ffmpeg_python

from storage.blobkeys import live_prefix, mp4_key, vod_playlist_key
from storage.models import Meeting, MeetingStatus, utcnow

from .ffmpeg import compile_command, run_command
from .playlists import join_parts, parse_media_playlist, render_media_playlist
from .recording import Part, load_parts, part_folder, part_prefix
from .relay import VARIANT_PLAYLIST
from .session import Fault, LiveState

log = logging.getLogger(__name__)

MP4_CONTENT_TYPE = "video/mp4"


@dataclass(frozen=True)
class Finished:
    """What ending a meeting produced."""

    meeting_id: int
    status: MeetingStatus
    duration_seconds: float
    parts: int
    vod_key: str | None
    mp4_key: str | None
    transcribe_job_id: int | None
    reason: str | None

    def describe(self) -> str:
        if self.status == MeetingStatus.FAILED:
            return f"Meeting {self.meeting_id} failed: {self.reason}"
        note = f" Note: {self.reason}" if self.reason else ""
        published = "the on-demand video and the MP4 download are" if self.mp4_key else "the on-demand video is"
        return (f"Meeting {self.meeting_id} ended: {self.duration_seconds:.0f} s recorded in {self.parts} part(s); "
                f"{published} published and transcription job {self.transcribe_job_id} is queued.{note}")


def close_live_playlists(blobs, meeting_id: int) -> None:
    """Mark every live playlist of the meeting as complete, so players stop waiting for more."""
    for key in blobs.list(live_prefix(meeting_id)):
        if not key.endswith("/" + VARIANT_PLAYLIST):
            continue
        playlist = parse_media_playlist(blobs.get_bytes(key).decode())
        if not playlist.ended:
            blobs.put_bytes(key, render_media_playlist(
                playlist.segments, media_sequence=playlist.media_sequence,
                discontinuity_sequence=playlist.discontinuity_sequence, ended=True).encode())


def vod_playlist(meeting_id: int, parts: list[Part]) -> str:
    """The whole meeting, referring to the recording's segments from ``meetings/<id>/vod/``."""
    def relative(part: Part):
        folder = "../recording/" + part_folder(part.number)
        return [replace(s, uri=folder + s.uri, init=folder + s.init if s.init else None) for s in part.segments]
    return render_media_playlist(join_parts(relative(p) for p in parts), ended=True, vod=True)


def remux_to_mp4(storage, meeting_id: int, parts: list[Part], output: Path, workdir: Path) -> Path:
    """One MP4 from the recording's parts, by stream copy: each part's segments are joined (they come from one
    ffmpeg run, so their timestamps continue), then ffmpeg's concat demuxer joins the parts."""
    listing = workdir / "parts.txt"
    lines = []
    for part in parts:
        prefix = part_prefix(meeting_id, part.number)
        joined = workdir / f"part-{part.number:04d}.{part.segments[0].uri.rsplit('.', 1)[-1]}"
        with open(joined, "wb") as handle:
            keys = ([prefix + part.segments[0].init] if part.segments[0].init else []) + \
                   [prefix + s.uri for s in part.segments]
            for key in keys:
                for chunk in storage.blobs.open(key):
                    handle.write(chunk)
        lines.append(f"file '{joined.name}'\n")
    listing.write_text("".join(lines))
    spec = ffmpeg_python.input(str(listing), format="concat", safe=0).output(
        str(output), c="copy", movflags="+faststart", map="0")
    run_command(compile_command(spec.overwrite_output(), "-loglevel", "error"), "making the MP4 download")
    return output


def finish_meeting(storage, meeting_id: int, fault: Fault | None = None, make_mp4: bool = True) -> Finished:
    """Close the live playlists, publish the VOD and MP4, mark the meeting ended and queue its transcription.

    ``fault`` is why the meeting stopped early, if it did; it stays on the meeting for staff to read.
    """
    close_live_playlists(storage.blobs, meeting_id)
    parts = load_parts(storage, meeting_id)
    if not parts:
        reason = fault.message if fault else ("the meeting ended before any video arrived from the encoder; "
                                              "check the encoder's URL and stream key, then schedule it again")
        _mark(storage, meeting_id, MeetingStatus.FAILED, LiveState.FAILED, reason)
        return Finished(meeting_id, MeetingStatus.FAILED, 0.0, 0, None, None, None, reason)

    duration = sum(p.duration for p in parts)
    storage.blobs.put_bytes(vod_playlist_key(meeting_id), vod_playlist(meeting_id, parts).encode())
    mp4 = None
    if make_mp4:
        scratch = Path(storage.settings.data_dir) / "ingest" / "scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=scratch, prefix=f"meeting-{meeting_id}-") as tmp:
            output = remux_to_mp4(storage, meeting_id, parts, Path(tmp) / "meeting.mp4", Path(tmp))
            storage.blobs.put_file(mp4_key(meeting_id), output, MP4_CONTENT_TYPE)
        mp4 = mp4_key(meeting_id)
    reason = fault.message if fault else None
    job_id = _mark(storage, meeting_id, MeetingStatus.ENDED, LiveState.ENDED, reason, duration)
    log.info("meeting %d ended: %.1f s in %d part(s), transcription job %s", meeting_id, duration, len(parts), job_id)
    return Finished(meeting_id, MeetingStatus.ENDED, duration, len(parts), vod_playlist_key(meeting_id), mp4, job_id,
                    reason)


def _mark(storage, meeting_id: int, status: MeetingStatus, state: LiveState, reason: str | None,
          duration: float | None = None) -> int | None:
    with storage.db.session() as session:
        meeting = session.get(Meeting, meeting_id)
        meeting.status = status
        meeting.ended_at = utcnow()
        meeting.live_state = state.value
        meeting.live_info = {**(meeting.live_info or {}), "state": state.value}
        meeting.failure_reason = reason
        if duration is None:
            return None
        meeting.duration_seconds = duration
        return storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id, "model": None}, session=session)

