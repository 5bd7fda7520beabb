"""Transcript correction: the corrected line is kept, credited, audited, searchable, and shown on the public page."""

from __future__ import annotations

from sqlalchemy import select
from staffkit import embedded_only

from storage.models import AuditEntry, TranscriptSegment, User


def _segment(storage, segment_id) -> TranscriptSegment:
    with storage.db.session() as session:
        return session.get(TranscriptSegment, segment_id)


def test_correcting_a_line_keeps_the_original_and_shows_on_the_public_page(clerk, staff_app, storage, world):
    url = f"/staff/meetings/{world.meeting_id}/transcript"
    page = clerk.get(url).data.decode()
    assert "Welcome to the planning committee." in page and 'data-seek="1.0"' in page
    assert '<option value="Cllr Jane Smith">' in page  # members are offered as speakers
    saved = clerk.post(f"{url}/{world.segment_id}", data={"text": "Welcome to the Planning Committee, everyone.",
                                                          "speaker": "Cllr Jane Smith"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"#seg-{world.segment_id}")
    segment = _segment(storage, world.segment_id)
    assert segment.corrected and segment.text == "Welcome to the Planning Committee, everyone."
    assert segment.original_text == "Welcome to the planning committee."
    assert segment.speaker == "Cllr Jane Smith" and segment.corrected_at is not None
    with storage.db.session() as session:
        assert session.get(User, segment.corrected_by).email == "clerk@council.example"
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "correct")).one()
        assert "Welcome to the Planning Committee, everyone." in entry.detail and entry.user_email.startswith("clerk")

    # a second correction keeps what the machine first heard
    clerk.post(f"{url}/{world.segment_id}", data={"text": "Welcome, everyone.", "speaker": "Cllr Jane Smith"},
               headers={"Accept": "application/json"})
    assert _segment(storage, world.segment_id).original_text == "Welcome to the planning committee."
    assert "Machine heard: Welcome to the planning committee." in clerk.get(url).data.decode()

    public = staff_app.test_client().get(f"/meetings/{world.meeting_id}").data.decode()
    assert "Welcome, everyone." in public and "Corrected" in public
    assert "Welcome to the planning committee." not in public


def test_corrected_words_are_found_by_search(clerk, storage, world):
    clerk.post(f"/staff/meetings/{world.meeting_id}/transcript/{world.segment_id}",
               data={"text": "The bus lane on Mill Road is approved.", "speaker": ""})
    found = clerk.get("/api/v1/search?q=%22bus+lane%22").get_json()
    assert [r["meeting_id"] for r in found["results"]] == [world.meeting_id]
    assert clerk.get("/api/v1/search?q=welcome").get_json()["total"] == 0


@embedded_only
def test_an_empty_line_is_refused(clerk, storage, world):
    response = clerk.post(f"/staff/meetings/{world.meeting_id}/transcript/{world.segment_id}",
                          data={"text": "   "}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and "Text" in response.get_json()["message"]
    assert not _segment(storage, world.segment_id).corrected


@embedded_only
def test_a_segment_of_another_meeting_cannot_be_edited_through_this_one(clerk, storage, world):
    from storage.meetings import create_meeting
    from storage.models import Committee, utcnow

    with storage.db.session() as session:
        other = create_meeting(session, session.get(Committee, world.committee_id), "Other", utcnow())
    response = clerk.post(f"/staff/meetings/{other.id}/transcript/{world.segment_id}", data={"text": "hijack"})
    assert response.status_code == 404
    assert _segment(storage, world.segment_id).text == "Welcome to the planning committee."
