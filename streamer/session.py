"""A live meeting as an explicit object: where its stream comes from, which state it is in, and what went wrong.

States::

    waiting ──> live <──> reconnecting
       │          │           │
       └──────────┴───────────┴──> ending ──> ended | failed

``waiting``: ready for the encoder (an SRT listener or a pull is open) but no video yet. ``live``: segments are
arriving. ``reconnecting``: the encoder went away; the meeting and its recording continue if it comes back within
the grace period. ``ending``: playlists are being closed and the VOD and MP4 written. ``ended`` when a recording
was kept, ``failed`` when nothing usable was recorded. A named ``LiveError`` says why a session stopped early or
what is wrong right now; its message is what staff read in ``Meeting.failure_reason``.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import Any


class LiveState(str, enum.Enum):
    WAITING = "waiting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    ENDING = "ending"
    ENDED = "ended"
    FAILED = "failed"


class LiveError(str, enum.Enum):
    DISK_NEARLY_FULL = "disk_nearly_full"
    STORAGE_UNREACHABLE = "storage_unreachable"
    MAX_DURATION_EXCEEDED = "max_duration_exceeded"
    RELAY_FAILED = "relay_failed"
    UNSUPPORTED_INPUT = "unsupported_input"
    NO_VIDEO_RECEIVED = "no_video_received"


class SourceKind(str, enum.Enum):
    RTMP = "rtmp"
    SRT = "srt"
    PULL = "pull"


_NEXT: dict[LiveState, set[LiveState]] = {
    LiveState.WAITING: {LiveState.LIVE, LiveState.ENDING},
    LiveState.LIVE: {LiveState.RECONNECTING, LiveState.ENDING},
    LiveState.RECONNECTING: {LiveState.LIVE, LiveState.ENDING},
    LiveState.ENDING: {LiveState.ENDED, LiveState.FAILED},
    LiveState.ENDED: set(),
    LiveState.FAILED: set(),
}

ACTIVE_STATES = {LiveState.WAITING, LiveState.LIVE, LiveState.RECONNECTING}


class InvalidTransition(RuntimeError):
    pass


@dataclass(frozen=True)
class Fault:
    """A named error and the sentence staff read."""

    error: LiveError
    message: str


@dataclass
class LiveSession:
    meeting_id: int
    source: SourceKind
    input_url: str
    state: LiveState = LiveState.WAITING
    fault: Fault | None = None
    entered_at: float = field(default_factory=time.monotonic)
    grace_deadline: float | None = None
    ffmpeg_restarts: int = 0
    segments: int = 0
    recorded_seconds: float = 0.0
    notices: dict[str, str] = field(default_factory=dict)
    input_description: str = ""
    video_size: tuple[int, int] | None = None  # width, height: the staff "test my encoder" view shows it

    def move_to(self, state: LiveState) -> None:
        if state == self.state:
            return
        if state not in _NEXT[self.state]:
            raise InvalidTransition(f"meeting {self.meeting_id}: cannot go from {self.state.value} to {state.value}")
        self.state = state
        self.entered_at = time.monotonic()

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    def info(self) -> dict[str, Any]:
        """What staff pages and /metrics read from ``Meeting.live_info``."""
        return {
            "state": self.state.value,
            "source": self.source.value,
            "error": self.fault.error.value if self.fault else None,
            "error_message": self.fault.message if self.fault else None,
            "ffmpeg_restarts": self.ffmpeg_restarts,
            "segments": self.segments,
            "recorded_seconds": round(self.recorded_seconds, 3),
            "input": self.input_description,
            "width": self.video_size[0] if self.video_size else None,
            "height": self.video_size[1] if self.video_size else None,
            "notices": dict(self.notices),
        }
