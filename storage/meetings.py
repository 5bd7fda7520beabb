"""Creating and changing committees and meetings: the rules shared by the command line and the staff pages."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .localtime import NonexistentLocalTime, to_utc
from .models import Committee, Meeting, MeetingStatus, Visibility, new_srt_passphrase, new_stream_key


class RecordError(ValueError):
    """A committee or meeting cannot be created or changed as asked; the message says why."""


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:100] or "committee"


def parse_datetime(text: str, zone: ZoneInfo) -> datetime:
    """An ISO 8601 date-time from a person, as naive UTC. Times without an offset are the council's local time."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(f"{text!r} is not a date and time; use ISO 8601, e.g. 2026-12-01T18:30") from None
    try:
        return to_utc(value, zone)
    except NonexistentLocalTime as exc:
        raise RecordError(str(exc)) from None


def committee_by_slug(session: Session, slug: str) -> Committee:
    committee = session.scalar(select(Committee).where(Committee.slug == slug))
    if committee is None:
        known = ", ".join(session.scalars(select(Committee.slug).order_by(Committee.slug))) or "none yet"
        raise RecordError(f"No committee with slug {slug!r} (known: {known}). Create it with `chamber committee add`.")
    return committee


def create_committee(session: Session, name: str, description: str = "", slug: str | None = None) -> Committee:
    name = name.strip()
    if not name:
        raise RecordError("A committee needs a name.")
    base = slugify(slug or name)
    candidate, n = base, 2
    while session.scalar(select(Committee.id).where(Committee.slug == candidate)):
        if slug:
            raise RecordError(f"A committee with slug {slug!r} already exists.")
        candidate, n = f"{base}-{n}", n + 1
    committee = Committee(name=name, slug=candidate, description=description)
    session.add(committee)
    session.flush()
    return committee


def create_meeting(session: Session, committee: Committee, title: str, start: datetime, *, public: bool = False,
                   description: str = "", location: str = "", imported: bool = False) -> Meeting:
    title = title.strip()
    if not title:
        raise RecordError("A meeting needs a title.")
    meeting = Meeting(committee=committee, title=title, scheduled_start=start, description=description,
                      location=location, imported=imported,
                      visibility=Visibility.PUBLIC if public else Visibility.DRAFT,
                      agenda_published=public,
                      status=MeetingStatus.PROCESSING if imported else MeetingStatus.SCHEDULED)
    session.add(meeting)
    session.flush()
    return meeting


def rotate_stream_credentials(meeting: Meeting) -> None:
    """New stream key and SRT passphrase: the old ones stop working at the next publish attempt."""
    meeting.stream_key = new_stream_key()
    meeting.srt_passphrase = new_srt_passphrase()


SRT_PORT_SLOTS = 100


def srt_port(settings, meeting_id: int) -> int:
    """ffmpeg's SRT listener takes one passphrase per port, so each meeting has a port of its own. It is fixed per
    meeting, so the URL staff copy into their encoder days ahead stays right."""
    return settings.srt_port + meeting_id % SRT_PORT_SLOTS


def stream_endpoints(meeting: Meeting, settings) -> dict[str, str]:
    """What staff type into their encoder."""
    host = _public_host(settings)
    return {
        "rtmp_url": f"rtmp://{host}:{settings.rtmp_port}/live",
        "stream_key": meeting.stream_key,
        "srt_url": f"srt://{host}:{srt_port(settings, meeting.id)}?pbkeylen=16",
        "srt_passphrase": meeting.srt_passphrase,
    }


def _public_host(settings) -> str:
    from urllib.parse import urlparse

    if settings.public_base_url:
        return urlparse(settings.public_base_url).hostname or "localhost"
    return "localhost" if settings.web_host in ("0.0.0.0", "127.0.0.1", "::") else settings.web_host
