"""The council's own clock. The database keeps naive UTC; people read and type times in the council's time zone
(``CHAMBER_TIMEZONE``, Europe/London by default), so a clerk who types 18:30 in July means 18:30 British Summer
Time, which is stored as 17:30 UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped when the clocks go forward (in the UK, 01:00-01:59 on the last Sunday of March)."""


def council_zone(name: str) -> ZoneInfo:
    """The zone for a tz database name; ``ValueError`` naming it when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone name; use one from the tz database, e.g. Europe/London") \
            from None


def to_local(value: datetime, zone: ZoneInfo) -> datetime:
    """A naive UTC time from the database as the council's local time (time-zone aware)."""
    return value.replace(tzinfo=timezone.utc).astimezone(zone)


def to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """A time a person typed as naive UTC for the database; naive input is the council's local time.

    When the clocks go back, an hour happens twice; the first (summer-time) one is meant, as in a printed agenda.
    """
    if value.tzinfo is None:
        aware = value.replace(tzinfo=zone)
        if to_local(aware.astimezone(timezone.utc).replace(tzinfo=None), zone).replace(tzinfo=None) != value:
            raise NonexistentLocalTime(f"{value:%d %B %Y %H:%M} does not exist in {zone.key}: the clocks go "
                                       "forward then. Choose a time outside that hour.")
        value = aware
    return value.astimezone(timezone.utc).replace(tzinfo=None)
