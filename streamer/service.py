"""``chamber ingest``: nginx-rtmp in front, an SRT listener or a pull for each meeting open to an encoder, one
supervised relay per live meeting, and the control endpoint that ties them together.

Also the functions the ``chamber`` command calls: ``run_ingest``, ``end_meeting``.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

from storage.meetings import srt_port
from storage.models import Meeting, MeetingStatus

from . import StreamerError, auth
from .control import ControlServer, request_end
from .endpoints import srt_listen_url
from .nginx import NginxRtmp
from .recording import load_parts
from .session import LiveSession, LiveState, SourceKind
from .supervisor import RelaySupervisor
from .vod import finish_meeting

log = logging.getLogger(__name__)

RECONCILE_SECONDS = 5.0
END_TIMEOUT_SECONDS = 900.0
RELAY_JOIN_SECONDS = 5.0


class EndError(StreamerError):
    """A meeting cannot be ended as asked; the message says why."""


class IngestService:
    def __init__(self, storage):
        self.storage = storage
        self.settings = storage.settings
        self.sessions: dict[int, RelaySupervisor] = {}
        self.rtmp_keys: dict[str, int] = {}
        self.lock = threading.RLock()
        self.control = ControlServer(self.settings.ingest_control_port, self)
        self.nginx = NginxRtmp(prefix=Path(self.settings.data_dir) / "ingest" / "nginx",
                               listen_host=self.settings.ingest_host, rtmp_port=self.settings.rtmp_port,
                               control_url=self.control.url)
        self._stopping = threading.Event()
        self._reconciler: threading.Thread | None = None
        self._warned: set[int] = set()

    # lifecycle -------------------------------------------------------------------------------------------------
    def start(self) -> None:
        self.control.start()
        try:
            self.nginx.start()
        except Exception:
            self.control.stop()
            raise
        self.reconcile()
        self._reconciler = threading.Thread(target=self._reconcile_loop, daemon=True, name="ingest-reconcile")
        self._reconciler.start()
        log.info("ingest ready: RTMP on port %d, control endpoint %s", self.settings.rtmp_port, self.control.url)

    def stop(self) -> None:
        """Stop every relay (meetings resume when the service starts again), nginx and the control endpoint."""
        self._stopping.set()
        if self._reconciler is not None:
            self._reconciler.join(timeout=10)
        with self.lock:
            supervisors = list(self.sessions.values())
        for supervisor in supervisors:
            supervisor.request_stop()
        for supervisor in supervisors:
            supervisor.join(timeout=30)
        self.nginx.stop()
        self.control.stop()

    def _reconcile_loop(self) -> None:
        while not self._stopping.wait(RECONCILE_SECONDS):
            try:
                self.reconcile()
            except Exception:
                log.exception("could not check which meetings are open for encoders")

    def reconcile(self) -> None:
        """Open an SRT listener (or start a pull) for each meeting open to an encoder; close those no longer open."""
        opened = {m.id: m for m in auth.open_meetings(self.storage)}
        with self.lock:
            for meeting in opened.values():
                if meeting.id not in self.sessions and not self._stopping.is_set():
                    self._open(meeting)
            for meeting_id, supervisor in list(self.sessions.items()):
                session = supervisor.session
                if meeting_id not in opened and session.state == LiveState.WAITING \
                        and session.source != SourceKind.RTMP:
                    log.info("meeting %d is no longer open for an encoder; closing its listener", meeting_id)
                    supervisor.request_stop()

    def _open(self, meeting: auth.OpenMeeting) -> None:
        if meeting.pull_url:
            if meeting.pull_due:
                self._start_session(meeting.id, SourceKind.PULL, meeting.pull_url)
            return
        if not 10 <= len(meeting.srt_passphrase) <= 79:
            if meeting.id not in self._warned:
                self._warned.add(meeting.id)
                log.warning("meeting %d: its SRT passphrase must be 10-79 characters; no SRT listener", meeting.id)
            return
        self._start_session(meeting.id, SourceKind.SRT, srt_listen_url(self.settings, meeting.id,
                                                                         meeting.srt_passphrase))

    def _start_session(self, meeting_id: int, source: SourceKind, url: str) -> RelaySupervisor:
        was_live = _status(self.storage, meeting_id) in (MeetingStatus.LIVE, MeetingStatus.RECONNECTING)
        session = LiveSession(meeting_id, source, url)
        if was_live:  # the service restarted during the meeting: give the encoder its grace period again
            session.state = LiveState.RECONNECTING
            session.grace_deadline = session.entered_at + self.settings.reconnect_grace_seconds
        supervisor = RelaySupervisor(self.storage, session, on_done=self._forget)
        self.sessions[meeting_id] = supervisor
        supervisor.start()
        if source == SourceKind.SRT:
            log.info("meeting %d: SRT listener on port %d", meeting_id, srt_port(self.settings, meeting_id))
        return supervisor

    def _forget(self, supervisor: RelaySupervisor) -> None:
        with self.lock:
            if self.sessions.get(supervisor.session.meeting_id) is supervisor:
                del self.sessions[supervisor.session.meeting_id]
            for key in [k for k, v in self.rtmp_keys.items() if v == supervisor.session.meeting_id]:
                del self.rtmp_keys[key]

    # control endpoint ------------------------------------------------------------------------------------------
    def on_publish(self, stream_key: str, address: str) -> tuple[bool, str]:
        with self.lock:
            busy = {meeting_id: reason for meeting_id, s in self.sessions.items() if (reason := _busy(s))}
            decision = auth.authorize_stream_key(self.storage, stream_key, busy, address)
            if not decision.allowed:
                return False, decision.reason
            meeting_id = decision.meeting_id
            url = self.nginx.play_url(stream_key)
            supervisor = self.sessions.get(meeting_id)
            if supervisor is None:
                supervisor = self._start_session(meeting_id, SourceKind.RTMP, url)
            elif supervisor.session.source != SourceKind.RTMP:
                supervisor.switch_source(SourceKind.RTMP, url)
            self.rtmp_keys[stream_key] = meeting_id
            supervisor.encoder_connected()
        if not supervisor.wait_for_relay(RELAY_JOIN_SECONDS):
            log.warning("meeting %d: the relay did not join within %.0f s; its first seconds may be missing",
                        meeting_id, RELAY_JOIN_SECONDS)
        return True, "ok"

    def on_play(self, stream_key: str) -> None:
        with self.lock:
            supervisor = self.sessions.get(self.rtmp_keys.get(stream_key, -1))
        if supervisor is not None:
            supervisor.relay_joined()

    def on_publish_done(self, stream_key: str) -> None:
        with self.lock:
            supervisor = self.sessions.get(self.rtmp_keys.get(stream_key, -1))
        if supervisor is not None:
            log.info("meeting %d: the RTMP encoder disconnected", supervisor.session.meeting_id)
            supervisor.encoder_disconnected()

    def end(self, meeting_id: int) -> str | None:
        with self.lock:
            supervisor = self.sessions.get(meeting_id)
        if supervisor is None or supervisor.session.state == LiveState.WAITING:
            return None  # nothing live here: an open SRT listener stays open for the meeting
        supervisor.request_end()
        if not supervisor.finished.wait(END_TIMEOUT_SECONDS):
            return f"Meeting {meeting_id} is still being published; check its page in a few minutes."
        if supervisor.result is None:
            fault = supervisor.session.fault
            return f"Meeting {meeting_id} could not be ended: {fault.message if fault else 'see the ingest log'}"
        return supervisor.result.describe()

    def status(self) -> dict:
        with self.lock:
            return {"sessions": [{"meeting_id": mid, **s.session.info(), "encoder_present": s.encoder_present,
                                  "ffmpeg_pid": s.process.pid if s.process else None}
                                 for mid, s in self.sessions.items()]}


def _status(storage, meeting_id: int) -> MeetingStatus | None:
    with storage.db.session() as session:
        meeting = session.get(Meeting, meeting_id)
        return meeting.status if meeting else None


def _busy(supervisor: RelaySupervisor) -> str | None:
    """Why a meeting with a session here cannot take a new RTMP encoder, if it cannot."""
    session = supervisor.session
    if supervisor.encoder_present or (session.source != SourceKind.RTMP and session.state == LiveState.LIVE):
        return "the meeting is already live from another encoder; stop that encoder first"
    if not session.active:
        return "the meeting is being ended; schedule a new meeting for a new stream"
    return None


def run_ingest(storage) -> None:
    """``chamber ingest``: run until SIGINT or SIGTERM, then stop relays and nginx cleanly."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    service = IngestService(storage)
    service.start()
    settings = storage.settings
    print(f"Chamber ingest running: RTMP rtmp://{settings.ingest_host}:{settings.rtmp_port}/live/<stream key>, "
          f"SRT from port {settings.srt_port}; Ctrl-C stops it.", flush=True)
    try:
        stop.wait()
    finally:
        print("Stopping ingest: closing relays and nginx...", flush=True)
        service.stop()


def end_meeting(storage, meeting_id: int) -> str:
    """End a meeting now: through the running ingest service if it has the meeting live, else directly from the
    recording in the blob store (for example after the ingest service stopped during the meeting)."""
    message = request_end(storage.settings.ingest_control_port, meeting_id, timeout=END_TIMEOUT_SECONDS)
    if message is not None:
        return message
    status = _status(storage, meeting_id)
    if status is None:
        raise EndError(f"there is no meeting {meeting_id}")
    if status in (MeetingStatus.ENDED, MeetingStatus.PROCESSING, MeetingStatus.READY):
        return f"Meeting {meeting_id} has already ended ({status.value})."
    if status not in (MeetingStatus.LIVE, MeetingStatus.RECONNECTING) and not load_parts(storage, meeting_id):
        raise EndError(f"meeting {meeting_id} has not gone live, so there is nothing to end (status {status.value})")
    return finish_meeting(storage, meeting_id).describe()
