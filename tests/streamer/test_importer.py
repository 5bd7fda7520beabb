"""Past recordings into the archive: converted without re-encoding when possible, refused with reasons when not."""

from __future__ import annotations

from datetime import date

import pytest
from live_streams import decoded_seconds, make_video, materialize, meeting_row
from sqlalchemy import select

from storage.jobrunner import run_job
from storage.meetings import create_committee
from storage.models import Job, MeetingStatus
from streamer.importer import ImportRefused, handle_import_job, queue_import
from streamer.probe import probe


@pytest.fixture
def committee(storage):
    with storage.db.session() as session:
        return create_committee(session, "Planning Committee").slug


def _run_import_job(storage) -> str:
    job = storage.jobs.claim("test-worker", kinds=["import"])
    assert job is not None
    return run_job(storage, job, handle_import_job)


def test_imported_recording_becomes_vod_mp4_and_a_transcription_job(storage, committee, tmp_path):
    source = make_video(tmp_path / "planning-2019.mp4", 7)
    meeting_id = queue_import(storage, str(source), committee, "Planning, March 2019", date(2019, 3, 5), public=True)
    source.unlink()  # the file was copied into the store: the worker may run elsewhere, later
    progress = []
    job = storage.jobs.claim("test-worker", kinds=["import"])
    run_job(storage, job, lambda s, j, report: handle_import_job(s, j, lambda d, t: (progress.append(d),
                                                                                      report(d, t))))

    meeting = meeting_row(storage, meeting_id)
    assert meeting.status == MeetingStatus.ENDED and meeting.imported and abs(meeting.duration_seconds - 7) <= 0.5
    assert progress and max(progress) >= 6
    archive = materialize(storage.blobs, f"meetings/{meeting_id}/", tmp_path / "archive")
    assert abs(decoded_seconds(archive / "vod" / "index.m3u8") - 7) <= 0.5
    assert abs(decoded_seconds(archive / "media" / "meeting.mp4") - 7) <= 0.5
    with storage.db.session() as session:
        transcribe = session.scalar(select(Job).where(Job.kind == "transcribe"))
    assert transcribe.payload == {"meeting_id": meeting_id, "model": None}


def test_hevc_recording_is_reencoded_once(sqlite_storage, tmp_path):
    storage = sqlite_storage
    with storage.db.session() as session:
        slug = create_committee(session, "Licensing").slug
    source = make_video(tmp_path / "hevc.mkv", 4, video=["-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
                                                        "log-level=error", "-pix_fmt", "yuv420p"])
    meeting_id = queue_import(storage, str(source), slug, "Licensing", date(2020, 1, 1))
    assert _run_import_job(storage) == "done"
    mp4 = probe(str(storage.blobs.local_path(f"meetings/{meeting_id}/media/meeting.mp4")))
    assert mp4.video.codec == "h264" and abs(mp4.duration - 4) <= 0.5


@pytest.mark.parametrize("kind, reason", [
    ("corrupt", "cannot be read as audio or video"),
    ("no_audio", "has no audio stream"),
    ("no_video", "has no video stream"),
])
def test_unusable_files_are_refused_with_the_reason(sqlite_storage, tmp_path, kind, reason):
    storage = sqlite_storage
    with storage.db.session() as session:
        slug = create_committee(session, "Cabinet").slug
    path = tmp_path / f"{kind}.mp4"
    if kind == "corrupt":
        path.write_bytes(b"\x00\x01 not a video " * 4096)
    else:
        make_video(path, 3, audio=kind != "no_audio", has_video=kind != "no_video")
    with pytest.raises(ImportRefused, match=reason):
        queue_import(storage, str(path), slug, "Cabinet", date(2021, 6, 1))
    with storage.db.session() as session:  # nothing half-created
        assert session.scalar(select(Job)) is None


def test_a_source_that_fails_in_the_worker_fails_the_meeting_with_the_reason(sqlite_storage, tmp_path):
    """A URL is only read by the worker; when it turns out to be unusable the meeting shows why."""
    storage = sqlite_storage
    with storage.db.session() as session:
        slug = create_committee(session, "Scrutiny").slug
    silent = make_video(tmp_path / "silent.mp4", 3, audio=False)
    meeting_id = queue_import(storage, f"file://{silent}", slug, "Scrutiny", date(2022, 2, 2))
    assert _run_import_job(storage) == "failed"
    meeting = meeting_row(storage, meeting_id)
    assert meeting.status == MeetingStatus.FAILED and "no audio stream" in meeting.failure_reason
    with storage.db.session() as session:
        job = session.scalar(select(Job).where(Job.kind == "import"))
    assert job.status.value == "failed" and "no audio stream" in job.error
