"""The one place that decides who may publish to which meeting, and which meetings are open for an encoder.

RTMP: nginx asks (``on_publish``) before accepting a stream; the stream key names the meeting. SRT: the listener
only exists for meetings open to an encoder, and SRT itself refuses any other passphrase during the handshake.
Every refusal is logged with its reason and kept on the meeting (``live_info["last_refusal"]``) so staff can see
why their encoder was turned away.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from storage.models import Meeting, MeetingStatus, utcnow

log = logging.getLogger(__name__)

# An encoder may connect from this long before the scheduled start (to test), until this long after it.
OPEN_BEFORE_START = timedelta(hours=12)
OPEN_AFTER_START = timedelta(hours=12)
# A pull starts this long before the scheduled start.
PULL_LEAD_TIME = timedelta(minutes=5)

_ENDED = {MeetingStatus.ENDED, MeetingStatus.PROCESSING, MeetingStatus.READY, MeetingStatus.FAILED}


@dataclass(frozen=True)
class PublishDecision:
    allowed: bool
    meeting_id: int | None
    reason: str


def refusal_reason(meeting: Meeting | None, busy: str | None = None) -> str | None:
    """Why this meeting may not take a stream now, or None when it may. ``busy`` is the ingest service's own
    reason, when it has one (another encoder is connected, the meeting is being ended)."""
    if meeting is None:
        return "unknown or revoked stream key; copy the current key from the meeting's staff page"
    if meeting.imported:
        return "this meeting is an imported recording and cannot go live"
    if meeting.status == MeetingStatus.CANCELLED:
        return "the meeting is cancelled"
    if meeting.status == MeetingStatus.POSTPONED:
        return "the meeting is postponed; give it a new date before streaming"
    if meeting.status in _ENDED:
        return "the meeting has already ended; schedule a new meeting for a new stream"
    return busy


def authorize_stream_key(storage, stream_key: str, busy: dict[int, str], address: str = "") -> PublishDecision:
    """Decide an RTMP publish attempt. ``busy`` maps meetings that cannot take an encoder now to the reason."""
    with storage.db.session() as session:
        meeting = session.scalar(select(Meeting).where(Meeting.stream_key == stream_key)) if stream_key else None
        reason = refusal_reason(meeting, busy.get(meeting.id) if meeting else None)
        meeting_id = meeting.id if meeting else None
    if reason:
        note_refusal(storage, meeting_id, "rtmp", reason, address)
        return PublishDecision(False, meeting_id, reason)
    log.info("accepted RTMP publish from %s for meeting %d", address or "?", meeting_id)
    return PublishDecision(True, meeting_id, "ok")


def note_refusal(storage, meeting_id: int | None, protocol: str, reason: str, address: str = "") -> None:
    """Log a refused encoder and, when the meeting is known, keep the reason where staff will see it."""
    log.warning("refused %s encoder from %s for %s: %s", protocol.upper(), address or "an unknown address",
                f"meeting {meeting_id}" if meeting_id else "no meeting", reason)
    if meeting_id is None:
        return
    refusal = {"at": utcnow().isoformat(), "protocol": protocol, "reason": reason, "address": address}
    with storage.db.session() as session:
        meeting = session.get(Meeting, meeting_id)
        meeting.live_info = {**(meeting.live_info or {}), "last_refusal": refusal}


@dataclass(frozen=True)
class OpenMeeting:
    """A meeting that should have an SRT listener, or a pull, open now."""

    id: int
    srt_passphrase: str
    pull_url: str | None
    pull_due: bool


def open_meetings(storage, now: datetime | None = None) -> list[OpenMeeting]:
    """Meetings an encoder may connect to now: scheduled around now, or already live."""
    now = now or utcnow()
    live = [MeetingStatus.LIVE, MeetingStatus.RECONNECTING]
    with storage.db.session() as session:  # columns only: this runs every few seconds
        rows = session.execute(select(Meeting.id, Meeting.srt_passphrase, Meeting.pull_url, Meeting.status,
                                      Meeting.scheduled_start).where(
            Meeting.imported.is_(False),
            or_(Meeting.status.in_(live),
                (Meeting.status == MeetingStatus.SCHEDULED)
                & (Meeting.scheduled_start >= now - OPEN_AFTER_START)
                & (Meeting.scheduled_start <= now + OPEN_BEFORE_START)))).all()
    return [OpenMeeting(row.id, row.srt_passphrase, row.pull_url, pull_due=bool(row.pull_url) and (
                row.status in live or row.scheduled_start - PULL_LEAD_TIME <= now))
            for row in rows]

