"""Chamber's data model: committees, meetings and their media, transcripts, jobs, audiences and staff.

Times are stored as naive UTC datetimes (``utcnow()``) so that SQLite and PostgreSQL compare them the same way.
Media positions and transcript times are seconds from the start of the meeting's recording.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL: anything larger names nothing


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_stream_key() -> str:
    return secrets.token_urlsafe(18)


def new_srt_passphrase() -> str:
    # SRT passphrases must be 10-79 characters.
    return secrets.token_urlsafe(24)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _enum(cls: type[enum.Enum]) -> Enum:
    """Enums stored as their string values (VARCHAR + CHECK), portable between SQLite and PostgreSQL."""
    return Enum(cls, native_enum=False, values_callable=lambda e: [m.value for m in e], length=20,
                validate_strings=True, name=cls.__name__.lower())


class Role(str, enum.Enum):
    ADMIN = "admin"
    CLERK = "clerk"


class MemberRole(str, enum.Enum):
    CHAIR = "chair"
    COUNCILLOR = "councillor"
    OFFICER = "officer"


class MeetingStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    ENDED = "ended"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


class Visibility(str, enum.Enum):
    DRAFT = "draft"
    PUBLIC = "public"
    PRIVATE = "private"


class TranscriptStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


class JobStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ViewMode(str, enum.Enum):
    LIVE = "live"
    ON_DEMAND = "on_demand"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.CLERK)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)


class Committee(Base):
    __tablename__ = "committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    members: Mapped[list[Member]] = relationship(back_populates="committee", order_by="Member.id",
                                                 cascade="all, delete-orphan")
    meetings: Mapped[list[Meeting]] = relationship(back_populates="committee")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[MemberRole] = mapped_column(_enum(MemberRole), default=MemberRole.COUNCILLOR)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    committee: Mapped[Committee] = relationship(back_populates="members")


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_committee_start", "committee_id", "scheduled_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    scheduled_start: Mapped[datetime] = mapped_column(DateTime, index=True)
    status: Mapped[MeetingStatus] = mapped_column(_enum(MeetingStatus), default=MeetingStatus.SCHEDULED, index=True)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility), default=Visibility.DRAFT, index=True)
    agenda_published: Mapped[bool] = mapped_column(Boolean, default=False)
    stream_key: Mapped[str] = mapped_column(String(64), unique=True, default=new_stream_key)
    srt_passphrase: Mapped[str] = mapped_column(String(80), default=new_srt_passphrase)
    pull_url: Mapped[str | None] = mapped_column(String(1000))
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    live_state: Mapped[str | None] = mapped_column(String(20))
    live_info: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    committee: Mapped[Committee] = relationship(back_populates="meetings")
    agenda_items: Mapped[list[AgendaItem]] = relationship(back_populates="meeting", order_by="AgendaItem.position",
                                                          cascade="all, delete-orphan")
    documents: Mapped[list[Document]] = relationship(back_populates="meeting", cascade="all, delete-orphan")
    recordings: Mapped[list[Recording]] = relationship(back_populates="meeting", cascade="all, delete-orphan")
    transcript: Mapped[Transcript | None] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                         uselist=False)

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def is_live(self) -> bool:
        return self.status in (MeetingStatus.LIVE, MeetingStatus.RECONNECTING)


class AgendaItem(Base):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    number: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    start_seconds: Mapped[float | None] = mapped_column(Float)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    documents: Mapped[list[Document]] = relationship(back_populates="agenda_item")


class Document(Base):
    """An agenda paper (PDF or office document) stored in the blob store."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(Integer)
    blob_key: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="documents")
    agenda_item: Mapped[AgendaItem | None] = relationship(back_populates="documents")


class Recording(Base):
    """One continuous part of a meeting's recording (a reconnect or a relay restart starts a new part)."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    part: Mapped[int] = mapped_column(Integer, default=0)
    blob_prefix: Mapped[str] = mapped_column(String(500))
    segment_count: Mapped[int] = mapped_column(Integer, default=0)
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    video_codec: Mapped[str | None] = mapped_column(String(40))
    audio_codec: Mapped[str | None] = mapped_column(String(40))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="recordings")


class Transcript(Base):
    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    model: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[TranscriptStatus] = mapped_column(_enum(TranscriptStatus), default=TranscriptStatus.QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(10))
    audio_seconds: Mapped[float | None] = mapped_column(Float)
    processing_seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="transcript")
    segments: Mapped[list[TranscriptSegment]] = relationship(
        back_populates="transcript", order_by="TranscriptSegment.start", cascade="all, delete-orphan")


class TranscriptSegment(Base):
    __tablename__ = "transcript_segments"
    __table_args__ = (Index("ix_segments_meeting_start", "meeting_id", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(200))
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    original_text: Mapped[str | None] = mapped_column(Text)
    corrected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    corrected_at: Mapped[datetime | None] = mapped_column(DateTime)
    words: Mapped[list[Any]] = mapped_column(JSON, default=list)

    transcript: Mapped[Transcript] = relationship(back_populates="segments")


class Job(Base):
    """A durable unit of background work. See ``storage.jobqueue`` for the claim and lease rules."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    worker_id: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    progress: Mapped[float | None] = mapped_column(Float)
    progress_total: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class ViewerSession(Base):
    """One page view of a player, identified by a random id the page made up (no cookie, no IP address)."""

    __tablename__ = "viewer_sessions"
    __table_args__ = (UniqueConstraint("session_id", name="uq_viewer_sessions_session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    mode: Mapped[ViewMode] = mapped_column(_enum(ViewMode))
    client: Mapped[str] = mapped_column(String(20), default="player")
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seq: Mapped[int] = mapped_column(Integer, default=-1)
    played_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class Beacon(Base):
    """A heartbeat as credited: ``played`` is already capped by wall-clock time since the previous beacon."""

    __tablename__ = "beacons"
    __table_args__ = (UniqueConstraint("session_id", "seq", name="uq_beacons_session_seq"),
                      Index("ix_beacons_meeting_received", "meeting_id", "received_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    mode: Mapped[ViewMode] = mapped_column(_enum(ViewMode))
    position: Mapped[float] = mapped_column(Float)
    played: Mapped[float] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    rolled_up: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class ViewMinute(Base):
    """Per-minute rollup of beacons, so dashboards read years of data without scanning raw beacons."""

    __tablename__ = "view_minutes"
    __table_args__ = (UniqueConstraint("meeting_id", "minute", "mode", name="uq_view_minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    minute: Mapped[datetime] = mapped_column(DateTime)
    mode: Mapped[ViewMode] = mapped_column(_enum(ViewMode))
    viewers: Mapped[int] = mapped_column(Integer, default=0)
    played_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_email: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
