"""Agendas, papers and chapters: what a clerk prepares before a meeting and marks while it runs."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from staffkit import MINIMAL_PDF, embedded_only, pdf_with_text
from storage.agenda import AgendaError, attach_paper, detect_paper_type, parse_timestamp
from storage.models import AgendaItem, Document, Meeting, MeetingStatus, utcnow


def _items(storage, meeting_id):
    with storage.db.session() as session:
        return [(i.number, i.title, i.start_seconds) for i in session.get(Meeting, meeting_id).agenda_items]


def _upload(client, meeting_id, name, data, **fields):
    return client.post(f"/staff/meetings/{meeting_id}/papers", data={"paper-file": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data", follow_redirects=True)


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_clerk_builds_reorders_and_publishes_an_agenda(clerk, storage, world):
    url = f"/staff/meetings/{world.meeting_id}/agenda"
    clerk.post(f"{url}/items", data={"number": "2", "title": "Minutes of the last meeting"})
    clerk.post(f"{url}/items", data={"number": "5a", "title": "Land at Mill Lane", "description": "Outline"})
    assert [n for n, _, _ in _items(storage, world.meeting_id)] == ["1", "2", "5a"]
    with storage.db.session() as session:
        mill_lane = session.scalar(select(AgendaItem).where(AgendaItem.number == "5a"))
    clerk.post(f"{url}/items/{mill_lane.id}/move", data={"direction": "up"})
    assert [n for n, _, _ in _items(storage, world.meeting_id)] == ["1", "5a", "2"]
    clerk.post(f"{url}/items/{mill_lane.id}/edit", data={"number": "5b", "title": "Land at Mill Lane, Oakby"})
    assert ("5b", "Land at Mill Lane, Oakby", None) in _items(storage, world.meeting_id)
    clerk.post(f"{url}/items/{world.item_id}/delete")
    assert [n for n, _, _ in _items(storage, world.meeting_id)] == ["5b", "2"]
    assert clerk.post(f"{url}/items/{mill_lane.id}/move", data={"direction": "sideways"}).status_code == 400

    with storage.db.session() as session:
        session.get(Meeting, world.meeting_id).agenda_published = False
    clerk.post(f"{url}/publish", data={"publish": "1"})
    with storage.db.session() as session:
        assert session.get(Meeting, world.meeting_id).agenda_published
    page = clerk.get(url).data.decode()
    assert page.index("Land at Mill Lane, Oakby") < page.index("Minutes of the last meeting")
    assert "Withdraw agenda" in page


def test_reorder_api_needs_every_item_once(clerk, storage, world):
    url = f"/staff/api/meetings/{world.meeting_id}/agenda/order"
    with storage.db.session() as session:
        second = AgendaItem(meeting_id=world.meeting_id, number="2", title="Second", position=1)
        session.add(second)
    assert clerk.post(url, json={"order": [world.item_id]}).status_code == 409
    assert clerk.post(url, json={"order": "1,2"}).status_code == 400
    reordered = clerk.post(url, json={"order": [second.id, world.item_id]})
    assert reordered.get_json() == {"order": [second.id, world.item_id]}


def test_pdf_and_office_papers_are_stored_searchable_and_downloadable(clerk, storage, world):
    report_pdf = pdf_with_text("Officer report on the Mill Lane bus gate")
    response = _upload(clerk, world.meeting_id, "Report on Mill Lane.pdf", report_pdf,
                       **{"paper-title": "Officer report", "paper-agenda_item_id": str(world.item_id)})
    assert "Paper “Officer report” attached." in response.data.decode()
    _upload(clerk, world.meeting_id, "minutes.docx", _docx())
    with storage.db.session() as session:
        papers = session.scalars(select(Document).where(Document.meeting_id == world.meeting_id)
                                 .order_by(Document.id)).all()
        report, minutes = papers[-2], papers[-1]
    assert report.blob_key == f"meetings/{world.meeting_id}/documents/{report.id}-Report_on_Mill_Lane.pdf"
    assert storage.blobs.get_bytes(report.blob_key) == report_pdf
    assert report.text == "Officer report on the Mill Lane bus gate"
    found = clerk.get("/api/v1/search?q=%22bus+gate%22").get_json()
    assert [r["meeting_id"] for r in found["results"]] == [world.meeting_id]
    assert report.agenda_item_id == world.item_id and report.content_type == "application/pdf"
    assert minutes.content_type.endswith("wordprocessingml.document")
    download = clerk.get(f"/staff/meetings/{world.meeting_id}/papers/{report.id}")
    assert download.data == report_pdf and download.headers["Content-Disposition"].startswith("attachment")
    clerk.post(f"/staff/meetings/{world.meeting_id}/papers/{report.id}/delete")
    assert not storage.blobs.exists(report.blob_key)


@pytest.mark.parametrize("name, data, message", [
    ("report.pdf", b"<html><script>alert(1)</script></html>", "its contents are not a PDF file"),
    ("report.docx", MINIMAL_PDF, "its contents are not a DOCX file"),
    ("report.docx", b"PK\x03\x04 not really a zip", "its contents are not a DOCX file"),
    ("setup.exe", b"MZ\x90\x00", "is not a paper this site publishes"),
    ("notes.html", b"<p>hi</p>", "is not a paper this site publishes"),
    ("empty.pdf", b"", "is empty"),
])
@embedded_only
def test_papers_that_are_not_what_they_claim_are_refused(clerk, storage, world, name, data, message):
    response = _upload(clerk, world.meeting_id, name, data)
    assert message in response.data.decode()
    with storage.db.session() as session:
        assert session.scalar(select(Document).where(Document.filename == name)) is None


def test_paper_size_limit(sqlite_storage):
    with sqlite_storage.db.session() as session:
        from storage.meetings import create_committee, create_meeting

        meeting = create_meeting(session, create_committee(session, "Cabinet"), "Cabinet", utcnow())
        with pytest.raises(AgendaError, match="papers can be at most 1 MB"):
            attach_paper(session, sqlite_storage.blobs, meeting, "big.pdf", MINIMAL_PDF + b" " * 1_000_001,
                         max_bytes=1_000_000)
    assert detect_paper_type("slides.pptx", _docx().replace(b"word/", b"ppt//")) .endswith("presentation")


def test_upload_over_the_site_limit_gets_a_clear_message(sqlite_env, monkeypatch):
    from archive_web import create_app
    from storage import load_settings, open_storage
    from storage.meetings import create_committee, create_meeting
    from storage.models import Role
    from storage.users import create_user

    monkeypatch.setenv("CHAMBER_UPLOAD_MAX_MB", "1")
    storage = open_storage(load_settings())
    try:
        with storage.db.session() as session:
            create_user(session, "c@council.example", "correct horse battery", Role.CLERK)
            meeting = create_meeting(session, create_committee(session, "Cabinet"), "Cabinet", utcnow())
        app = create_app(storage=storage)
        app.config.update(WTF_CSRF_ENABLED=False)
        client = app.test_client()
        client.post("/staff/login", data={"email": "c@council.example", "password": "correct horse battery"})
        response = client.post(f"/staff/meetings/{meeting.id}/papers", content_type="multipart/form-data",
                               data={"paper-file": (io.BytesIO(b"0" * 2_000_000), "a.pdf")}, follow_redirects=True)
        assert "larger than 1 MB, the most this site accepts" in response.data.decode()
    finally:
        storage.close()


def test_one_click_marks_now_discussing_at_the_stream_position(clerk, storage, world):
    with storage.db.session() as session:
        meeting = session.get(Meeting, world.meeting_id)
        meeting.status, meeting.started_at = MeetingStatus.LIVE, utcnow() - timedelta(seconds=95)
        second = AgendaItem(meeting_id=world.meeting_id, number="2", title="Declarations", position=1)
        session.add(second)
    clerk.post(f"/staff/meetings/{world.meeting_id}/chapters/{world.item_id}/now")
    (_, _, first_start), _ = _items(storage, world.meeting_id)
    assert 94 <= first_start <= 100

    with storage.db.session() as session:
        session.get(Meeting, world.meeting_id).live_info = {"position": 312.25}
    marked = clerk.post(f"/staff/meetings/{world.meeting_id}/chapters/{second.id}/now",
                        headers={"Accept": "application/json"})
    assert marked.get_json() == {"item_id": second.id, "start_seconds": 312.2}
    page = clerk.get(f"/staff/meetings/{world.meeting_id}/live").data.decode()
    assert "Now discussing 2 Declarations" in page and "from 5:12" in page


@embedded_only
def test_now_discussing_is_refused_when_not_live(clerk, world):
    response = clerk.post(f"/staff/meetings/{world.meeting_id}/chapters/{world.item_id}/now",
                          headers={"Accept": "application/json"})
    assert response.status_code == 409 and "not live" in response.get_json()["message"]


@embedded_only
def test_chapter_editor_adjusts_and_validates_start_times(clerk, storage, world):
    with storage.db.session() as session:
        meeting = session.get(Meeting, world.meeting_id)
        meeting.status, meeting.duration_seconds = MeetingStatus.READY, 3600.0
    url = f"/staff/meetings/{world.meeting_id}/chapters"
    assert clerk.post(url, data={f"start-{world.item_id}": "1:02:03"}).status_code == 400  # after the end
    assert _items(storage, world.meeting_id)[0][2] is None
    bad = clerk.post(url, data={f"start-{world.item_id}": "ten past"})
    assert bad.status_code == 400 and "is not a time" in bad.data.decode()
    assert clerk.post(url, data={f"start-{world.item_id}": "12:30"}).status_code == 302
    assert _items(storage, world.meeting_id)[0][2] == 750.0
    assert 'value="12:30"' in clerk.get(url).data.decode()
    clerk.post(url, data={f"start-{world.item_id}": ""})
    assert _items(storage, world.meeting_id)[0][2] is None


def test_timestamps_people_type():
    assert [parse_timestamp(t) for t in ("1:02:03", "62:03", "3723", "90.5", "")] == [3723, 3723, 3723, 90.5, None]
    for bad in ("1:75", "-3", "a:b", "1:2:3:4"):
        with pytest.raises(AgendaError):
            parse_timestamp(bad)
