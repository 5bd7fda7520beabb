"""Committees, members and meetings as a clerk runs them: scheduling, changes, publishing, status, stream setup."""

from __future__ import annotations


from sqlalchemy import select
from staffkit import embedded_only

from storage.models import AuditEntry, Committee, Job, JobStatus, Meeting, MeetingStatus, Transcript, \
    TranscriptStatus, Visibility, utcnow


def _meeting(storage, meeting_id) -> Meeting:
    with storage.db.session() as session:
        return session.get(Meeting, meeting_id)


@embedded_only
def test_clerk_creates_edits_and_archives_a_committee_with_members(clerk, storage):
    created = clerk.post("/staff/committees", data={"name": "Licensing Sub-Committee", "description": "Taxis"})
    assert created.status_code == 302
    committee_url = created.headers["Location"]
    added = clerk.post(f"{committee_url}/members", data={"member-name": "Cllr Ann Lee", "member-role": "chair"})
    assert added.status_code == 302
    nameless = clerk.post(f"{committee_url}/members", data={"member-name": "", "member-role": "chair"},
                          follow_redirects=True)
    assert "Name: This field is required." in nameless.data.decode()
    assert "Cllr Ann Lee" in nameless.data.decode()
    clerk.post(committee_url, data={"name": "Licensing Committee", "description": "Taxis and pubs"})
    clerk.post(f"{committee_url}/archive", data={"archived": "1"})
    with storage.db.session() as session:
        committee = session.scalar(select(Committee).where(Committee.slug == "licensing-sub-committee"))
        assert committee.name == "Licensing Committee" and committee.archived
        assert [(m.name, m.role.value) for m in committee.members] == [("Cllr Ann Lee", "chair")]
    assert "Licensing Committee" in clerk.get("/staff/committees").data.decode()
    # an archived committee is not offered for new meetings
    assert "Licensing Committee" not in clerk.get("/staff/meetings/new").data.decode()


def test_times_are_typed_and_read_on_the_councils_clock(clerk, storage, world):
    """18:30 typed in July is 18:30 British Summer Time (17:30 UTC in the database), and reads back as typed."""
    scheduled = clerk.post("/staff/meetings/new", data={
        "committee_id": world.committee_id, "title": "Summer Planning", "scheduled_start": "2027-07-06T18:30"})
    meeting_id = int(scheduled.headers["Location"].rsplit("/", 1)[1])
    assert _meeting(storage, meeting_id).scheduled_start.isoformat() == "2027-07-06T17:30:00"
    assert "Tuesday 6 July 2027, 18:30 BST" in clerk.get(f"/staff/meetings/{meeting_id}").data.decode()
    edit_page = clerk.get(f"/staff/meetings/{meeting_id}/edit").data.decode()
    assert 'value="2027-07-06T18:30"' in edit_page and "On the council&#39;s clock (Europe/London)" in edit_page
    clerk.post(f"/staff/meetings/{meeting_id}/postpone", data={"new_start": "2027-12-07T18:30"})
    assert _meeting(storage, meeting_id).scheduled_start.isoformat() == "2027-12-07T18:30:00"  # GMT = UTC

    # The hour skipped when the clocks go forward cannot be booked.
    skipped = clerk.post("/staff/meetings/new", data={
        "committee_id": world.committee_id, "title": "Night sitting", "scheduled_start": "2027-03-28T01:30"})
    assert skipped.status_code == 400 and "the clocks go forward" in skipped.data.decode()


def test_clerk_schedules_edits_postpones_and_cancels_a_meeting(clerk, storage, world):
    scheduled = clerk.post("/staff/meetings/new", data={
        "committee_id": world.committee_id, "title": "Extraordinary Planning", "scheduled_start": "2026-12-01T18:30",
        "location": "Council Chamber", "description": "Single item"})
    assert scheduled.status_code == 302
    meeting_id = int(scheduled.headers["Location"].rsplit("/", 1)[1])
    meeting = _meeting(storage, meeting_id)
    assert meeting.visibility == Visibility.DRAFT and meeting.status == MeetingStatus.SCHEDULED
    assert meeting.scheduled_start.isoformat() == "2026-12-01T18:30:00"

    bad = clerk.post("/staff/meetings/new", data={"committee_id": world.committee_id, "title": "",
                                                  "scheduled_start": "tomorrow"})
    assert bad.status_code == 400 and b"There is a problem" in bad.data

    clerk.post(f"/staff/meetings/{meeting_id}/edit", data={
        "committee_id": world.committee_id, "title": "Extraordinary Planning Committee",
        "scheduled_start": "2026-12-02T10:00", "location": "Room 2", "description": ""})
    assert _meeting(storage, meeting_id).location == "Room 2"

    clerk.post(f"/staff/meetings/{meeting_id}/postpone", data={})
    assert _meeting(storage, meeting_id).status == MeetingStatus.POSTPONED
    clerk.post(f"/staff/meetings/{meeting_id}/postpone", data={"new_start": "2026-12-09T10:00"})
    moved = _meeting(storage, meeting_id)
    assert moved.status == MeetingStatus.SCHEDULED and moved.scheduled_start.day == 9
    clerk.post(f"/staff/meetings/{meeting_id}/cancel")
    assert _meeting(storage, meeting_id).status == MeetingStatus.CANCELLED
    assert b"Cancelled" in clerk.get(f"/staff/meetings/{meeting_id}").data

    clerk.post(f"/staff/meetings/{meeting_id}/visibility", data={"visibility": "public"})
    assert _meeting(storage, meeting_id).visibility == Visibility.PUBLIC
    clerk.post(f"/staff/meetings/{meeting_id}/visibility", data={"visibility": "private"})
    assert _meeting(storage, meeting_id).visibility == Visibility.PRIVATE
    with storage.db.session() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "meeting",
                                                                  AuditEntry.target_id == meeting_id)
                                  .order_by(AuditEntry.id)).all()
    assert actions == ["create", "edit", "postpone", "reschedule", "cancel", "publish", "unpublish"]

    deleted = clerk.post(f"/staff/meetings/{meeting_id}/delete")
    assert deleted.status_code == 302 and _meeting(storage, meeting_id) is None


@embedded_only
def test_a_meeting_that_went_live_cannot_be_deleted_or_cancelled(clerk, storage, world):
    with storage.db.session() as session:
        session.get(Meeting, world.meeting_id).status = MeetingStatus.READY
    assert b"cannot be cancelled" in clerk.post(f"/staff/meetings/{world.meeting_id}/cancel",
                                                follow_redirects=True).data
    assert b"Only meetings that never went live" in clerk.post(f"/staff/meetings/{world.meeting_id}/delete",
                                                               follow_redirects=True).data
    assert _meeting(storage, world.meeting_id).status == MeetingStatus.READY


def test_status_endpoint_reports_transcription_progress(clerk, storage, world):
    with storage.db.session() as session:
        session.get(Meeting, world.meeting_id).status = MeetingStatus.PROCESSING
        transcript = session.scalar(select(Transcript).where(Transcript.meeting_id == world.meeting_id))
        transcript.status, transcript.progress = TranscriptStatus.RUNNING, 0.42
    status = clerk.get(f"/staff/api/meetings/{world.meeting_id}/status").get_json()
    assert status["status"] == "processing" and status["status_label"] == "Processing"
    assert status["transcript"] == {"status": "running", "progress": 0.42, "model": "tiny.en", "error": None}
    assert status["can_retry"] is False
    page = clerk.get(f"/staff/meetings/{world.meeting_id}").data.decode()
    assert "42%" in page and "data-status-url" in page


def test_failed_meeting_shows_the_reason_and_retry_requeues_the_job(clerk, storage, world):
    job_id = storage.jobs.enqueue("transcribe", {"meeting_id": world.meeting_id, "model": None}, max_attempts=1)
    claimed = storage.jobs.claim("test-worker", ["transcribe"])
    assert claimed.id == job_id
    storage.jobs.fail(job_id, "test-worker", "The recording has no audio track. Check the encoder's audio input.")
    with storage.db.session() as session:
        session.get(Meeting, world.meeting_id).status = MeetingStatus.FAILED
    status = clerk.get(f"/staff/api/meetings/{world.meeting_id}/status").get_json()
    assert status["status"] == "failed" and status["can_retry"] is True
    assert "no audio track" in status["failure_reason"]
    page = clerk.get(f"/staff/meetings/{world.meeting_id}").data.decode()
    assert "no audio track" in page and ">Retry</button>" in page

    assert clerk.post(f"/staff/meetings/{world.meeting_id}/retry").status_code == 302
    with storage.db.session() as session:
        job = session.get(Job, job_id)
        assert job.status == JobStatus.QUEUED and job.attempts == 0
        assert session.get(Meeting, world.meeting_id).status == MeetingStatus.PROCESSING


def test_retranscribe_queues_a_job_with_the_chosen_model(clerk, storage, world):
    with storage.db.session() as session:
        session.get(Meeting, world.meeting_id).status = MeetingStatus.READY
    clerk.post(f"/staff/meetings/{world.meeting_id}/retranscribe", data={"model": "small.en"})
    with storage.db.session() as session:
        job = session.scalars(select(Job).where(Job.kind == "transcribe")).one()
        assert job.payload == {"meeting_id": world.meeting_id, "model": "small.en"}


def test_stream_setup_shows_keys_rotates_them_and_refuses_while_live(clerk, storage, world):
    before = _meeting(storage, world.meeting_id)
    page = clerk.get(f"/staff/meetings/{world.meeting_id}/stream").data.decode()
    assert before.stream_key in page and before.srt_passphrase in page and "rtmp://" in page
    assert 'data-copy-target="stream-key"' in page
    clerk.post(f"/staff/meetings/{world.meeting_id}/stream/rotate")
    after = _meeting(storage, world.meeting_id)
    assert after.stream_key != before.stream_key and after.srt_passphrase != before.srt_passphrase
    with storage.db.session() as session:
        session.get(Meeting, world.meeting_id).status = MeetingStatus.LIVE
    refused = clerk.post(f"/staff/meetings/{world.meeting_id}/stream/rotate", follow_redirects=True)
    assert b"The meeting is live" in refused.data
    assert _meeting(storage, world.meeting_id).stream_key == after.stream_key


@embedded_only
def test_encoder_check_says_plainly_when_nothing_arrives(clerk, storage, world):
    """Live in the database but no segment published: the check says so instead of showing stale figures.
    (The figures of a real stream are checked in tests/streamer/test_encoder_check.py.)"""
    with storage.db.session() as session:
        meeting = session.get(Meeting, world.meeting_id)
        meeting.status, meeting.live_state, meeting.started_at = MeetingStatus.LIVE, "live", utcnow()
        meeting.live_info = {"width": 1280, "height": 720}
    encoder = clerk.get(f"/staff/api/meetings/{world.meeting_id}/status").get_json()["encoder"]
    assert encoder["arriving"] is False and encoder["resolution"] == "1280×720"
    assert encoder["bitrate_kbps"] is None and encoder["audio_level_db"] is None and encoder["advice"] == []
    page = clerk.get(f"/staff/meetings/{world.meeting_id}/stream").data.decode()
    assert "No stream arriving" in page and "1280×720" in page


@embedded_only
def test_end_meeting_now_only_for_live_meetings(clerk, storage, world):
    response = clerk.post(f"/staff/meetings/{world.meeting_id}/end", follow_redirects=True)
    assert b"The meeting is not live" in response.data


@embedded_only
def test_the_relays_advice_reaches_the_clerk(clerk, storage, world):
    """What the ingest noticed about the feed (slow keyframes, re-encoding) is shown on the Stream page."""
    notice = "Keyframes arrive every 8 s, so viewers are about 24 s behind. Set the encoder's keyframe interval to 2 s."
    with storage.db.session() as session:
        meeting = session.get(Meeting, world.meeting_id)
        meeting.status, meeting.started_at = MeetingStatus.LIVE, utcnow()
        meeting.live_info = {"last_segment_at": utcnow().isoformat() + "Z", "notices": {"keyframe_interval": notice}}
    encoder = clerk.get(f"/staff/api/meetings/{world.meeting_id}/status").get_json()["encoder"]
    assert encoder["advice"] == [notice]
    assert notice.replace("'", "&#39;") in clerk.get(f"/staff/meetings/{world.meeting_id}/stream").data.decode()
