"""Importing past recordings: one from the upload form, many from a folder and a CSV (resumable)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from staffkit import embedded_only

from archive_web.bulk_import import BulkImportError, bulk_import
from storage.models import Job, Meeting


def make_clip(path: Path, video: bool = True, audio: bool = True) -> Path:
    """A one-second recording made by ffmpeg: a test pattern and/or a tone."""
    inputs = []
    if video:
        inputs += ["-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=1"]
    if audio:
        inputs += ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
    codecs = (["-c:v", "libx264", "-preset", "ultrafast"] if video else []) + (["-c:a", "aac"] if audio else [])
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *inputs, *codecs, str(path)],
                   check=True)
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recordings")
    make_clip(folder / "2019-01-15 planning.mp4")
    make_clip(folder / "2019-02-12 planning.mp4")
    make_clip(folder / "silent.mp4", audio=False)
    make_clip(folder / "radio.m4a", video=False)
    (folder / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x13" * 4000)
    return folder


def _upload(clerk, world, path: Path):
    return clerk.post("/staff/import", content_type="multipart/form-data", data={
        "committee_id": world.committee_id, "title": "Planning, January 2019", "date": "2019-01-15",
        "file": (io.BytesIO(path.read_bytes()), path.name)})


def test_upload_form_queues_a_recording_as_a_meeting(clerk, storage, world, clips):
    response = _upload(clerk, world, clips / "2019-01-15 planning.mp4")
    assert response.status_code == 302
    meeting_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with storage.db.session() as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting.imported and meeting.title == "Planning, January 2019"
        assert meeting.scheduled_start.date().isoformat() == "2019-01-15"
        job = session.scalars(select(Job).where(Job.kind == "import")).one()
        assert job.payload["meeting_id"] == meeting_id
    assert not any((storage.settings.data_dir / "imports").iterdir())  # the upload is not left lying around


@pytest.mark.parametrize("name, reason", [
    ("corrupt.mp4", "corrupt.mp4 cannot be read as audio or video"),
    ("silent.mp4", "has no audio stream"),
    ("radio.m4a", "has no video stream"),
])
@embedded_only
def test_upload_form_says_why_a_recording_cannot_be_imported(clerk, storage, world, clips, name, reason):
    response = _upload(clerk, world, clips / name)
    assert response.status_code == 400
    page = response.data.decode()
    assert reason in page and "There is a problem" in page
    assert str(storage.settings.data_dir) not in page  # the server's folders are not shown
    with storage.db.session() as session:
        assert session.scalars(select(Meeting).where(Meeting.imported.is_(True))).all() == []


@embedded_only
def test_upload_form_needs_a_file_or_a_url(clerk, world):
    response = clerk.post("/staff/import", data={"committee_id": world.committee_id, "title": "T",
                                                 "date": "2019-01-15"})
    assert response.status_code == 400 and b"Choose a file or give a URL" in response.data


def _write_csv(folder: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = folder / "meetings.csv"
    path.write_text("file,title,date\n" + "".join(f'"{f}","{t}",{d}\n' for f, t, d in rows), encoding="utf-8")
    return path


def test_bulk_import_is_resumable_and_reports_refused_files(sqlite_storage, tmp_path, clips):
    from storage.meetings import create_committee

    with sqlite_storage.db.session() as session:
        create_committee(session, "Planning Committee")
    rows = [("2019-01-15 planning.mp4", "Planning, January 2019", "2019-01-15"),
            ("corrupt.mp4", "Planning, broken", "2019-01-20")]
    first = bulk_import(sqlite_storage, clips, _write_csv(tmp_path, rows), "planning-committee", progress=False)
    assert len(first.queued) == 1 and first.skipped == []
    assert len(first.refused) == 1 and "line 3 (corrupt.mp4)" in first.refused[0]
    assert "run the same command again" in first.summary()

    rows.append(("2019-02-12 planning.mp4", "Planning, February 2019", "2019-02-12"))
    second = bulk_import(sqlite_storage, clips, _write_csv(tmp_path, rows), "planning-committee", progress=False)
    assert len(second.queued) == 1 and len(second.skipped) == 1
    with sqlite_storage.db.session() as session:
        titles = sorted(session.scalars(select(Meeting.title).where(Meeting.imported.is_(True))))
    assert titles == ["Planning, February 2019", "Planning, January 2019"]


def test_bulk_import_checks_every_row_before_importing_any(sqlite_storage, tmp_path, clips):
    csv_path = _write_csv(tmp_path, [("2019-01-15 planning.mp4", "Fine", "2019-01-15"),
                                     ("missing.mp4", "Gone", "2019-01-16"),
                                     ("2019-02-12 planning.mp4", "", "12/02/2019")])
    with pytest.raises(BulkImportError) as refused:
        bulk_import(sqlite_storage, clips, csv_path, "planning-committee", progress=False)
    message = str(refused.value)
    assert "line 3: no file 'missing.mp4'" in message and "line 4: the title is empty" in message
    assert "'12/02/2019' is not a date; write it as YYYY-MM-DD" in message
    (tmp_path / "bad.csv").write_text("name,when\nx,y\n")
    with pytest.raises(BulkImportError, match="no file, title, date column"):
        bulk_import(sqlite_storage, clips, tmp_path / "bad.csv", "planning-committee", progress=False)
