"""Helpers shared by the analytics tests (imported by name: tests/analytics is on sys.path via its conftest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.meetings import create_committee, create_meeting
from storage.models import AgendaItem, MeetingStatus, Visibility

MEETING_START = datetime(2026, 11, 3, 18, 30)


@dataclass
class ManualClock:
    now: datetime = MEETING_START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def add_meeting(storage, title="Planning Committee", visibility=Visibility.PUBLIC, chapters=(), committee=None,
                start=MEETING_START, status=MeetingStatus.LIVE) -> int:
    with storage.db.session() as session:
        parent = create_committee(session, committee or title)
        meeting = create_meeting(session, parent, title, start, public=visibility == Visibility.PUBLIC)
        meeting.visibility, meeting.status = visibility, status
        for position, (number, item_title, start_seconds) in enumerate(chapters):
            session.add(AgendaItem(meeting=meeting, position=position, number=number, title=item_title,
                                   start_seconds=start_seconds))
        session.flush()
        return meeting.id


def configure(app, rate: float = 1000.0, burst: float = 1000.0):
    """No background housekeeping (tests roll up when they choose) and a rate limit tests set themselves."""
    app.config.update(ANALYTICS_MAINTENANCE_SECONDS=0)
    limiter = app.extensions["analytics"].limiter
    limiter.rate, limiter.burst = rate, burst
    return app


def beacon(meeting_id, session_id="session-0001", seq=0, mode="live", position=15.0, played=15.0, **extra):
    return {"meeting_id": meeting_id, "session_id": session_id, "seq": seq, "mode": mode, "position": position,
            "played": played, **extra}
