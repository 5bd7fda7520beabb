"""A clerk's day in Chromium against ``chamber web``: sign in, set up a committee and a meeting, prepare and publish
the agenda with a paper, read the stream key, watch the encoder check, mark agenda items live, correct the
transcript, and see the correction on the public page. Screenshots go to test-artifacts/staff/ for review.

The streamer and the worker are stood in for through the storage API (going live, ending, the transcript); the
end-to-end run with ``chamber simulate`` and the worker is in the integration suite."""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parents[1] / "web"))

from browser import ARTIFACTS, chromium  # noqa: E402
from site_browser import make_video, serious_violations, upload_tree, web_server  # noqa: E402
from servers import free_port  # noqa: E402
from staffkit import CLERK, MINIMAL_PDF, PASSWORD  # noqa: E402

from storage import load_settings, open_storage  # noqa: E402
from storage.models import Meeting, MeetingStatus, Transcript, TranscriptSegment, TranscriptStatus, \
    utcnow  # noqa: E402
from storage.users import create_user  # noqa: E402

pytestmark = pytest.mark.e2e
SHOTS = ARTIFACTS / "staff"
VIDEO_SECONDS = 12
LINES = ["Welcome to the planning committee.", "Item two is the bus lane on the hi street.",
         "Are there any questions from members?"]


@pytest.fixture
def site(tmp_path):
    env = {"CHAMBER_DATA_DIR": str(tmp_path / "data"), "CHAMBER_SECRET_KEY": "staff-browser-test"}
    storage = open_storage(load_settings(env))
    storage.db.upgrade()
    with storage.db.session() as session:
        create_user(session, CLERK, PASSWORD, "clerk", "Casey Clerk")
    try:
        with web_server(env, free_port(), tmp_path / "web.log") as base:
            yield base, storage
    finally:
        storage.close()


@pytest.fixture
def page():
    with chromium() as browser:
        yield browser.new_context(viewport={"width": 1280, "height": 900}).new_page()


def shot(page, name: str) -> None:
    """Keep a screenshot for review, and check the page with axe-core (WCAG 2.2 AA)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert serious_violations(page) == [], name


def _meeting(storage, meeting_id: int) -> Meeting:
    with storage.db.session() as session:
        return session.get(Meeting, meeting_id)


def go_live(storage, meeting_id: int) -> None:
    """What the ingest records when the encoder connects."""
    with storage.db.session() as session:
        meeting = session.get(Meeting, meeting_id)
        meeting.status, meeting.live_state, meeting.started_at = MeetingStatus.LIVE, "receiving", \
            utcnow() - timedelta(seconds=60)
        meeting.live_info = {"width": 1280, "height": 720, "video_bitrate_kbps": 2800, "audio_level_db": -20.0,
                             "keyframe_interval_s": 2, "last_segment_at": utcnow().isoformat()}


def finish_with_transcript(storage, meeting_id: int, video_folder: Path) -> None:
    """What the streamer and the worker record once the meeting ends and is transcribed."""
    upload_tree(storage.blobs, make_video(video_folder, VIDEO_SECONDS) / "hls", f"meetings/{meeting_id}/vod")
    with storage.db.session() as session:
        meeting = session.get(Meeting, meeting_id)
        meeting.status, meeting.ended_at, meeting.duration_seconds = MeetingStatus.READY, utcnow(), 600.0
        transcript = Transcript(meeting_id=meeting_id, model="tiny.en", status=TranscriptStatus.READY, progress=1.0)
        session.add(transcript)
        session.flush()
        for n, text in enumerate(LINES):
            session.add(TranscriptSegment(transcript_id=transcript.id, meeting_id=meeting_id, position=n,
                                          start=60.0 + n * 5, end=64.0 + n * 5, text=text, words=[]))
    index = storage.search
    if index is not None:
        with storage.db.session() as session:
            index.index_meeting(session, meeting_id)


def test_clerk_prepares_runs_and_corrects_a_meeting(site, page, tmp_path):
    base, storage = site
    page.goto(f"{base}/staff/")
    assert "/staff/login" in page.url
    shot(page, "00-sign-in")
    page.get_by_label("Email address").fill(CLERK)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Committee services").wait_for()
    shot(page, "01-dashboard")

    page.get_by_role("link", name="Committees").first.click()
    page.get_by_label("Name").fill("Planning Committee")
    page.get_by_role("button", name="Create committee").click()
    page.locator("#member-name").fill("Cllr Jane Smith")
    page.locator("#member-role").select_option("chair")
    page.get_by_role("button", name="Add member").click()
    assert page.locator("input[value='Cllr Jane Smith']").count() == 1
    shot(page, "02-committee")

    page.get_by_role("link", name="Schedule a meeting").first.click()
    page.get_by_label("Title").fill("Planning Committee – January")
    page.get_by_label("Date and time (UTC)").fill("2027-01-20T18:30")
    page.get_by_label("Location").fill("Council Chamber")
    page.get_by_role("button", name="Schedule meeting").click()
    meeting_id = int(re.search(r"/staff/meetings/(\d+)$", page.url).group(1))
    shot(page, "03-meeting")

    page.get_by_role("link", name="Agenda and papers").click()
    for number, title in (("1", "Apologies for absence"), ("2", "Bus lane, High Street")):
        page.get_by_label("Number").fill(number)
        page.locator("#title").fill(title)
        page.get_by_role("button", name="Add item").click()
        page.get_by_text("Agenda item added.").wait_for()
    pdf = tmp_path / "Officer report - bus lane.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    page.locator("#paper-title").fill("Officer report: bus lane")
    page.get_by_label("Agenda item").select_option(label="2 Bus lane, High Street")
    page.get_by_label("File (PDF, Word, Excel, PowerPoint or OpenDocument)").set_input_files(str(pdf))
    page.get_by_role("button", name="Attach paper").click()
    page.get_by_text("Paper “Officer report: bus lane” attached.").wait_for()
    page.get_by_role("button", name="Publish agenda").click()
    shot(page, "04-agenda")

    page.get_by_role("link", name="Overview").click()
    page.get_by_label("Who can see this meeting").select_option("public")
    page.get_by_role("button", name="Save visibility").click()
    page.get_by_text("Published: the meeting is on the public site.").wait_for()
    meeting = _meeting(storage, meeting_id)
    assert meeting.is_public and meeting.agenda_published

    page.get_by_role("link", name="Stream setup").click()
    assert page.locator("#stream-key").inner_text() == meeting.stream_key
    assert page.locator("#srt-passphrase").inner_text() == meeting.srt_passphrase
    page.get_by_role("button", name="Copy Stream key").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.get_by_text("No stream arriving").is_visible()
    go_live(storage, meeting_id)  # the encoder connects; the page notices without a reload
    page.get_by_text("Stream arriving").wait_for(timeout=10_000)
    page.locator("[data-field='encoder.resolution']", has_text="1280×720").wait_for()
    shot(page, "05-stream-setup")

    page.get_by_role("link", name="Live chaptering").click()
    page.get_by_role("button", name="Now discussing 1 Apologies for absence").click()
    page.get_by_text("Now discussing 1 Apologies for absence (from").wait_for()
    page.get_by_role("button", name="Now discussing 2 Bus lane, High Street").click()
    page.get_by_text("Now discussing 2 Bus lane, High Street (from").wait_for()
    shot(page, "06-live-chaptering")
    with storage.db.session() as session:
        starts = [item.start_seconds for item in session.get(Meeting, meeting_id).agenda_items]
    assert all(s is not None and 55 <= s <= 120 for s in starts) and starts[0] <= starts[1]

    finish_with_transcript(storage, meeting_id, tmp_path / "video")
    page.get_by_role("link", name="Chapter editor").click()
    page.wait_for_function("document.getElementById('meeting-video').readyState >= 1")  # the VOD, via hls.js
    page.get_by_label("2 Bus lane, High Street").fill("0:07")
    page.get_by_role("button", name="Play from here").nth(1).click()
    page.wait_for_function("document.getElementById('meeting-video').currentTime >= 7")
    page.evaluate("document.getElementById('meeting-video').pause()")
    page.get_by_role("button", name="Use video time").first.click()  # item 1 starts where the video is
    assert page.get_by_label("1 Apologies for absence").input_value() == "0:07"
    page.get_by_role("button", name="Save chapter times").click()
    page.get_by_text("Chapter times saved.").wait_for()
    with storage.db.session() as session:
        assert [item.start_seconds for item in session.get(Meeting, meeting_id).agenda_items] == [7.0, 7.0]

    page.get_by_role("link", name="Transcript").click()
    line = page.locator("form.segment").nth(1)
    line.locator("textarea").fill("Item two is the bus lane on the High Street.")
    line.locator("input[name=speaker]").fill("Cllr Jane Smith")
    line.get_by_role("button", name="Save line").click()
    page.get_by_text("Line saved.").wait_for()
    assert page.locator("form.segment.corrected").count() == 1
    shot(page, "07-transcript")
    with storage.db.session() as session:
        segment = session.query(TranscriptSegment).filter_by(meeting_id=meeting_id, position=1).one()
        assert segment.corrected and segment.original_text == LINES[1]

    public = page.context.browser.new_context().new_page()  # a resident, not signed in
    public.goto(f"{base}/meetings/{meeting_id}")
    public.get_by_text("Item two is the bus lane on the High Street.").wait_for()
    body = public.locator("body").inner_text()
    assert "hi street" not in body and "Corrected" in body
    assert "Bus lane, High Street" in body and "Officer report: bus lane" in body
    public.screenshot(path=str(SHOTS / "08-public-page.png"), full_page=True)
