"""The ``transcribe`` job: a meeting's recording in, its transcript, captions and search entries out.

Crash safety comes from doing all the slow work first and writing the result in one database transaction at the
end: a worker killed at any point before that commit leaves the previous state untouched, the job's lease runs
out, another worker runs it again from the start, and decoding is deterministic, so the result is the same.
Caption files are written inside that transaction, before the commit, so a transcript marked ready always has
current files. Staff corrections (segments with ``corrected=True``) are never replaced: new segments that
overlap them in time are dropped.
"""

from __future__ import annotations

import logging
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.blobkeys import caption_key, mp4_key, recording_prefix, vod_playlist_key, vod_prefix
from storage.jobqueue import ClaimedJob
from storage.jobrunner import LeaseLost, PermanentJobError
from storage.models import (
    AgendaItem,
    Job,
    JobStatus,
    Meeting,
    MeetingStatus,
    Member,
    Transcript,
    TranscriptSegment,
    TranscriptStatus,
    utcnow,
)

from .audio import MediaError, TranscriptionError
from .captions import CONTENT_TYPES, RENDERERS, render
from .engine import ProgressFn, Transcriber
from .progress import progress_bar
from .segments import Segment, Word

log = logging.getLogger(__name__)

# How often the transcript's own progress figure (read by staff pages and the API) is written.
PROGRESS_WRITE_SECONDS = 5.0


class NoRecording(MediaError):
    pass


def handle_transcribe_job(storage, job: ClaimedJob, report_progress: ProgressFn) -> None:
    """Transcribe the meeting named in the job's payload (``{"meeting_id": int, "model": str | None}``).

    Raises ``PermanentJobError`` for input that will never work (no recording, no sound, a damaged file, a model
    that is not installed); the reason is also stored on the transcript for staff to read.
    """
    meeting_id = int(job.payload["meeting_id"])
    started = time.monotonic()
    try:
        transcriber = Transcriber.for_settings(storage.settings, job.payload.get("model"))
        vocabulary = _begin(storage, meeting_id, transcriber.model_name)
        with _local_media(storage, meeting_id) as path, \
                progress_bar(f"meeting {meeting_id}") as show_progress:
            progress = _ProgressReporter(storage, meeting_id, [report_progress, show_progress])
            segments = list(transcriber.segments(path, vocabulary, progress))
    except TranscriptionError as exc:
        _record_failure(storage, meeting_id, str(exc))
        raise PermanentJobError(str(exc)) from exc
    _publish(storage, job, meeting_id, segments, transcriber.model_name,
             processing_seconds=time.monotonic() - started, audio_seconds=progress.done)
    log.info("meeting %s transcribed: %d segments", meeting_id, len(segments), extra={"meeting_id": meeting_id})


def _begin(storage, meeting_id: int, model_name: str) -> list[str]:
    """Mark the transcript running and return the meeting's vocabulary: members' names, then agenda titles."""
    with storage.db.session() as session:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise PermanentJobError(f"Meeting {meeting_id} no longer exists; nothing to transcribe.")
        transcript = _transcript(session, meeting_id)
        transcript.status, transcript.model, transcript.progress, transcript.error = (
            TranscriptStatus.RUNNING, model_name, 0.0, None)
        members = session.scalars(select(Member.name).where(Member.committee_id == meeting.committee_id,
                                                            Member.active.is_(True)).order_by(Member.id))
        titles = session.scalars(select(AgendaItem.title).where(AgendaItem.meeting_id == meeting_id)
                                 .order_by(AgendaItem.position))
        return [*members, *titles]


def _transcript(session: Session, meeting_id: int) -> Transcript:
    transcript = session.scalar(select(Transcript).where(Transcript.meeting_id == meeting_id))
    if transcript is None:
        transcript = Transcript(meeting_id=meeting_id)
        session.add(transcript)
        session.flush()
    return transcript


@contextmanager
def _local_media(storage, meeting_id: int) -> Iterator[Path]:
    """The meeting's recording as a local file ffmpeg can read.

    The MP4 download when there is one; otherwise the on-demand playlist over the recording's segments (the
    streamer skips the MP4 when its disk is full). A local blob store is read in place; from S3 the files are
    downloaded to a temporary folder that mirrors their keys, so the playlist's relative links still work.
    """
    mp4, playlist = mp4_key(meeting_id), vod_playlist_key(meeting_id)
    if storage.blobs.exists(mp4):
        key, companions = mp4, []
    elif storage.blobs.exists(playlist):
        key, companions = playlist, [vod_prefix(meeting_id), recording_prefix(meeting_id)]
    else:
        raise NoRecording(f"Meeting {meeting_id} has no recording to transcribe (neither {mp4} nor {playlist} "
                          "exists). Finish the recording or import it, then retry the transcription.")
    local = storage.blobs.local_path(key)
    if local is not None:
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="chamber-transcribe-") as folder:
        for needed in {key, *(k for prefix in companions for k in storage.blobs.list(prefix))}:
            storage.blobs.download(needed, Path(folder) / needed)
        yield Path(folder) / key


class _ProgressReporter:
    """One progress function feeding the job queue (which raises ``LeaseLost``), the terminal bar and, every
    few seconds, the transcript's own progress figure; it remembers how much audio was done."""

    def __init__(self, storage, meeting_id: int, sinks: list[ProgressFn]):
        self.storage, self.meeting_id, self.sinks = storage, meeting_id, sinks
        self.done = 0.0
        self.last_write = time.monotonic()

    def __call__(self, done: float, total: float) -> None:
        self.done = done
        for sink in self.sinks:
            sink(done, total)
        if total > 0 and time.monotonic() - self.last_write >= PROGRESS_WRITE_SECONDS:
            self.last_write = time.monotonic()
            with self.storage.db.session() as session:
                session.execute(update(Transcript).where(Transcript.meeting_id == self.meeting_id)
                                .values(progress=min(1.0, done / total)))


def _record_failure(storage, meeting_id: int, reason: str) -> None:
    with storage.db.session() as session:
        if session.get(Meeting, meeting_id) is None:
            return
        transcript = _transcript(session, meeting_id)
        transcript.status, transcript.error = TranscriptStatus.FAILED, reason


def _still_owned(session: Session, job: ClaimedJob) -> bool:
    """Whether this worker still holds the job's lease, checked (and on PostgreSQL, row-locked) inside the
    transaction that publishes, so a worker presumed dead cannot publish over the one that replaced it."""
    result = session.execute(update(Job).where(Job.id == job.id, Job.worker_id == job.worker_id,
                                               Job.status == JobStatus.RUNNING)
                             .values(lease_expires_at=Job.lease_expires_at))
    return result.rowcount == 1


def _from_row(row: TranscriptSegment) -> Segment:
    return Segment(start=row.start, end=row.end, text=row.text, speaker=row.speaker, corrected=row.corrected,
                   words=[Word(w["start"], w["end"], w["word"]) for w in row.words or ()])


def _overlaps(segment: Segment, others: list[Segment]) -> bool:
    return any(segment.start < other.end and other.start < segment.end for other in others)


def _publish(storage, job: ClaimedJob, meeting_id: int, segments: list[Segment], model_name: str,
             processing_seconds: float, audio_seconds: float) -> None:
    """Replace the meeting's uncorrected segments, write the caption files, index and mark ready: one commit."""
    with storage.db.session() as session:
        if not _still_owned(session, job):
            raise LeaseLost(f"job {job.id} was taken over by another worker before its result was saved")
        transcript = _transcript(session, meeting_id)
        corrected_rows = list(session.scalars(select(TranscriptSegment).where(
            TranscriptSegment.transcript_id == transcript.id, TranscriptSegment.corrected.is_(True))))
        session.execute(delete(TranscriptSegment).where(TranscriptSegment.transcript_id == transcript.id,
                                                        TranscriptSegment.corrected.is_(False)))
        corrected = [_from_row(row) for row in corrected_rows]
        rows = {id(segment): row for segment, row in zip(corrected, corrected_rows)}
        merged = sorted(corrected + [s for s in segments if not _overlaps(s, corrected)], key=lambda s: s.start)
        for position, segment in enumerate(merged):
            if id(segment) in rows:
                rows[id(segment)].position = position
            else:
                session.add(TranscriptSegment(
                    transcript_id=transcript.id, meeting_id=meeting_id, position=position, start=segment.start,
                    end=segment.end, text=segment.text, speaker=segment.speaker, corrected=False,
                    words=[w.as_dict() for w in segment.words]))
        transcript.status, transcript.model, transcript.progress, transcript.error = (
            TranscriptStatus.READY, model_name, 1.0, None)
        transcript.audio_seconds = audio_seconds
        transcript.processing_seconds = processing_seconds
        transcript.completed_at = utcnow()
        meeting = session.get(Meeting, meeting_id)
        if meeting.status in (MeetingStatus.ENDED, MeetingStatus.PROCESSING):
            meeting.status = MeetingStatus.READY  # recording and transcript are both published now
        session.flush()
        for fmt in RENDERERS:
            storage.blobs.put_bytes(caption_key(meeting_id, fmt), render(fmt, merged).encode("utf-8"),
                                    content_type=CONTENT_TYPES[fmt])
        storage.search.index_meeting(session, meeting_id)
