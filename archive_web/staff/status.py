"""What a meeting is doing right now, as the staff pages show it and poll it every few seconds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Job, JobStatus, Meeting, MeetingStatus, utcnow
from streamer.monitor import sample_live_stream

from .. import get_storage

STATUS_LABELS = {
    MeetingStatus.SCHEDULED: "Scheduled",
    MeetingStatus.LIVE: "Live",
    MeetingStatus.RECONNECTING: "Live – encoder reconnecting",
    MeetingStatus.ENDED: "Ended",
    MeetingStatus.PROCESSING: "Processing",
    MeetingStatus.READY: "Ready",
    MeetingStatus.FAILED: "Failed",
    MeetingStatus.CANCELLED: "Cancelled",
    MeetingStatus.POSTPONED: "Postponed",
}
MEETING_JOB_KINDS = ("transcribe", "import")
# How recent the newest live segment must be for the encoder to count as "arriving".
ARRIVING_WITHIN_SECONDS = 20
# A room being heard averages -30 to -15 dBFS; below this the microphone or the encoder's audio input is off.
SILENT_BELOW_DB = -60


def latest_job(session: Session, meeting_id: int) -> Job | None:
    """The newest transcription or import job for the meeting (payloads are JSON, so the match is made here)."""
    jobs = session.scalars(select(Job).where(Job.kind.in_(MEETING_JOB_KINDS)).order_by(Job.id.desc()).limit(500))
    return next((job for job in jobs if (job.payload or {}).get("meeting_id") == meeting_id), None)


def stream_position(meeting: Meeting) -> float | None:
    """Seconds into the live recording now: what the ingest reports, else the time since the stream started."""
    info = meeting.live_info or {}
    if isinstance(info.get("position"), (int, float)):
        return float(info["position"])
    if meeting.started_at is None:
        return None
    return max(0.0, (utcnow() - meeting.started_at).total_seconds())


def encoder_report(meeting: Meeting, blobs) -> dict[str, Any]:
    """Is a stream arriving, and is it any good: what the "test my encoder" view shows.

    Bitrate, sound level and freshness are measured from the live stream viewers get (``streamer.monitor``);
    resolution and the relay's advice come from the ingest's report in ``Meeting.live_info``.
    """
    info = meeting.live_info or {}
    sample = sample_live_stream(blobs, meeting.id) if meeting.is_live else None
    newest = sample.newest_segment_at if sample else None
    age = max(0.0, (utcnow() - newest).total_seconds()) if newest else None
    arriving = age is not None and age <= ARRIVING_WITHIN_SECONDS
    sound = sample.sound if arriving else None
    # The relay's own findings (slow keyframes, input it had to re-encode) come first, in its words.
    advice = [str(text) for text in (info.get("notices") or {}).values()]
    if sound is not None and sound.mean_db < SILENT_BELOW_DB:
        advice.append("The sound is silent or almost silent. Check the microphone and the encoder's audio input.")
    elif arriving and sound is None:
        advice.append("No sound is arriving. Check that the encoder sends an audio track (AAC).")
    width, height = info.get("width"), info.get("height")
    return {
        "arriving": arriving,
        "seconds_since_segment": round(age, 1) if age is not None else None,
        "resolution": f"{width}×{height}" if width and height else None,
        "bitrate_kbps": sample.bitrate_kbps if arriving else None,
        "audio_level_db": sound.mean_db if sound else None,
        "audio_peak_db": sound.peak_db if sound else None,
        "advice": advice,
    }


def _fraction(value: float | None, total: float | None = None) -> float | None:
    if value is None:
        return None
    if total:
        return max(0.0, min(1.0, value / total))
    return max(0.0, min(1.0, value if value <= 1 else value / 100))


def meeting_status(session: Session, meeting: Meeting) -> dict[str, Any]:
    transcript = meeting.transcript
    job = latest_job(session, meeting.id)
    failed_job = job is not None and job.status == JobStatus.FAILED
    return {
        "id": meeting.id,
        "status": meeting.status.value,
        "status_label": STATUS_LABELS[meeting.status],
        "live_state": meeting.live_state,
        "failure_reason": meeting.failure_reason or (job.error if failed_job else None),
        "position": stream_position(meeting) if meeting.is_live else None,
        "encoder": encoder_report(meeting, get_storage().blobs),
        "transcript": None if transcript is None else {
            "status": transcript.status.value,
            "progress": _fraction(transcript.progress),
            "model": transcript.model,
            "error": transcript.error,
        },
        "job": None if job is None else {
            "id": job.id, "kind": job.kind, "status": job.status.value,
            "progress": _fraction(job.progress, job.progress_total), "error": job.error,
            "attempts": job.attempts, "max_attempts": job.max_attempts,
        },
        "can_retry": meeting.status == MeetingStatus.FAILED or failed_job or (
            transcript is not None and transcript.status.value == "failed"),
    }
