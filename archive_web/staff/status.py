"""What a meeting is doing right now, as the staff pages show it and poll it every few seconds."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Job, JobStatus, Meeting, MeetingStatus, utcnow

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
# Slower keyframes than this make live viewers lag behind the room.
MAX_GOOD_KEYFRAME_INTERVAL = 4.0


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


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc).replace(tzinfo=None)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed
    return None


def encoder_report(meeting: Meeting) -> dict[str, Any]:
    """Is a stream arriving, and is it any good: what the "test my encoder" view shows."""
    info = meeting.live_info or {}
    last = _as_datetime(info.get("last_segment_at"))
    age = (utcnow() - last).total_seconds() if last else None
    arriving = (age is not None and age <= ARRIVING_WITHIN_SECONDS) or (
        meeting.status == MeetingStatus.LIVE and last is None)
    # The relay's own findings (slow keyframes, input it had to re-encode) come first, in its words.
    advice = [str(text) for text in (info.get("notices") or {}).values()]
    keyframes = info.get("keyframe_interval_s")
    if isinstance(keyframes, (int, float)) and keyframes > MAX_GOOD_KEYFRAME_INTERVAL:
        advice.append(f"Your encoder sends a keyframe every {keyframes:g} s, so viewers lag behind. Set the "
                      "keyframe interval to 2 s in the encoder's output settings "
                      "(OBS: Settings › Output › Keyframe Interval).")
    level = info.get("audio_level_db")
    if isinstance(level, (int, float)) and level < -60:
        advice.append("The sound is silent or almost silent. Check the microphone and the encoder's audio input.")
    width, height = info.get("width"), info.get("height")
    return {
        "arriving": bool(arriving),
        "seconds_since_segment": round(age, 1) if age is not None else None,
        "resolution": f"{width}×{height}" if width and height else None,
        "video_bitrate_kbps": info.get("video_bitrate_kbps"),
        "audio_level_db": level,
        "keyframe_interval_s": keyframes,
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
        "encoder": encoder_report(meeting),
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
