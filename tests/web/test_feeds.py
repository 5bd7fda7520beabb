"""Feeds a resident subscribes to: iCalendar files of upcoming meetings (all, per committee, one meeting) that
calendar apps can read, and an Atom feed announcing new meetings and newly published transcripts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from archive_builder import Line
from icalendar import Calendar

from storage.models import MeetingStatus, Visibility, utcnow

ATOM = "{http://www.w3.org/2005/Atom}"


def events(response) -> list:
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data).walk("VEVENT")


def test_calendar_lists_upcoming_public_meetings(client, archive):
    planning, cabinet = archive.committee("Planning Committee"), archive.committee("Cabinet")
    start = datetime(2031, 1, 14, 18, 0)
    soon = archive.meeting(planning, "Planning Committee", start, status=MeetingStatus.SCHEDULED,
                           location="Council Chamber", agenda=[("1", "Apologies", None), ("2", "Bus lane", None)])
    archive.meeting(cabinet, "Cabinet", start + timedelta(days=1), status=MeetingStatus.SCHEDULED)
    archive.meeting(planning, "Last month", utcnow() - timedelta(days=30))
    archive.meeting(planning, "Draft", start, status=MeetingStatus.SCHEDULED, visibility=Visibility.DRAFT)

    every = events(client.get("/calendar.ics"))
    assert [str(e["SUMMARY"]) for e in every] == ["Planning Committee", "Cabinet"]
    event = every[0]
    assert event.decoded("DTSTART") == start.replace(tzinfo=timezone.utc)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=2)
    assert str(event["LOCATION"]) == "Council Chamber"
    assert str(event["URL"]) == f"http://localhost/meetings/{soon}"
    assert "2 Bus lane" in str(event["DESCRIPTION"])
    assert [str(e["SUMMARY"]) for e in events(client.get("/committees/cabinet/calendar.ics"))] == ["Cabinet"]


def test_one_meeting_calendar_entry(client, archive):
    meeting = archive.meeting(archive.committee(), "Licensing Sub-Committee", datetime(2031, 2, 1, 10, 0),
                              status=MeetingStatus.SCHEDULED)
    response = client.get(f"/meetings/{meeting}/calendar.ics")
    assert f'filename="meeting-{meeting}.ics"' in response.headers["Content-Disposition"]
    (event,) = events(response)
    assert str(event["SUMMARY"]) == "Licensing Sub-Committee" and str(event["UID"]).startswith(f"meeting-{meeting}@")


def test_atom_feed_announces_meetings_and_transcripts(client, archive):
    committee = archive.committee("Planning Committee")
    meeting = archive.meeting(committee, "Planning Committee, March")
    archive.transcript(meeting, [Line(0, 2, "Welcome.")])
    archive.meeting(committee, "Secret meeting", visibility=Visibility.PRIVATE)
    response = client.get("/feeds/meetings.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert sorted(titles) == ["Planning Committee, March", "Transcript published: Planning Committee, March"]
    links = {entry.find(f"{ATOM}link").get("href") for entry in feed.iter(f"{ATOM}entry")}
    assert links == {f"http://localhost/meetings/{meeting}"}
