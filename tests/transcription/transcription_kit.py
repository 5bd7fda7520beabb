"""Helpers shared by the transcription tests (imported by name: tests/transcription is on sys.path via its
conftest): meetings with recordings in the database and blob store, and a worker run."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import ffmpeg
from synthetic_speech import AGENDA, MEMBERS
from sqlalchemy import select

from archive_web.jobs import run_worker
from storage.models import AgendaItem, Committee, Meeting, Member, Transcript, TranscriptSegment, Visibility
from storage.blobkeys import mp4_key, vod_playlist_key
from transcription.worker import handle_transcribe_job


def video_with_sound(audio: Path, path: Path) -> Path:
    """An MP4 like the streamer's download: H.264 video (a still frame, cheap to encode) and AAC sound."""
    picture = ffmpeg.input("color=c=navy:s=160x90:r=5", f="lavfi")
    sound = ffmpeg.input(str(audio))
    (ffmpeg.output(picture, sound, str(path), shortest=None, vcodec="libx264", preset="ultrafast",
                   acodec="aac", movflags="+faststart")
     .run(quiet=True, overwrite_output=True))
    return path


def store_as_recording(storage, meeting_id: int, video: Path, folder: Path) -> None:
    """Store ``video`` the way the streamer keeps a recording without its MP4: HLS segments of one recording part
    and the on-demand playlist that refers to them from ``meetings/<id>/vod/``."""
    part = folder / "part-0001"
    part.mkdir(parents=True)
    (ffmpeg.input(str(video)).output(str(part / "index.m3u8"), c="copy", f="hls", hls_time=10, hls_list_size=0,
                                     hls_segment_filename=str(part / "%05d.ts"))
     .run(quiet=True, overwrite_output=True))
    for segment in sorted(part.glob("*.ts")):
        storage.blobs.put_file(f"meetings/{meeting_id}/recording/part-0001/{segment.name}", segment)
    playlist = (part / "index.m3u8").read_text()
    playlist = "\n".join(f"../recording/part-0001/{line}" if line.endswith(".ts") else line
                          for line in playlist.splitlines())
    storage.blobs.put_bytes(vod_playlist_key(meeting_id), playlist.encode(), content_type="application/vnd.apple.mpegurl")


def add_meeting(storage, recording: Path | None) -> int:
    """A public meeting of a committee with members, with an agenda and (if given) its recording stored as the
    meeting's MP4."""
    with storage.db.session() as session:
        committee = Committee(slug="planning", name="Planning Committee")
        committee.members = [Member(name=name) for name in MEMBERS]
        meeting = Meeting(committee=committee, title="Planning Committee", scheduled_start=datetime(2026, 12, 1, 18),
                          visibility=Visibility.PUBLIC, agenda_published=True)
        meeting.agenda_items = [AgendaItem(position=i, number=str(i + 1), title=t) for i, t in enumerate(AGENDA)]
        session.add(meeting)
        session.flush()
        meeting_id = meeting.id
    if recording is not None:
        storage.blobs.put_file(mp4_key(meeting_id), recording, content_type="video/mp4")
    return meeting_id


def transcribe_queued(storage) -> int:
    """Run the queued transcription jobs in this process, as ``chamber worker --once`` does."""
    return run_worker(storage, once=True, worker_id="test-worker", handlers={"transcribe": handle_transcribe_job})


def saved_segments(storage, meeting_id: int) -> list[tuple]:
    with storage.db.session() as session:
        rows = session.scalars(select(TranscriptSegment).where(TranscriptSegment.meeting_id == meeting_id)
                               .order_by(TranscriptSegment.position))
        return [(r.position, r.start, r.end, r.text, r.corrected, r.words) for r in rows]


def transcript_of(storage, meeting_id: int) -> Transcript | None:
    with storage.db.session() as session:
        return session.scalar(select(Transcript).where(Transcript.meeting_id == meeting_id))
