"""How times, durations and sizes read on the public pages.

The database keeps naive UTC; residents read the council's local time. Chamber has no time-zone setting yet, so
pages use the UK's (the site's language is en-GB).
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/London")


def local(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc).astimezone(LOCAL_ZONE)


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


FILTERS = {"long_date": long_date, "clock_time": clock_time, "iso": iso,
           "timestamp": timestamp, "duration": duration, "file_size": file_size}
