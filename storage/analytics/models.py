"""Tables that analytics adds to the core model (migration ``0003_analytics``).

They sit on the same declarative ``Base`` so one metadata describes the whole schema.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, ViewMode, _enum, utcnow

POSITION_BUCKET_SECONDS = 5


class ViewPosition(Base):
    """Seconds viewed per 5-second stretch of a meeting's media: the rollup that per-item figures are cut from.

    Positions rather than agenda items are kept so that a clerk who corrects a chapter time after the meeting
    gets correct per-item figures without re-reading raw beacons (which are deleted after their retention).
    """

    __tablename__ = "view_positions"
    __table_args__ = (UniqueConstraint("meeting_id", "mode", "bucket", name="uq_view_positions"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    mode: Mapped[ViewMode] = mapped_column(_enum(ViewMode))
    bucket: Mapped[int] = mapped_column(Integer)
    played_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class MediaClient(Base):
    """A client that fetched media segments on one day, keyed by a salted hash of its address and user agent.

    ``player`` is set when the same key also sent beacons (our page's player): the remaining clients are the
    players without JavaScript (VLC, smart TVs) that are counted separately.
    """

    __tablename__ = "media_clients"
    __table_args__ = (UniqueConstraint("meeting_id", "day", "client_key", "mode", name="uq_media_clients"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    client_key: Mapped[str] = mapped_column(String(32))
    mode: Mapped[ViewMode] = mapped_column(_enum(ViewMode))
    segments: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    player: Mapped[bool] = mapped_column(Boolean, default=False)


class DailySalt(Base):
    """Today's random salt for anonymous client keys. Older salts are deleted, which makes old keys unlinkable."""

    __tablename__ = "analytics_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))
