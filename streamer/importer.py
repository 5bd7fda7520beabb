"""Past recordings (a file or a URL) into the archive: the same VOD playlist and MP4 as a live meeting, then a
transcript.

The recording is probed first, so a corrupt file, or one without audio or video, is refused with a reason staff
can act on rather than a failed job with a traceback. Video that browsers play (H.264) and AAC audio are
stream-copied; anything else is re-encoded once, into the HLS segments the MP4 is then remuxed from.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from dataclasses import replace
from datetime import date, datetime
from datetime import time as day_time
from pathlib import Path

import ffmpeg as ffmpeg_python
from sqlalchemy import delete

from storage.blobkeys import recording_prefix, source_key
from storage.jobrunner import PermanentJobError
from storage.meetings import committee_by_slug, create_meeting
from storage.models import Meeting, MeetingStatus, Recording

from . import StreamerError, recording
from .ffmpeg import compile_command, last_lines
from .playlists import parse_media_playlist
from .probe import MediaInfo, ProbeError, probe
from .vod import Finished, finish_meeting

log = logging.getLogger(__name__)

VOD_SEGMENT_SECONDS = 6
BLOB_SOURCE = "blob:"


class ImportRefused(StreamerError):
    """The recording cannot be imported; the message says why and what to do."""


def check_importable(info: MediaInfo, name: str) -> None:
    if info.video is None:
        raise ImportRefused(f"{name} has no video stream ({info.describe()}); import the video recording of the "
                            "meeting, not an audio-only file")
    if info.audio is None:
        raise ImportRefused(f"{name} has no audio stream, so there is nothing to hear or transcribe; import the "
                            "recording that includes the sound")
    if not info.duration or info.duration < 1:
        raise ImportRefused(f"{name} is empty or shorter than a second; check that the whole file was copied")


def probe_source(source: str) -> MediaInfo:
    try:
        info = probe(source)
    except ProbeError as exc:
        raise ImportRefused(str(exc)) from None
    check_importable(info, Path(source).name if "://" not in source else source)
    return info


def queue_import(storage, source: str, committee_slug: str, title: str, day: date, public: bool = False) -> int:
    """Create the meeting and queue its conversion. A local file is checked now and copied into the blob store
    (the worker may run on another machine, and the file may be deleted after this returns)."""
    local = "://" not in source
    if local:
        if not Path(source).is_file():
            raise ImportRefused(f"{source}: no such file")
        probe_source(source)
    with storage.db.session() as session:
        committee = committee_by_slug(session, committee_slug)
        meeting = create_meeting(session, committee, title, datetime.combine(day, day_time()), public=public,
                                 imported=True)
        payload = {"meeting_id": meeting.id, "source": source}
        if local:
            key = source_key(meeting.id, Path(source).name)
            storage.blobs.put_file(key, source)
            payload["source"] = BLOB_SOURCE + key
        storage.jobs.enqueue("import", payload, session=session)
        return meeting.id


def import_recording(storage, meeting_id: int, source: str, report_progress=None) -> Finished:
    """Convert ``source`` (a path, a URL, or ``blob:KEY``) into the meeting's recording, VOD and MP4."""
    scratch = Path(storage.settings.data_dir) / "ingest" / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch, prefix=f"import-{meeting_id}-") as tmp:
        work = Path(tmp)
        path = _readable(storage, source, work)
        info = probe_source(path)
        _forget_earlier_attempt(storage, meeting_id)
        playlist = _segment(path, info, work / "hls", storage.settings.hls_segment_type, report_progress)
        segments = list(parse_media_playlist(playlist.read_text()).segments)
        recording.open_part(storage, meeting_id, 1, info)
        prefix = recording.part_prefix(meeting_id, 1)
        if segments and segments[0].init:
            storage.blobs.put_file(prefix + "init.mp4", playlist.parent / segments[0].init)
        for segment in segments:
            storage.blobs.put_file(prefix + segment.uri, playlist.parent / segment.uri)
        part = recording.Part(1, [replace(s, init="init.mp4" if s.init else None) for s in segments])
        recording.save_part(storage, meeting_id, part, ended=True)
    return finish_meeting(storage, meeting_id)


def handle_import_job(storage, job, report_progress) -> None:
    """The worker's handler for ``import`` jobs. A recording that can never import fails the job and the meeting
    at once, with the reason; anything else (the store being down) is retried by the queue."""
    meeting_id = job.payload["meeting_id"]
    try:
        result = import_recording(storage, meeting_id, job.payload["source"], report_progress)
    except ImportRefused as exc:
        with storage.db.session() as session:
            meeting = session.get(Meeting, meeting_id)
            meeting.status = MeetingStatus.FAILED
            meeting.failure_reason = str(exc)
        raise PermanentJobError(str(exc)) from None
    log.info(result.describe())


def _readable(storage, source: str, work: Path) -> str:
    """A path or URL ffmpeg can open for ``source``."""
    if not source.startswith(BLOB_SOURCE):
        return source
    key = source[len(BLOB_SOURCE):]
    local = storage.blobs.local_path(key)
    if local is not None:
        return str(local)
    return str(storage.blobs.download(key, work / Path(key).name))


def _forget_earlier_attempt(storage, meeting_id: int) -> None:
    """A retried job starts from a clean recording."""
    storage.blobs.delete_prefix(recording_prefix(meeting_id))
    with storage.db.session() as session:
        session.execute(delete(Recording).where(Recording.meeting_id == meeting_id))


def _segment(path: str, info: MediaInfo, out: Path, segment_type: str, report_progress) -> Path:
    """HLS VOD segments of the recording: stream copy where possible, else one re-encode to H.264/AAC."""
    out.mkdir(parents=True, exist_ok=True)
    source = ffmpeg_python.input(path)
    codecs = {"c:v": "copy"} if info.video_copyable else {
        "c:v": "libx264", "preset": "veryfast", "crf": 21, "pix_fmt": "yuv420p", "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{VOD_SEGMENT_SECONDS})"}
    codecs.update({"c:a": "copy"} if info.audio_copyable else {"c:a": "aac", "b:a": "128k", "ar": 48000})
    extension = "m4s" if segment_type == "fmp4" else "ts"
    playlist = out / "index.m3u8"
    spec = ffmpeg_python.output(source.video, source.audio, str(playlist), format="hls", hls_time=VOD_SEGMENT_SECONDS,
                                hls_playlist_type="vod", hls_segment_type=segment_type,
                                hls_segment_filename=str(out / f"%05d.{extension}"),
                                hls_fmp4_init_filename="init.mp4", **codecs)
    command = compile_command(spec, "-loglevel", "error", "-progress", "pipe:1")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    assert process.stdout is not None
    for line in process.stdout:
        key, _, value = line.strip().partition("=")
        if key == "out_time_us" and value.isdigit() and report_progress and info.duration:
            report_progress(min(info.duration, int(value) / 1e6), info.duration)
    stderr = process.communicate()[1]
    if process.returncode != 0:
        raise ImportRefused(f"{Path(path).name} could not be converted, it looks damaged: {last_lines(stderr)}")
    return playlist
