"""How times, durations and sizes read on Chamber's pages, public and staff.

The database keeps naive UTC; residents and staff read the council's local time (``CHAMBER_TIMEZONE``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from storage.localtime import council_zone, to_local


def site_zone() -> ZoneInfo:
    """The council's time zone, from the running site's settings."""
    from .. import get_storage

    return council_zone(get_storage().settings.timezone)


def local(value: datetime) -> datetime:
    return to_local(value, site_zone())


def local_datetime(value: datetime | None, pattern: str = "%a %-d %b %Y %H:%M") -> str:
    """A stored time in the council's zone, ``strftime`` style (``%Z`` gives GMT or BST); empty for none."""
    return "" if value is None else local(value).strftime(pattern)


def long_date(value: datetime) -> str:
    """``Tuesday 1 December 2026``"""
    return local(value).strftime("%A %-d %B %Y")


def clock_time(value: datetime) -> str:
    """``6:30pm``, the style of UK council agendas."""
    moment = local(value)
    minutes = "" if moment.minute == 0 else f":{moment.minute:02d}"
    return f"{moment.hour % 12 or 12}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def iso(value: datetime) -> str:
    return local(value).isoformat(timespec="minutes")


def timestamp(seconds: float) -> str:
    """A position in a recording: ``4:05`` or ``1:04:05``."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def duration(seconds: float | None) -> str:
    """``2 hours 5 minutes``"""
    if not seconds:
        return ""
    if seconds < 60:
        return "less than a minute"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def file_size(size: int | None) -> str:
    if size is None:
        return ""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


FILTERS = {"long_date": long_date, "local_datetime": local_datetime, "clock_time": clock_time, "iso": iso,
           "timestamp": timestamp, "duration": duration, "file_size": file_size}
