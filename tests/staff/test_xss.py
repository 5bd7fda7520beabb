"""Hostile text typed into titles, agenda items, paper names and transcript edits is shown as text, never run."""

from __future__ import annotations

import io

from sqlalchemy import select

from staffkit import MINIMAL_PDF, embedded_only
from storage.models import AgendaItem, Committee, Meeting

PAYLOAD = '<script>alert("owned")</script>"><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"


def _assert_harmless(html: str, where: str) -> None:
    assert PAYLOAD not in html and "<script>alert" not in html and "<img src=x" not in html, where
    assert "&lt;script&gt;alert(" in html, f"{where} does not show the text at all"


@embedded_only
def test_hostile_text_is_escaped_on_staff_and_public_pages(clerk, staff_app, storage, world):
    clerk.post(f"/staff/committees/{world.committee_id}", data={"name": f"Planning {PAYLOAD}",
                                                                "description": PAYLOAD})
    clerk.post(f"/staff/committees/{world.committee_id}/members",
               data={"member-name": PAYLOAD, "member-role": "officer"})
    clerk.post(f"/staff/meetings/{world.meeting_id}/edit", data={
        "committee_id": world.committee_id, "title": f"Budget {PAYLOAD}", "scheduled_start": "2099-03-03T18:30",
        "location": PAYLOAD, "description": PAYLOAD})
    clerk.post(f"/staff/meetings/{world.meeting_id}/agenda/items", data={"number": "9", "title": PAYLOAD,
                                                                         "description": PAYLOAD})
    clerk.post(f"/staff/meetings/{world.meeting_id}/papers", content_type="multipart/form-data",
               data={"paper-file": (io.BytesIO(MINIMAL_PDF), f"{PAYLOAD}.pdf"), "paper-title": PAYLOAD})
    clerk.post(f"/staff/meetings/{world.meeting_id}/transcript/{world.segment_id}",
               data={"text": PAYLOAD, "speaker": PAYLOAD})
    with storage.db.session() as session:
        assert session.get(Meeting, world.meeting_id).title == f"Budget {PAYLOAD}"
        assert session.scalar(select(AgendaItem).where(AgendaItem.title == PAYLOAD)) is not None
        assert PAYLOAD in session.get(Committee, world.committee_id).name

    pages = [f"/staff/meetings/{world.meeting_id}{suffix}" for suffix in
             ("", "/agenda", "/stream", "/live", "/chapters", "/transcript", "/edit")]
    pages += ["/staff/", "/staff/meetings", f"/staff/committees/{world.committee_id}", "/staff/committees"]
    for url in pages:
        _assert_harmless(clerk.get(url).data.decode(), url)
    status = clerk.get(f"/staff/api/meetings/{world.meeting_id}/status")
    assert status.content_type == "application/json"

    public = staff_app.test_client().get(f"/meetings/{world.meeting_id}")
    assert public.status_code == 200
    _assert_harmless(public.data.decode(), "the public meeting page")
    assert ESCAPED in public.data.decode() or "&lt;script&gt;" in public.data.decode()


@embedded_only
def test_the_audit_log_shows_hostile_text_as_text(admin, world):
    admin.post(f"/staff/meetings/{world.meeting_id}/agenda/items", data={"title": PAYLOAD})
    _assert_harmless(admin.get("/staff/admin/audit").data.decode(), "the audit log")


@embedded_only
def test_a_paper_name_cannot_break_out_of_the_blob_key_or_download_header(clerk, storage, world):
    clerk.post(f"/staff/meetings/{world.meeting_id}/papers", content_type="multipart/form-data",
               data={"paper-file": (io.BytesIO(MINIMAL_PDF), '../../"evil";.pdf')})
    with storage.db.session() as session:
        paper = session.scalars(select(Meeting).where(Meeting.id == world.meeting_id)).one().documents[-1]
    assert paper.blob_key.startswith(f"meetings/{world.meeting_id}/documents/{paper.id}-")
    assert ".." not in paper.blob_key and '"' not in paper.blob_key
    download = clerk.get(f"/staff/meetings/{world.meeting_id}/papers/{paper.id}")
    assert download.headers["Content-Disposition"].count('"') == 2
    assert download.headers["X-Content-Type-Options"] == "nosniff"
