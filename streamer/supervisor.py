"""One live meeting's relay kept running: start ffmpeg, restart it when it dies, publish what it writes, notice
faults, and end the meeting (live to VOD) when the encoder is gone for good or staff end it.

The supervisor owns the meeting's ``LiveSession`` and is the only code that changes its state. It runs in its own
thread. It wakes when ffmpeg says it is writing a playlist (a segment is complete), when the service calls it
(``encoder_connected``, ``encoder_disconnected``, ``request_end``, ``request_stop``), and every ``TICK_SECONDS``
for housekeeping; waking on ffmpeg's word rather than polling keeps both the delay to viewers and the CPU low.
Every rendition ends a segment at the same moment, so a wake waits ``SETTLE_SECONDS`` for the others' playlists
and publishes them all in one pass. While a stream runs, segments wake the loop before the housekeeping tick is
due, so the supervisor runs about once per segment. ffmpeg announces a playlist before it has renamed it into
place; when one announced has not landed yet (a busy machine), the loop looks again every ``RECHECK_SECONDS``
rather than leaving the segment to the next wake, which would make it a whole segment late.
"""

from __future__ import annotations

import collections
import ctypes
import logging
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

from storage.blobs import BlobStoreError
from storage.models import Meeting, MeetingStatus, utcnow

from .auth import note_refusal
from .playlists import Segment
from .probe import MediaInfo, parse_report
from .publisher import Publisher
from .relay import RelayPlan, UnsupportedInput, plan_relay, relay_command
from .session import Fault, LiveError, LiveSession, LiveState, SourceKind
from .vod import Finished, finish_meeting

log = logging.getLogger(__name__)

TICK_SECONDS = 2.0
SETTLE_SECONDS = 0.02  # ffmpeg logs before it writes and renames a playlist, one rendition after another
RECHECK_SECONDS = 0.05
LATE_PLAYLIST_SECONDS = 1.0  # after this, a playlist announced but never seen is left to the next tick
HEALTH_CHECK_SECONDS = 10.0
STATE_WRITE_SECONDS = 30.0  # transitions are written at once; this refreshes the counters
STORAGE_RETRY_SECONDS = 1.0
MAX_FAILED_STARTS = 5  # consecutive ffmpeg runs that die without a segment before the relay is declared failed
WAITING_RETRY_SECONDS = 10.0  # an SRT listener or pull that keeps failing before anything arrived retries slower
PULL_RETRY_SECONDS = 2.0
GRACEFUL_STOP_SECONDS = 4.0
ENCODER_LEFT_STOP_SECONDS = 3.0
FINISH_ATTEMPTS = 5
KEYFRAME_NOTICE_RATIO = 1.5

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Run in the ffmpeg child: if the ingest service dies, the kernel kills its relays too (no orphans)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


class RelayProcess:
    """One ffmpeg run, with what it printed: the input report (head) and the last lines (tail)."""

    HEAD_LINES = 300

    def __init__(self, plan: RelayPlan, on_playlist: Callable[[], None]):
        """``on_playlist`` is called when ffmpeg writes a playlist (a segment is complete) and when it exits."""
        self.plan = plan
        self.on_playlist = on_playlist
        self.run_dir = plan.output_dir
        self.head: list[str] = []
        self.tail: collections.deque[str] = collections.deque(maxlen=40)
        self.refused_passphrases = 0
        self.playlists_announced = 0
        self.last_announced = 0.0
        self.media_checked = False
        self.popen = subprocess.Popen(relay_command(plan), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True, errors="replace",
                                      preexec_fn=_die_with_parent)
        self._reader = threading.Thread(target=self._read, daemon=True, name=f"ffmpeg-log-{self.popen.pid}")
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            if len(self.head) < self.HEAD_LINES:
                self.head.append(line)
            self.tail.append(line.rstrip())
            if "Incorrect passphrase" in line:  # libsrt's words for a caller with the wrong passphrase
                self.refused_passphrases += 1
            elif "index.m3u8.tmp' for writing" in line:
                self.playlists_announced += 1
                self.last_announced = time.monotonic()
                self.on_playlist()
        self.on_playlist()  # ffmpeg has exited: wake the supervisor to restart it at once

    @property
    def pid(self) -> int:
        return self.popen.pid

    def poll(self) -> int | None:
        code = self.popen.poll()
        if code is not None:
            self._reader.join(timeout=1)
        return code

    def input_media(self) -> MediaInfo | None:
        """The input's streams once ffmpeg has reported them (it does before writing anything)."""
        text = "".join(self.head)
        if "Output #0" not in text and "Stream mapping" not in text:
            return None
        return parse_report(text)

    def last_error(self) -> str:
        lines = [line for line in self.tail if line and not line.startswith("[hls @")]
        return " | ".join(lines[-3:]) or "no output"

    def stop(self, graceful: bool = True) -> int:
        """Stop ffmpeg. Gracefully, the first SIGINT lets it finish the segment it is writing; a second one
        interrupts a read that is waiting for an encoder; SIGKILL is the last resort."""
        if graceful:
            for wait in (GRACEFUL_STOP_SECONDS, 3.0):
                if self.poll() is not None:
                    break
                self.popen.send_signal(signal.SIGINT)
                try:
                    self.popen.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    continue
        if self.poll() is None:
            self.popen.kill()
            self.popen.wait()
        return self.poll()


class RelaySupervisor(threading.Thread):
    def __init__(self, storage, session: LiveSession, on_done: Callable[[RelaySupervisor], None] | None = None):
        super().__init__(daemon=True, name=f"relay-{session.meeting_id}")
        self.storage = storage
        self.settings = storage.settings
        self.session = session
        self.on_done = on_done
        self.workdir = Path(self.settings.data_dir) / "ingest" / f"meeting-{session.meeting_id}"
        self.publisher = Publisher(storage, session.meeting_id, self.settings.hls_playlist_size,
                                   self.settings.hls_segment_seconds)
        self.process: RelayProcess | None = None
        self.media: MediaInfo | None = None
        self.result: Finished | None = None
        self.finished = threading.Event()
        self._wake = threading.Event()
        self._encoder_present = threading.Event()
        self._relay_joined = threading.Event()
        self._end_fault: Fault | None = None
        self._end_requested = False
        self._stop_requested = False
        self._runs = 0
        self._failed_starts = 0
        self._next_start = 0.0
        self._next_health = 0.0
        self._next_state_write = 0.0
        self._next_storage_try = 0.0
        self._refusals_logged = 0
        self._encoder_left_at = 0.0
        self._switch_to: tuple[SourceKind, str] | None = None
        self._input_finished = False

    # called from other threads ---------------------------------------------------------------------------------
    def encoder_connected(self) -> None:
        self._encoder_present.set()
        self._wake.set()

    def encoder_disconnected(self) -> None:
        self._encoder_left_at = time.monotonic()
        self._encoder_present.clear()
        self._wake.set()

    def relay_joined(self) -> None:
        self._relay_joined.set()

    def wait_for_relay(self, timeout: float) -> bool:
        """Block until the relay reads the stream (nginx's ``on_play``), so the encoder's first frames reach it."""
        return self._relay_joined.wait(timeout)

    @property
    def encoder_present(self) -> bool:
        return self._encoder_present.is_set()

    def switch_source(self, source: SourceKind, input_url: str) -> None:
        """Take the stream from another kind of input (an RTMP encoder arriving while the SRT listener waits)."""
        self._switch_to = (source, input_url)
        self._wake.set()

    def request_end(self, fault: Fault | None = None) -> None:
        """End the meeting: stop the relay, publish the VOD and MP4, queue transcription."""
        self._end_fault = self._end_fault or fault
        self._end_requested = True
        self._wake.set()

    def request_stop(self) -> None:
        """The service is shutting down: stop the relay but leave the meeting to resume when it restarts."""
        self._stop_requested = True
        self._wake.set()

    # the loop --------------------------------------------------------------------------------------------------
    def run(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._record()
        try:
            while not (self._end_requested or self._stop_requested):
                self._tick()
                if self._wake.wait(self._wait_seconds()):
                    time.sleep(SETTLE_SECONDS)
                self._wake.clear()
            if self._end_requested:
                self._end()
            else:
                self._shutdown()
        except Exception:
            log.exception("relay supervisor for meeting %d crashed", self.session.meeting_id)
            self._stop_process(graceful=False)
        finally:
            self.finished.set()
            if self.on_done:
                self.on_done(self)

    def _wait_seconds(self) -> float:
        """Until the next housekeeping tick, or a moment when a playlist ffmpeg announced has not landed yet."""
        process, feed = self.process, self.publisher.feed
        if process is None or feed is None or process.playlists_announced <= feed.playlists_seen:
            return TICK_SECONDS
        if time.monotonic() - process.last_announced < LATE_PLAYLIST_SECONDS:
            return RECHECK_SECONDS
        # Two rewrites seen as one (the loop was held up for a whole segment): count them as seen from here on.
        feed.playlists_seen = process.playlists_announced
        return TICK_SECONDS

    def _tick(self) -> None:
        now = time.monotonic()
        if self._switch_to is not None:
            (self.session.source, self.session.input_url), self._switch_to = self._switch_to, None
            self._stop_process(graceful=False)
            self.media = None
        if self.process is not None:
            self._check_input()
        if self.process is not None and self.process.poll() is not None:
            self._after_exit()
        self._stop_idle_rtmp_relay(now)
        if self.process is None and now >= self._next_start and self._wants_relay():
            self._start_run()
        self._publish()
        if self.process is not None:
            self._note_refused_passphrases()
        if self.session.state == LiveState.RECONNECTING and self.session.grace_deadline is not None \
                and now >= self.session.grace_deadline:
            log.info("meeting %d: the encoder did not come back within %d s; ending", self.session.meeting_id,
                     self.settings.reconnect_grace_seconds)
            self.request_end()
        if now >= self._next_health:
            self._next_health = now + HEALTH_CHECK_SECONDS
            self._check_health()
        if now >= self._next_state_write:
            self._record()

    def _wants_relay(self) -> bool:
        if self._end_requested or self._stop_requested:
            return False
        if self.session.source == SourceKind.RTMP:
            return self.encoder_present
        return not self._input_finished

    @property
    def _pulls_file(self) -> bool:
        url = self.session.input_url
        return self.session.source == SourceKind.PULL and ("://" not in url or url.startswith("file:"))

    # runs ------------------------------------------------------------------------------------------------------
    def _input_options(self) -> dict:
        url = self.session.input_url
        if self.session.source != SourceKind.PULL:
            return {}
        if url.startswith("rtsp"):
            return {"rtsp_transport": "tcp", "timeout": 10_000_000}
        if self._pulls_file:
            return {"re": None}  # a file is played at its own pace, like a live source
        return {"rw_timeout": 10_000_000}

    def _start_run(self) -> None:
        self._runs += 1
        run_dir = self.workdir / f"run-{self._runs:04d}"
        try:
            plan = plan_relay(self.session.input_url, run_dir, self.settings, self.media, self._input_options())
        except UnsupportedInput as exc:
            self.request_end(Fault(LiveError.UNSUPPORTED_INPUT, f"unsupported stream: {exc}"))
            return
        for rendition in plan.renditions:
            (run_dir / rendition).mkdir(parents=True, exist_ok=True)
        self._relay_joined.clear()
        self.process = RelayProcess(plan, on_playlist=self._wake.set)
        self.publisher.start_run(run_dir, plan.renditions, self.media)
        log.info("meeting %d: relay run %d started (ffmpeg pid %d, %s)", self.session.meeting_id, self._runs,
                 self.process.pid, "re-encoding" if plan.transcode_video or plan.transcode_audio else "stream copy")

    def _check_input(self) -> None:
        """Once ffmpeg reports the input, make sure the plan fits it; restart with a fitting plan if not."""
        process = self.process
        assert process is not None
        if process.media_checked:
            return
        media = process.input_media()
        if media is None:
            return
        process.media_checked = True
        self.session.input_description = media.describe()
        video = media.video
        self.session.video_size = (video.width, video.height) if video and video.width and video.height else None
        self.media = media
        if self.publisher.feed is not None:
            self.publisher.feed.media = media
        try:
            fitting = plan_relay(self.session.input_url, process.run_dir, self.settings, media, self._input_options())
        except UnsupportedInput as exc:
            self._stop_process(graceful=False)
            self.request_end(Fault(LiveError.UNSUPPORTED_INPUT, f"unsupported stream: {exc}"))
            return
        if fitting == process.plan:
            return
        log.warning("meeting %d: the encoder sends %s; restarting the relay to fit it", self.session.meeting_id,
                    media.describe())
        if fitting.transcode_video:
            self.session.notices["transcoding"] = (
                f"The encoder sends {media.video.codec} video, which browsers cannot play; Chamber re-encodes it "
                "to H.264, which costs CPU. Set the encoder to H.264 to stream-copy instead.")
        self._stop_process(graceful=False)
        self._next_start = 0.0

    def _after_exit(self) -> None:
        """ffmpeg has exited: publish what it finished, then decide what the meeting's state is now."""
        process = self.process
        assert process is not None
        code = process.poll()
        produced = self._drain_run()
        self.process = None
        crashed = code != 0
        self._failed_starts = self._failed_starts + 1 if crashed and not produced else 0
        if crashed:
            self.session.ffmpeg_restarts += 1
            log.warning("meeting %d: relay ffmpeg died (exit %s): %s", self.session.meeting_id, code,
                        process.last_error())
        else:
            log.info("meeting %d: the input ended", self.session.meeting_id)
            self._input_finished = self._pulls_file  # a file that has played to its end is not reopened
            self._encoder_present.clear()  # nginx stopped the stream: its encoder left (on_publish_done may lag)
        # With RTMP, nginx still holds the encoder after a relay crash: restart and carry on live.
        encoder_still_there = crashed and self.session.source == SourceKind.RTMP and self.encoder_present
        if self.session.state == LiveState.LIVE and not encoder_still_there:
            self._enter_reconnecting()
        if self._failed_starts >= MAX_FAILED_STARTS:
            message = f"the relay failed {self._failed_starts} times in a row: {process.last_error()}"
            if self.session.state == LiveState.WAITING:
                self.session.notices["input"] = message
                self._next_start = time.monotonic() + WAITING_RETRY_SECONDS
            else:
                self.request_end(Fault(LiveError.RELAY_FAILED, message))
        elif self.session.source == SourceKind.PULL and crashed:
            self._next_start = time.monotonic() + PULL_RETRY_SECONDS
        self._record()

    def _stop_idle_rtmp_relay(self, now: float) -> None:
        """nginx said the encoder left but ffmpeg is still waiting on the stream: stop it."""
        if self.process is not None and self.session.source == SourceKind.RTMP and not self.encoder_present \
                and now - self._encoder_left_at > ENCODER_LEFT_STOP_SECONDS:
            self._stop_process(graceful=True)
            if self.session.state == LiveState.LIVE:
                self._enter_reconnecting()

    def _drain_run(self) -> bool:
        """Publish the run's last segments and close its part; True when the run recorded anything."""
        self._publish(force=True)
        produced = self.publisher.run_has_segments
        self.publisher.finish_run()
        return produced

    def _enter_reconnecting(self) -> None:
        self.session.move_to(LiveState.RECONNECTING)
        self.session.grace_deadline = time.monotonic() + self.settings.reconnect_grace_seconds
        log.info("meeting %d: encoder gone; waiting %d s for it to reconnect", self.session.meeting_id,
                 self.settings.reconnect_grace_seconds)
        self._record()

    def _stop_process(self, graceful: bool) -> None:
        """Stop the current run on purpose (not a crash) and keep what it completed."""
        if self.process is not None:
            self.process.stop(graceful)
            self._drain_run()
            self.process = None

    # publishing ------------------------------------------------------------------------------------------------
    def _publish(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and self.session.fault and self.session.fault.error == LiveError.STORAGE_UNREACHABLE \
                and now < self._next_storage_try:
            return
        before = self.publisher.segments
        try:
            self.publisher.publish()
        except (BlobStoreError, OSError) as exc:
            self._next_storage_try = now + STORAGE_RETRY_SECONDS
            if not (self.session.fault and self.session.fault.error == LiveError.STORAGE_UNREACHABLE):
                log.error("meeting %d: cannot store segments: %s", self.session.meeting_id, exc)
                self._set_fault(Fault(LiveError.STORAGE_UNREACHABLE,
                                      f"storage unreachable, segments are queued on the ingest machine: {exc}"))
            return
        if self.session.fault and self.session.fault.error == LiveError.STORAGE_UNREACHABLE:
            log.info("meeting %d: storage is back; queued segments published", self.session.meeting_id)
            self._set_fault(None)
        if self.publisher.segments > before:
            self.session.segments = self.publisher.segments
            self.session.recorded_seconds = self.publisher.recorded_seconds
            if self.session.state in (LiveState.WAITING, LiveState.RECONNECTING):
                self.session.move_to(LiveState.LIVE)
                self.session.grace_deadline = None
                self._record()
            self._check_keyframes()

    def _check_keyframes(self) -> None:
        """With stream copy, segments are cut at the encoder's keyframes: long ones mean viewers fall behind."""
        part = self.publisher.feed.part if self.publisher.feed else None
        recent: list[Segment] = part.segments[-5:] if part else []
        if len(recent) < 3 or self.process is None or self.process.plan.transcode_video:
            return
        typical = sorted(s.duration for s in recent)[len(recent) // 2]
        if typical > KEYFRAME_NOTICE_RATIO * self.settings.hls_segment_seconds:
            self.session.notices["keyframe_interval"] = (
                f"The encoder sends a keyframe only every {typical:.0f} s, so live viewers are about "
                f"{3 * typical:.0f} s behind. Set the encoder's keyframe interval to "
                f"{self.settings.hls_segment_seconds} s (OBS: Settings > Output > Keyframe Interval), or turn on "
                "CHAMBER_TRANSCODE_LADDER to re-encode with short keyframe intervals at the cost of CPU.")
        else:
            self.session.notices.pop("keyframe_interval", None)

    def _note_refused_passphrases(self) -> None:
        assert self.process is not None
        refused = self.process.refused_passphrases
        if refused > self._refusals_logged:
            self._refusals_logged = refused
            note_refusal(self.storage, self.session.meeting_id, "srt",
                         "wrong passphrase; copy the current one from the meeting's staff page")

    # health ----------------------------------------------------------------------------------------------------
    def _check_health(self) -> None:
        minimum = self.settings.min_free_disk_mb * 1024 * 1024
        for path in self._disk_paths():
            free = shutil.disk_usage(path).free
            if free < minimum:
                self.request_end(Fault(LiveError.DISK_NEARLY_FULL, (
                    f"disk nearly full: {free // (1024 * 1024)} MB free at {path} (CHAMBER_MIN_FREE_DISK_MB is "
                    f"{self.settings.min_free_disk_mb}); the stream was stopped and the recording kept up to this "
                    "point, without the MP4 download. Free some space before the next meeting.")))
                return
        limit = self.settings.max_meeting_hours * 3600
        if self.publisher.recorded_seconds > limit:
            self.request_end(Fault(LiveError.MAX_DURATION_EXCEEDED, (
                f"the stream was stopped after {limit / 3600:g} hours (CHAMBER_MAX_MEETING_HOURS); the recording up "
                "to that point is kept")))

    def _disk_paths(self) -> list[Path]:
        paths = [self.workdir]
        local = self.storage.blobs.local_path(f"meetings/{self.session.meeting_id}")
        if local is not None:
            paths.append(next(p for p in [local, *local.parents] if p.exists()))
        return paths

    # state in the database -------------------------------------------------------------------------------------
    def _set_fault(self, fault: Fault | None) -> None:
        self.session.fault = fault
        self._record()

    def _record(self) -> None:
        """Write the session to its meeting row; a database hiccup must not stop the recording."""
        self._next_state_write = time.monotonic() + STATE_WRITE_SECONDS
        session = self.session
        try:
            with self.storage.db.session() as db:
                meeting = db.get(Meeting, session.meeting_id)
                if meeting is None:
                    return
                meeting.live_state = session.state.value
                meeting.live_info = {**(meeting.live_info or {}), **session.info()}
                meeting.failure_reason = session.fault.message if session.fault else None
                if session.state == LiveState.LIVE:
                    meeting.status = MeetingStatus.LIVE
                    meeting.started_at = meeting.started_at or utcnow()
                elif session.state == LiveState.RECONNECTING:
                    meeting.status = MeetingStatus.RECONNECTING
        except Exception:
            log.warning("meeting %d: could not record the live state", session.meeting_id, exc_info=True)

    # ending ----------------------------------------------------------------------------------------------------
    def _end(self) -> None:
        fault = self._end_fault
        if fault is not None:
            self.session.fault = fault
        self.session.move_to(LiveState.ENDING)
        self._record()
        disk_full = fault is not None and fault.error == LiveError.DISK_NEARLY_FULL
        self._stop_process(graceful=not disk_full)
        self._publish_all()
        for attempt in range(1, FINISH_ATTEMPTS + 1):
            try:
                self.result = finish_meeting(self.storage, self.session.meeting_id, self.session.fault,
                                             make_mp4=not disk_full)
                break
            except (BlobStoreError, OSError) as exc:
                log.error("meeting %d: publishing the recording failed (attempt %d): %s", self.session.meeting_id,
                          attempt, exc)
                time.sleep(min(30, 2 ** attempt))
        else:
            self._fail_unfinished()
            return
        self.session.move_to(LiveState.ENDED if self.result.status == MeetingStatus.ENDED else LiveState.FAILED)
        self.session.fault = self.session.fault or (
            Fault(LiveError.NO_VIDEO_RECEIVED, self.result.reason) if self.result.status == MeetingStatus.FAILED
            else None)
        self._record_final()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _publish_all(self) -> None:
        """Publish whatever is still queued, retrying a failing store for a while."""
        for _ in range(FINISH_ATTEMPTS):
            self._publish(force=True)
            if not self.publisher.pending:
                return
            time.sleep(2)

    def _fail_unfinished(self) -> None:
        self.session.fault = Fault(LiveError.STORAGE_UNREACHABLE, (
            f"the recording could not be published because the storage is unreachable; its segments are kept in "
            f"{self.workdir}. Run `chamber meeting end {self.session.meeting_id}` when the storage is back."))
        self.session.move_to(LiveState.FAILED)
        self._record_final(MeetingStatus.FAILED)

    def _record_final(self, status: MeetingStatus | None = None) -> None:
        try:
            with self.storage.db.session() as db:
                meeting = db.get(Meeting, self.session.meeting_id)
                meeting.live_state = self.session.state.value
                meeting.live_info = {**(meeting.live_info or {}), **self.session.info()}
                if status is not None:
                    meeting.status = status
                    meeting.failure_reason = self.session.fault.message if self.session.fault else None
        except Exception:
            log.warning("meeting %d: could not record the final state", self.session.meeting_id, exc_info=True)

    def _shutdown(self) -> None:
        self._stop_process(graceful=True)
        self._publish_all()
        if self.session.state == LiveState.LIVE:
            self.session.move_to(LiveState.RECONNECTING)
        self._record()
