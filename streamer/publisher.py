"""From a relay run's folder into the blob store: live playlists for viewers and the recording, segment by segment.

ffmpeg writes each rendition's segments and its own short playlist into a private run folder. The publisher reads
those playlists to learn which segments are complete, then for each one, in order:
1. (source rendition) stores it as part of the recording, before anything else, since losing it is what matters;
2. stores a copy in the live area and rewrites that rendition's live playlist, a bounded window whose media
   sequence keeps counting across relay restarts and which marks each restart with ``EXT-X-DISCONTINUITY``;
3. removes the work file, and live segments that have long left the window.
On the local store a segment is hard-linked into place instead of copied. A store that fails keeps the segment
queued; ``publish`` raises and the next call resumes where it stopped, so an outage delays segments but drops none.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from storage.blobkeys import live_prefix
from storage.blobs import BlobNotFound

from . import recording
from .playlists import Segment, parse_media_playlist, render_media_playlist
from .probe import MediaInfo
from .relay import MASTER_PLAYLIST, SOURCE_RENDITION, VARIANT_PLAYLIST

log = logging.getLogger(__name__)

PART_INDEX_INTERVAL_SECONDS = 30.0
MIN_SEGMENT_SECONDS = 0.01


@dataclass(frozen=True)
class WorkSegment:
    feed: RunFeed
    rendition: str
    segment: Segment  # uri and init relative to the rendition's folder

    @property
    def folder(self) -> Path:
        return self.feed.run_dir / self.rendition

    @property
    def path(self) -> Path:
        return self.folder / self.segment.uri


class RunFeed:
    """One relay run: its completed segments, learnt from the playlists ffmpeg rewrites after each segment, and
    the recording part they go into (opened when the first segment arrives)."""

    def __init__(self, run_dir: Path, renditions: list[str], media: MediaInfo | None):
        self.run_dir = run_dir
        self.renditions = renditions
        self.media = media
        self.part: recording.Part | None = None
        self.part_saved_at = 0.0
        self.started: set[str] = set()  # renditions that have published a segment in this run
        self.master_published = False
        self.finished = False
        self.playlists_seen = 0  # playlist rewrites noticed, to match against those ffmpeg announced
        self._seen = {name: -1 for name in renditions}
        self._mtimes: dict[str, int] = {}

    def new_segments(self) -> list[WorkSegment]:
        found = []
        for name in self.renditions:
            path = self.run_dir / name / VARIANT_PLAYLIST
            try:
                mtime = path.stat().st_mtime_ns
            except FileNotFoundError:
                continue
            if self._mtimes.get(name) == mtime:
                continue
            self._mtimes[name] = mtime
            self.playlists_seen += 1
            playlist = parse_media_playlist(path.read_text())
            for offset, segment in enumerate(playlist.segments):
                sequence = playlist.media_sequence + offset
                if sequence > self._seen[name]:
                    self._seen[name] = sequence
                    if segment.duration >= MIN_SEGMENT_SECONDS:  # ffmpeg stopped right at a boundary
                        found.append(WorkSegment(self, name, segment))
        return found


class LiveWindow:
    """One rendition's live playlist: the newest ``size`` segments, numbered across relay runs.

    Entries are kept for twice the window so a viewer a little behind can still fetch them; older ones are
    returned by ``add`` for deletion.
    """

    def __init__(self, size: int, target_duration: float):
        self.size = size
        self.target_duration = target_duration
        self.entries: deque[Segment] = deque()
        self.first_sequence = 0  # media sequence of entries[0]
        self.removed_discontinuities = 0

    def resume(self, text: str) -> None:
        """Continue the numbering of the live playlist a previous ingest service left behind."""
        playlist = parse_media_playlist(text)
        self.first_sequence = playlist.media_sequence + len(playlist.segments)
        self.removed_discontinuities = playlist.discontinuity_sequence + sum(
            1 for s in playlist.segments if s.discontinuity)
        self.target_duration = max([self.target_duration] + [s.duration for s in playlist.segments])

    def add(self, segment: Segment) -> list[str]:
        """Append a segment; returns the uris of segments now old enough to delete."""
        self.entries.append(segment)
        self.target_duration = max(self.target_duration, segment.duration)
        expired = []
        while len(self.entries) > 2 * self.size:
            old = self.entries.popleft()
            self.first_sequence += 1
            self.removed_discontinuities += old.discontinuity
            expired.append(old.uri)
        return expired

    def render(self, ended: bool = False) -> str:
        hidden = max(0, len(self.entries) - self.size)
        window = list(self.entries)[hidden:]
        skipped = sum(1 for s in list(self.entries)[:hidden] if s.discontinuity)
        return render_media_playlist(window, media_sequence=self.first_sequence + hidden,
                                     discontinuity_sequence=self.removed_discontinuities + skipped, ended=ended,
                                     target_duration=self.target_duration)


class Publisher:
    """Publishes one meeting's relay runs, one after another, into the blob store."""

    def __init__(self, storage, meeting_id: int, window_size: int, segment_seconds: int):
        self.storage = storage
        self.blobs = storage.blobs
        self.meeting_id = meeting_id
        self.window_size = window_size
        self.segment_seconds = segment_seconds
        self.windows: dict[str, LiveWindow] = {}
        self.pending: deque[WorkSegment] = deque()
        self.feed: RunFeed | None = None
        self.closing: list[RunFeed] = []
        self.recorded_seconds = sum(p.duration for p in recording.load_parts(storage, meeting_id))
        self.segments = 0
        self._head_applied = False
        self._expired: list[str] = []
        self._placed_inits: set[str] = set()
        self._folders: dict[str, str | None] = {}

    # runs -----------------------------------------------------------------------------------------------------
    def start_run(self, run_dir: Path, renditions: list[str], media: MediaInfo | None) -> None:
        self.feed = RunFeed(run_dir, renditions, media)

    def finish_run(self) -> None:
        """The current run's ffmpeg has exited; its part is closed once its last segments are published."""
        if self.feed is not None:
            self.feed.finished = True
            self.closing.append(self.feed)
            self.feed = None
        self._close_finished_parts()

    @property
    def run_has_segments(self) -> bool:
        return self.feed is not None and self.feed.part is not None and bool(self.feed.part.segments)

    # publishing -----------------------------------------------------------------------------------------------
    def publish(self) -> int:
        """Publish every segment completed so far; returns how many. Raises when the store fails (retry later)."""
        if self.feed is not None:
            self.pending.extend(self.feed.new_segments())
        count = 0
        while self.pending:
            work = self.pending[0]
            live_name = self._store_media(work)
            if not self._head_applied:
                self._apply(work, live_name)
                self._head_applied = True
            self._store_live_playlist(work.rendition)
            self.pending.popleft()
            self._head_applied = False
            work.path.unlink(missing_ok=True)
            count += 1
        feed = self.feed
        if feed is not None and feed.part is not None \
                and time.monotonic() - feed.part_saved_at >= PART_INDEX_INTERVAL_SECONDS:
            recording.save_part(self.storage, self.meeting_id, feed.part)
            feed.part_saved_at = time.monotonic()
        self._close_finished_parts()
        if feed is not None and not feed.master_published and feed.started == set(feed.renditions):
            self.blobs.put_file(f"{live_prefix(self.meeting_id)}{MASTER_PLAYLIST}", feed.run_dir / MASTER_PLAYLIST)
            feed.master_published = True
        return count

    def _close_finished_parts(self) -> None:
        waiting = {id(work.feed) for work in self.pending}
        for feed in [f for f in self.closing if id(f) not in waiting]:
            if feed.part is not None:
                recording.save_part(self.storage, self.meeting_id, feed.part, ended=True)
            self.closing.remove(feed)

    def _open_part(self, feed: RunFeed) -> recording.Part:
        if feed.part is None:
            number = recording.next_part_number(self.storage, self.meeting_id)
            recording.open_part(self.storage, self.meeting_id, number, feed.media)
            feed.part = recording.Part(number, [])
            feed.part_saved_at = time.monotonic()
        return feed.part

    def _store_media(self, work: WorkSegment) -> str:
        """Put the segment (and its init segment) where it belongs; safe to repeat. Returns its live name."""
        part = self._open_part(work.feed)
        tag = f"{part.number:04d}"
        segment = work.segment
        if work.rendition == SOURCE_RENDITION:
            prefix = recording.part_prefix(self.meeting_id, part.number)
            if segment.init:
                self._place_once(prefix + "init.mp4", work.folder / segment.init)
            self._place(prefix + segment.uri, work.path)
        live_folder = f"{live_prefix(self.meeting_id)}{work.rendition}/"
        if segment.init:
            self._place_once(f"{live_folder}{tag}-init.mp4", work.folder / segment.init)
        self._place(f"{live_folder}{tag}-{segment.uri}", work.path)
        return f"{tag}-{segment.uri}"

    def _apply(self, work: WorkSegment, live_name: str) -> None:
        """Count the stored segment into the recording and the live window (exactly once per segment)."""
        segment, feed = work.segment, work.feed
        if work.rendition == SOURCE_RENDITION:
            assert feed.part is not None
            feed.part.segments.append(Segment(segment.uri, segment.duration, segment.program_date_time,
                                              init="init.mp4" if segment.init else None))
            self.recorded_seconds += segment.duration
            self.segments += 1
        window = self._window(work.rendition)
        first_of_run = work.rendition not in feed.started
        feed.started.add(work.rendition)
        tag = live_name.split("-", 1)[0]
        live = Segment(live_name, segment.duration, segment.program_date_time,
                       discontinuity=first_of_run and (bool(window.entries) or window.first_sequence > 0),
                       init=f"{tag}-init.mp4" if segment.init else None)
        self._expired += [f"{live_prefix(self.meeting_id)}{work.rendition}/{uri}" for uri in window.add(live)]

    def _window(self, rendition: str) -> LiveWindow:
        if rendition not in self.windows:
            window = LiveWindow(self.window_size, self.segment_seconds)
            try:
                window.resume(self.blobs.get_bytes(self._playlist_key(rendition)).decode())
            except BlobNotFound:
                pass
            self.windows[rendition] = window
        return self.windows[rendition]

    def _playlist_key(self, rendition: str) -> str:
        return f"{live_prefix(self.meeting_id)}{rendition}/{VARIANT_PLAYLIST}"

    def _store_live_playlist(self, rendition: str) -> None:
        key, text = self._playlist_key(rendition), self.windows[rendition].render().encode()
        folder_key, name = key.rsplit("/", 1)
        folder = self._local_folder(folder_key)
        if folder is None:
            self.blobs.put_bytes(key, text)
        else:  # rewritten every segment and worthless after a crash: atomic, but without the store's fsync
            temporary = os.path.join(folder, f".{name}.new")
            with open(temporary, "wb") as handle:
                handle.write(text)
            os.replace(temporary, os.path.join(folder, name))
        while self._expired:
            self.blobs.delete(self._expired[0])
            self._expired.pop(0)

    # placing files ----------------------------------------------------------------------------------------------
    def _place(self, key: str, path: Path) -> None:
        """Store a finished local file at ``key``: a hard link on the local store (no copy), an upload otherwise."""
        folder_key, name = key.rsplit("/", 1)
        folder = self._local_folder(folder_key)
        if folder is not None:
            temporary = os.path.join(folder, f".{name}.link")
            try:
                try:
                    os.link(path, temporary)
                except FileExistsError:  # left over from a crash
                    os.unlink(temporary)
                    os.link(path, temporary)
                os.replace(temporary, os.path.join(folder, name))
                return
            except OSError as exc:  # another filesystem (EXDEV) or no hard links: copy instead
                log.debug("hard link into %s failed (%s); copying", folder, exc)
        self.blobs.put_file(key, path)

    def _local_folder(self, folder_key: str) -> str | None:
        """The local store's folder for a key prefix, created once (this runs for every segment)."""
        if folder_key not in self._folders:
            path = self.blobs.local_path(folder_key)
            if path is not None:
                path.mkdir(parents=True, exist_ok=True)
            self._folders[folder_key] = None if path is None else str(path)
        return self._folders[folder_key]

    def _place_once(self, key: str, path: Path) -> None:
        """For fMP4 init segments, written once per part and rendition."""
        if key not in self._placed_inits:
            self._place(key, path)
            self._placed_inits.add(key)
