"""The public pages as a resident reads them (server-rendered, so this is also what works without JavaScript):
home, live, committee and meeting pages, honest statuses, and nothing unpublished anywhere."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from archive_builder import Line

from archive_web import create_app
from storage.models import MeetingStatus, TranscriptStatus, ViewerSession, ViewMode, Visibility, utcnow


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_home_shows_live_upcoming_recent_and_committees(client, archive):
    planning = archive.committee("Planning Committee")
    archive.committee("Licensing Committee")
    archive.meeting(planning, "Planning – special meeting", utcnow(), status=MeetingStatus.LIVE)
    archive.meeting(planning, "Planning Committee, December", utcnow() + timedelta(days=5),
                    status=MeetingStatus.SCHEDULED, agenda=[("1", "Apologies", None), ("2", "Bus lane", None)])
    archive.meeting(planning, "Planning Committee, October", utcnow() - timedelta(days=30))
    page = text(client.get("/"))
    live_banner = page.split('class="live-banner"')[1].split("</section>")[0]
    assert "Planning – special meeting" in live_banner and "Watch live" in live_banner
    upcoming = page.split('id="upcoming-heading"')[1].split('id="recent-heading"')[0]
    assert "Planning Committee, December" in upcoming and "Bus lane" in upcoming
    assert "Planning Committee, October" in page.split('id="recent-heading"')[1]
    assert "Licensing Committee" in page and "/committees/planning-committee" in page


def test_live_redirects_to_the_one_live_meeting(client, archive):
    committee = archive.committee()
    assert "No meeting is being broadcast" in text(client.get("/live"))
    meeting = archive.meeting(committee, status=MeetingStatus.LIVE)
    response = client.get("/live")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/meetings/{meeting}")


def test_committee_page_is_newest_first_paginated_and_filtered_by_year(client, archive):
    committee = archive.committee("Cabinet")
    for month in range(1, 13):
        archive.meeting(committee, f"Cabinet 2025-{month:02d}", datetime(2025, month, 10, 18, 0))
    for month in range(1, 11):
        archive.meeting(committee, f"Cabinet 2024-{month:02d}", datetime(2024, month, 10, 18, 0))
    first = text(client.get("/committees/cabinet"))
    titles = re.findall(r"Cabinet (\d{4}-\d{2})</a>", first)
    assert titles[0] == "2025-12" and titles == sorted(titles, reverse=True) and len(titles) == 20
    assert "Page 1 of 2" in first and "Older meetings" in first
    second = text(client.get("/committees/cabinet?page=2"))
    assert re.findall(r"Cabinet (\d{4}-\d{2})</a>", second) == ["2024-02", "2024-01"]
    in_2024 = text(client.get("/committees/cabinet?year=2024"))
    assert set(re.findall(r"Cabinet (\d{4})-\d{2}</a>", in_2024)) == {"2024"} and "10 meetings" in in_2024
    assert '<option value="2024" selected>' in in_2024


def test_committee_page_rejects_malformed_filters_with_400(client, archive):
    archive.committee("Cabinet")
    for query in ("year=twenty", "page=0", "page=-1", "year=99999"):
        response = client.get(f"/committees/cabinet?{query}")
        assert response.status_code == 400, query
        assert "whole number" in response.get_data(as_text=True)


def test_unknown_committee_is_404(client):
    assert client.get("/committees/no-such-committee").status_code == 404


def recorded_meeting(archive, storage):
    committee = archive.committee()
    meeting = archive.meeting(committee, "Planning Committee", duration=7300,
                              agenda=[("1", "Apologies", 0.0), ("2", "Bus lane, High Street", 125.0),
                                      ("3", "Any other business", None)])
    archive.paper(meeting, "Officer report", item_number="2")
    archive.paper(meeting, "Minutes of the last meeting", filename="minutes.pdf")
    archive.transcript(meeting, [Line(0, 4, "Welcome, everyone.", "Chair"),
                                 Line(125.5, 130, "Item two is the bus lane.", corrected=True),
                                 Line(3725, 3730, "That concludes the meeting.")])
    storage.blobs.put_bytes(f"meetings/{meeting}/vod/index.m3u8", b"#EXTM3U\n")
    storage.blobs.put_bytes(f"meetings/{meeting}/media/meeting.mp4", b"\0" * 2048)
    return meeting


def test_meeting_page_has_player_agenda_transcript_and_downloads(client, archive, storage):
    meeting = recorded_meeting(archive, storage)
    page = text(client.get(f"/meetings/{meeting}"))
    assert 'id="meeting-video"' in page and f'data-meeting-id="{meeting}"' in page and 'data-live="false"' in page
    assert f'data-hls="/media/meetings/{meeting}/vod/index.m3u8"' in page
    assert ('<track kind="captions" srclang="en" label="English (automatic captions)" '
            f'src="/media/meetings/{meeting}/captions/transcript.vtt">') in page
    # Agenda: numbers, titles, a seek link where the item has a start, papers.
    assert 'href="?t=125#player" data-seek="125.0">Watch from 2:05' in page
    assert page.count("Watch from") == 2
    assert f"/meetings/{meeting}/papers/1" in page and "Officer report" in page and "Minutes of the last" in page
    # Transcript: timestamps, speaker, corrections, the machine-made note.
    assert '<a class="ts" href="?t=3725#player">1:02:05</a>' in page
    assert '<span class="speaker">Chair:</span> Welcome, everyone.' in page
    assert "may contain errors" in page and "corrected 1 line" in page
    assert page.count(">Corrected</span>") == 1
    # Downloads.
    for label in ("Video of the meeting", "Captions (WebVTT)", "Captions (SRT)", "Transcript (plain text)",
                  "Transcript with word timings (JSON)"):
        assert label in page
    assert "(MP4, 2.0 KB)" in page
    assert 'src="/static/js/player.js"' in page and 'src="/static/js/beacon.js"' in page


def test_t_parameter_reaches_the_player(client, archive, storage):
    meeting = recorded_meeting(archive, storage)
    assert 'data-start="125.5"' in text(client.get(f"/meetings/{meeting}?t=125.5"))
    assert 'meeting.mp4#t=125.5"' in text(client.get(f"/meetings/{meeting}?t=125.5"))
    for nonsense in ("abc", "-5", "nan", "inf"):
        assert 'data-start="0.0"' in text(client.get(f"/meetings/{meeting}?t={nonsense}"))


def test_scheduled_meeting_shows_time_agenda_papers_and_calendar_link(client, archive):
    committee = archive.committee()
    meeting = archive.meeting(committee, "Planning Committee", datetime(2030, 6, 4, 17, 30),
                              status=MeetingStatus.SCHEDULED, agenda=[("1", "Apologies", None)])
    archive.paper(meeting, "Agenda pack", item_number="1")
    page = text(client.get(f"/meetings/{meeting}"))
    assert "This meeting has not started yet" in page
    assert "Tuesday 4 June 2030 at 6:30pm" in page  # 17:30 UTC is 6:30pm British Summer Time
    assert "Apologies" in page and "Agenda pack" in page
    assert f'href="/meetings/{meeting}/calendar.ics"' in page and "Add to calendar" in page
    assert "meeting-video" not in page


def test_statuses_say_honestly_what_is_happening(client, archive, storage):
    committee = archive.committee()
    processing = archive.meeting(committee, status=MeetingStatus.PROCESSING)
    assert "The recording is being processed" in text(client.get(f"/meetings/{processing}"))

    transcribing = archive.meeting(committee, status=MeetingStatus.READY)
    storage.blobs.put_bytes(f"meetings/{transcribing}/vod/index.m3u8", b"#EXTM3U\n")
    archive.transcript(transcribing, [], status=TranscriptStatus.RUNNING, progress=0.4)
    page = text(client.get(f"/meetings/{transcribing}"))
    assert "Transcript in progress (40%)" in page and "recording is being processed" not in page

    failed = archive.meeting(committee, status=MeetingStatus.READY)
    archive.transcript(failed, [], status=TranscriptStatus.FAILED)
    assert "The automatic transcript could not be made" in text(client.get(f"/meetings/{failed}"))

    live = archive.meeting(committee, status=MeetingStatus.RECONNECTING)
    storage.blobs.put_bytes(f"live/{live}/master.m3u8", b"#EXTM3U\n")
    page = text(client.get(f"/meetings/{live}"))
    assert "The live stream has been interrupted" in page and 'data-live="true"' in page
    assert f'data-hls="/media/live/{live}/master.m3u8"' in page and "Go to live" in page

    cancelled = archive.meeting(committee, status=MeetingStatus.CANCELLED)
    assert "This meeting has been cancelled" in text(client.get(f"/meetings/{cancelled}"))


def test_unpublished_meetings_appear_nowhere_on_the_site(client, archive):
    committee = archive.committee("Planning Committee")
    public = archive.meeting(committee, "Public planning meeting")
    for visibility, when in ((Visibility.DRAFT, 3), (Visibility.PRIVATE, -3)):
        hidden = archive.meeting(committee, f"Hidden {visibility.value} meeting", utcnow() + timedelta(days=when),
                                 status=MeetingStatus.LIVE if when < 0 else MeetingStatus.SCHEDULED,
                                 visibility=visibility)
        assert client.get(f"/meetings/{hidden}").status_code == 404
        assert client.get(f"/meetings/{hidden}/calendar.ics").status_code == 404
    for path in ("/", "/live", "/committees/planning-committee", "/calendar.ics", "/feeds/meetings.atom",
                 "/committees/planning-committee/calendar.ics"):
        body = client.get(path).get_data(as_text=True)
        assert "Hidden" not in body, path
    assert "Public planning meeting" in text(client.get("/committees/planning-committee"))
    assert client.get(f"/meetings/{public}").status_code == 200


def test_unpublished_agenda_is_not_shown(client, archive):
    committee = archive.committee()
    meeting = archive.meeting(committee, status=MeetingStatus.SCHEDULED, agenda=[("1", "Confidential item", None)])
    paper = archive.paper(meeting, "Draft report", item_number="1")
    archive.update(meeting, agenda_published=False)
    page = text(client.get(f"/meetings/{meeting}"))
    assert "Confidential item" not in page and "Draft report" not in page
    assert "The agenda has not been published yet" in page
    assert client.get(f"/meetings/{meeting}/papers/{paper}").status_code == 404


def test_audience_figure_shows_only_where_the_council_switched_it_on(archive, storage):
    meeting = archive.meeting(archive.committee())
    with storage.db.session() as session:
        session.add_all(ViewerSession(session_id=f"viewer-{n:04d}", meeting_id=meeting, mode=ViewMode.ON_DEMAND,
                                      played_seconds=600.0) for n in range(3))
    assert "people watched" not in text(create_app(storage=storage).test_client().get(f"/meetings/{meeting}"))
    storage.settings = replace(storage.settings, show_public_view_counts=True)
    assert "3 people watched" in text(create_app(storage=storage).test_client().get(f"/meetings/{meeting}"))
