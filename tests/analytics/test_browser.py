"""A real browser on the real meeting page: 40 s of playing (with a pause in the middle that must not count)
becomes about 40 s of viewing in the figures, split over the agenda items by media position."""

from __future__ import annotations

import time
from pathlib import Path

import ffmpeg
import pytest

from archive_web.analytics.figures import meeting_figures
from storage.models import MeetingStatus
from storage.users import create_user

from audience import add_meeting
from processes import ChamberProcess, wait_for_http, wait_until
from servers import free_port

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic", "--autoplay-policy=no-user-gesture-required"]
PLAYING = "(target) => document.getElementById('meeting-video').currentTime >= target"


def make_mp4(path: Path, seconds: int = 60) -> Path:
    video = ffmpeg.input(f"testsrc2=size=160x90:rate=10:duration={seconds}", f="lavfi")
    audio = ffmpeg.input(f"sine=frequency=440:duration={seconds}", f="lavfi")
    (ffmpeg.output(video, audio, str(path), vcodec="libx264", preset="ultrafast", pix_fmt="yuv420p",
                   **{"profile:v": "baseline", "movflags": "+faststart"}, acodec="aac", shortest=None)
     .overwrite_output().run(quiet=True))
    return path


@pytest.mark.e2e
def test_forty_seconds_of_playing_is_forty_seconds_of_viewing(sqlite_storage, sqlite_env, tmp_path):
    from playwright.sync_api import sync_playwright

    meeting_id = add_meeting(sqlite_storage, chapters=[("1", "Apologies", 0.0), ("2", "Budget", 30.0)],
                             status=MeetingStatus.READY)
    sqlite_storage.blobs.put_file(f"meetings/{meeting_id}/media/meeting.mp4", make_mp4(tmp_path / "meeting.mp4"),
                                  "video/mp4")
    port = free_port()
    server = ChamberProcess("web", ["web", "--port", str(port)], sqlite_env, tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", process=server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"{base}/meetings/{meeting_id}")
            page.evaluate("() => { const v = document.getElementById('meeting-video'); v.muted = true; v.play(); }")
            page.wait_for_function(PLAYING, arg=20, timeout=60_000)
            page.evaluate("() => document.getElementById('meeting-video').pause()")
            time.sleep(6)  # paused: none of this may count
            page.evaluate("() => document.getElementById('meeting-video').play()")
            page.wait_for_function(PLAYING, arg=40, timeout=60_000)
            played = page.evaluate("() => document.getElementById('meeting-video').currentTime")
            (REPO / "test-artifacts").mkdir(exist_ok=True)
            page.screenshot(path=str(REPO / "test-artifacts" / "analytics-meeting-page.png"))
            page.goto("about:blank")  # page hide: the last beacon goes out now

            def viewed() -> float:
                return meeting_figures(sqlite_storage, meeting_id)["minutes_viewed"]["total"] * 60

            wait_until(lambda: viewed() >= played - 2, timeout=10, interval=0.5, what="the final beacon")
            figures = meeting_figures(sqlite_storage, meeting_id)
            staff_page = _staff_analytics_page(page, base, sqlite_storage, meeting_id)
            browser.close()
    finally:
        server.stop()
    assert figures["minutes_viewed"]["on_demand"] * 60 == pytest.approx(played, abs=2)
    assert figures["people_tuned_in"] == {"live": 0, "on_demand": 1, "total": 1}
    items = {row["item"]: row["minutes_viewed"] * 60 for row in figures["per_item"]}
    assert items["1. Apologies"] == pytest.approx(30, abs=2)
    assert items["2. Budget"] == pytest.approx(played - 30, abs=2)
    assert "1 person tuned in to watch the Planning Committee" in staff_page


def _staff_analytics_page(page, base: str, storage, meeting_id: int) -> str:
    """Sign in as a clerk and open the meeting's audience page; keeps a screenshot for review."""
    with storage.db.session() as session:
        create_user(session, "clerk@council.example", "correct horse battery", "clerk")
    page.goto(f"{base}/staff/analytics/meetings/{meeting_id}")
    page.fill("input[name=email]", "clerk@council.example")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_selector("svg.chart")
    page.screenshot(path=str(REPO / "test-artifacts" / "analytics-staff-meeting.png"), full_page=True)
    return page.content()
