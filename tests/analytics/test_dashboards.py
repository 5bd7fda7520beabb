"""What staff see: the meeting and overview pages with charts, CSV downloads, live "watching now", the public
view count switch, players without JavaScript, and ``chamber stats``."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import subprocess
import sys

import pytest

from archive_web.analytics import public_view_count
from archive_web.analytics.figures import meeting_figures
from storage.models import MeetingStatus, Visibility
from storage.users import create_user

from audience import add_meeting, beacon

PASSWORD = "correct horse battery"
CHAPTERS = [("1", "Apologies", 0.0), ("2", "Bus lane on Station Road", 60.0)]


def _watch(client, meeting_id, clock, viewers, seconds, mode="live", address="10.9.0.{n}", start_position=0.0,
           page="viewer"):
    """``viewers`` pages each playing ``seconds`` from ``start_position``, beacons every 15 s of the clock."""
    for step in range(int(seconds // 15)):
        clock.advance(15)
        for n in range(viewers):
            body = beacon(meeting_id, session_id=f"{mode}-{page}-{n:04d}", seq=step, mode=mode,
                          position=start_position + 15 * (step + 1), played=15)
            response = client.post("/api/v1/beacon", json=body, environ_base={"REMOTE_ADDR": address.format(n=n)})
            assert response.status_code == 202


@pytest.fixture
def staff_client(analytics_app, storage):
    analytics_app.config.update(WTF_CSRF_ENABLED=False)
    with storage.db.session() as session:
        create_user(session, "clerk@council.example", PASSWORD, "clerk")
    client = analytics_app.test_client()
    assert client.post("/staff/login", data={"email": "clerk@council.example", "password": PASSWORD}).status_code == 302
    return client


def test_staff_pages_show_figures_charts_and_csv(analytics_app, staff_client, storage, clock):
    anonymous = analytics_app.test_client()
    meeting_id = add_meeting(storage, chapters=CHAPTERS)
    for path in ("/staff/analytics/", f"/staff/analytics/meetings/{meeting_id}", "/staff/analytics/overview.csv",
                 f"/staff/analytics/meetings/{meeting_id}/now.json",
                 f"/staff/analytics/meetings/{meeting_id}/minutes.csv"):
        assert anonymous.get(path).status_code in (302, 401)

    _watch(anonymous, meeting_id, clock, viewers=3, seconds=120)
    page = staff_client.get(f"/staff/analytics/meetings/{meeting_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "3 people tuned in to watch the Planning Committee" in html and "6 minutes were viewed" in html
    assert html.count("<svg") == 2 and "Bus lane on Station Road" in html  # no on-demand views yet: no chart
    assert "watching live now" in html

    now = staff_client.get(f"/staff/analytics/meetings/{meeting_id}/now.json").json
    assert now["viewers"] == 3
    clock.advance(60)
    assert staff_client.get(f"/staff/analytics/meetings/{meeting_id}/now.json").json["viewers"] == 0

    minutes = list(csv.DictReader(io.StringIO(
        staff_client.get(f"/staff/analytics/meetings/{meeting_id}/minutes.csv").get_data(as_text=True))))
    assert sum(float(row["live_minutes"]) for row in minutes) == pytest.approx(6, abs=0.05)
    assert max(int(row["live"]) for row in minutes) == 3
    items = list(csv.DictReader(io.StringIO(
        staff_client.get(f"/staff/analytics/meetings/{meeting_id}/items.csv").get_data(as_text=True))))
    assert [(row["item"], float(row["minutes_viewed"])) for row in items] == [
        ("1. Apologies", 3.0), ("2. Bus lane on Station Road", 3.0)]

    overview = staff_client.get("/staff/analytics/?from=2026-11-01&to=2026-11-30")
    assert overview.status_code == 200 and "Planning Committee" in overview.get_data(as_text=True)
    assert "2026-11" in overview.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(
        staff_client.get("/staff/analytics/overview.csv?from=2026-11-01&to=2026-11-30").get_data(as_text=True))))
    assert [(row["title"], row["people_total"], float(row["minutes_total"])) for row in rows] == [
        ("Planning Committee", "3", 6.0)]
    assert staff_client.get("/staff/analytics/overview.csv?from=2027-01-01").get_data(as_text=True).count("\n") == 1

    assert staff_client.get("/staff/analytics/?from=yesterday").status_code == 400
    assert staff_client.get("/staff/analytics/?committee=abc").status_code == 400
    assert staff_client.get("/staff/analytics/meetings/99999").status_code == 404
    assert staff_client.get(f"/staff/analytics/meetings/{meeting_id}/secrets.csv").status_code == 404


def test_on_demand_views_are_listed_by_day(analytics_app, storage, clock):
    client = analytics_app.test_client()
    meeting_id = add_meeting(storage, status=MeetingStatus.READY)
    clock.advance(86400)
    _watch(client, meeting_id, clock, viewers=2, seconds=30, mode="on_demand")
    clock.advance(86400)
    _watch(client, meeting_id, clock, viewers=1, seconds=30, mode="on_demand", page="second-day")
    figures = meeting_figures(storage, meeting_id)
    assert figures["on_demand_by_day"] == [{"date": "2026-11-04", "views": 2, "minutes_viewed": 1.0},
                                           {"date": "2026-11-05", "views": 1, "minutes_viewed": 0.5}]
    assert figures["people_tuned_in"] == {"live": 0, "on_demand": 3, "total": 3}


def test_public_view_count_follows_the_setting(storage, clock, analytics_app):
    client = analytics_app.test_client()
    meeting_id = add_meeting(storage)
    private_id = add_meeting(storage, "Staffing", visibility=Visibility.PRIVATE)
    _watch(client, meeting_id, clock, viewers=4, seconds=15)
    assert public_view_count(storage, meeting_id) is None
    switched_on = dataclasses.replace(storage, settings=dataclasses.replace(storage.settings,
                                                                           show_public_view_counts=True))
    assert public_view_count(switched_on, meeting_id) == 4
    assert public_view_count(switched_on, private_id) is None


def test_players_without_javascript_are_counted_separately(analytics_app, storage, clock):
    client = analytics_app.test_client()
    meeting_id = add_meeting(storage)
    storage.blobs.put_bytes(f"live/{meeting_id}/seg_00001.ts", b"\x47" * 188, "video/mp2t")
    vlc = {"REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": "VLC/3.0.18 LibVLC/3.0.18"}
    browser = {"REMOTE_ADDR": "192.0.2.20", "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120"}
    for _ in range(30):
        assert client.get(f"/media/live/{meeting_id}/seg_00001.ts", environ_base=vlc).status_code in (200, 302)
        assert client.get(f"/media/live/{meeting_id}/seg_00001.ts", environ_base=browser).status_code in (200, 302)
    assert client.post("/api/v1/beacon", json=beacon(meeting_id), environ_base=browser).status_code == 202
    client.get(f"/media/live/{meeting_id}/master.m3u8", environ_base=vlc)  # playlists are not segments
    analytics_app.extensions["analytics"].maintenance.run_once()
    figures = meeting_figures(storage, meeting_id)
    assert figures["clients_without_javascript"] == {
        "clients": 1, "live": 1, "on_demand": 0,
        "minutes_estimated": round(30 * storage.settings.hls_segment_seconds / 60, 1)}
    assert figures["people_tuned_in"]["total"] == 1  # the browser, counted once, from its beacons


def test_chamber_stats_prints_the_figures(sqlite_app, sqlite_storage, sqlite_env):
    meeting_id = add_meeting(sqlite_storage, chapters=CHAPTERS)
    client = sqlite_app.test_client()
    client.post("/api/v1/beacon", json=beacon(meeting_id, played=15), environ_base={"REMOTE_ADDR": "10.0.0.1"})

    def stats(*args):
        return subprocess.run([sys.executable, "-m", "archive_web.cli", "stats", *args], capture_output=True,
                              text=True, env={**os.environ, **sqlite_env}, timeout=120)

    as_json = stats(str(meeting_id), "--json")
    assert as_json.returncode == 0, as_json.stderr
    record = json.loads(as_json.stdout)
    assert record["people_tuned_in"] == {"live": 1, "on_demand": 0, "total": 1}
    assert record["minutes_viewed"]["total"] == 0.25
    assert set(record) >= {"people_tuned_in", "minutes_viewed", "peak_concurrent", "per_item"}
    assert record["per_item"][0] == {"item": "1. Apologies", "agenda_item_id": record["per_item"][0]["agenda_item_id"],
                                     "start_seconds": 0.0, "minutes_viewed": 0.25}
    text = stats(str(meeting_id))
    assert "1 person tuned in to watch the Planning Committee" in text.stdout
    missing = stats("99999")
    assert missing.returncode != 0 and "There is no meeting 99999" in missing.stderr
