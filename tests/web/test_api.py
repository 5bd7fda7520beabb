"""The open-data API: committees, meetings with filters and pages, one meeting's agenda/media/transcript links,
and the transcript's segments; malformed requests get 400s that say what is accepted, hidden meetings 404."""

from __future__ import annotations

from datetime import datetime

from archive_builder import Line

from storage.models import MeetingStatus, TranscriptStatus, Visibility


def test_committees_are_listed_with_links(client, archive):
    archive.committee("Planning Committee", "Planning applications")
    body = client.get("/api/v1/committees").get_json()
    assert body["committees"] == [{
        "slug": "planning-committee", "name": "Planning Committee", "description": "Planning applications",
        "archived": False, "url": "http://localhost/committees/planning-committee",
        "meetings": "http://localhost/api/v1/meetings?committee=planning-committee",
        "calendar": "http://localhost/committees/planning-committee/calendar.ics"}]


def test_meetings_filter_by_status_and_committee_and_page(client, archive):
    planning, cabinet = archive.committee("Planning"), archive.committee("Cabinet")
    live = archive.meeting(planning, "Planning live", datetime(2026, 3, 1), status=MeetingStatus.LIVE)
    archive.meeting(planning, "Planning earlier", datetime(2026, 2, 1))
    archive.meeting(cabinet, "Cabinet", datetime(2026, 1, 1))
    archive.meeting(cabinet, "Cabinet draft", datetime(2026, 4, 1), visibility=Visibility.DRAFT)

    everything = client.get("/api/v1/meetings").get_json()
    assert [m["title"] for m in everything["meetings"]] == ["Planning live", "Planning earlier", "Cabinet"]
    assert everything["total"] == 3
    only_live = client.get("/api/v1/meetings?status=live").get_json()["meetings"]
    assert [(m["id"], m["live"], m["status"]) for m in only_live] == [(live, True, "live")]
    assert [m["title"] for m in client.get("/api/v1/meetings?committee=cabinet").get_json()["meetings"]] == ["Cabinet"]
    first = client.get("/api/v1/meetings?per_page=2").get_json()
    assert len(first["meetings"]) == 2 and first["next"].endswith("per_page=2&page=2")
    assert [m["title"] for m in client.get(first["next"]).get_json()["meetings"]] == ["Cabinet"]


def test_bad_filters_are_400_with_a_message(client):
    for query, message in (("status=finished", "status must be one of"),
                           ("per_page=500", "per_page must be a whole number"),
                           ("page=abc", "page must be a whole number")):
        response = client.get(f"/api/v1/meetings?{query}")
        assert response.status_code == 400, query
        assert message in response.get_json()["message"]


def test_meeting_record_has_agenda_media_and_transcript(client, archive, storage):
    committee = archive.committee("Planning")
    meeting = archive.meeting(committee, "Planning Committee", datetime(2026, 3, 4, 18, 30), duration=5400,
                              agenda=[("1", "Apologies", 0.0), ("2", "Bus lane", 65.5)])
    archive.paper(meeting, "Officer report", item_number="2")
    archive.transcript(meeting, [Line(0, 3, "Welcome.", "Chair"), Line(65.5, 70, "The bus lane.", corrected=True)])
    storage.blobs.put_bytes(f"meetings/{meeting}/vod/index.m3u8", b"#EXTM3U\n")
    storage.blobs.put_bytes(f"meetings/{meeting}/media/meeting.mp4", b"\0" * 100)
    record = client.get(f"/api/v1/meetings/{meeting}").get_json()
    base = f"http://localhost/media/meetings/{meeting}"
    assert record["status"] == "ready" and record["duration"] == 5400
    assert record["scheduled_start"] == "2026-03-04T18:30:00Z"
    assert record["media"] == {"hls": f"{base}/vod/index.m3u8", "mp4": f"{base}/media/meeting.mp4", "mp4_size": 100}
    assert record["transcript"] == {
        "status": "ready", "progress": 100, **{fmt: f"{base}/captions/transcript.{fmt}" for fmt in
                                               ("vtt", "srt", "txt", "json")},
        "segments": f"http://localhost/api/v1/meetings/{meeting}/transcript.json"}
    assert [(item["number"], item["title"], item["start"]) for item in record["agenda"]] == [
        ("1", "Apologies", 0.0), ("2", "Bus lane", 65.5)]
    assert record["agenda"][1]["papers"][0]["url"] == f"http://localhost/meetings/{meeting}/papers/1"

    segments = client.get(f"/api/v1/meetings/{meeting}/transcript.json").get_json()
    assert segments[1] == {"start": 65.5, "end": 70.0, "text": "The bus lane.", "speaker": None, "corrected": True,
                           "words": [{"start": 65.5, "end": 70.0, "word": "The"}]}


def test_meeting_without_media_or_transcript_says_so(client, archive):
    meeting = archive.meeting(archive.committee(), status=MeetingStatus.PROCESSING)
    record = client.get(f"/api/v1/meetings/{meeting}").get_json()
    assert record["media"] == {"hls": None, "mp4": None, "mp4_size": None}
    assert record["transcript"]["status"] == "none" and record["transcript"]["vtt"] is None
    response = client.get(f"/api/v1/meetings/{meeting}/transcript.json")
    assert response.status_code == 404 and "no finished transcript" in response.get_json()["message"]


def test_transcript_in_progress_reports_its_progress(client, archive):
    meeting = archive.meeting(archive.committee())
    archive.transcript(meeting, [], status=TranscriptStatus.RUNNING, progress=0.4)
    transcript = client.get(f"/api/v1/meetings/{meeting}").get_json()["transcript"]
    assert (transcript["status"], transcript["progress"], transcript["segments"]) == ("running", 40, None)


def test_hidden_meetings_are_404_in_the_api(client, archive):
    committee = archive.committee()
    for visibility in (Visibility.DRAFT, Visibility.PRIVATE):
        hidden = archive.meeting(committee, "Hidden", visibility=visibility)
        archive.transcript(hidden, [Line(0, 1, "Confidential.")])
        for path in (f"/api/v1/meetings/{hidden}", f"/api/v1/meetings/{hidden}/transcript.json"):
            response = client.get(path)
            assert response.status_code == 404 and "Confidential" not in response.get_data(as_text=True)
    assert client.get("/api/v1/meetings").get_json()["meetings"] == []
    assert client.get("/api/v1/meetings/99999999999999999999").status_code == 404
