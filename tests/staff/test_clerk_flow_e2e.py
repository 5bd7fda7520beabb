"""A clerk's day in Chromium, with every part of Chamber running as in production: ``chamber web``,
``chamber ingest`` and ``chamber worker`` as processes, and ``chamber simulate`` as the chamber's encoder.

The clerk signs in, sets up a committee and a meeting, prepares and publishes the agenda with a paper, reads the
stream key off the Stream page, watches the encoder check notice the stream, marks two agenda items live, ends the
meeting, waits for the transcript, corrects a mis-heard word, and finds the correction on the public page and in
search. Screenshots go to test-artifacts/staff/ for review.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parents[1] / "web"))
sys.path.append(str(Path(__file__).resolve().parents[1] / "streamer"))

from browser import ARTIFACTS, chromium  # noqa: E402
from live_streams import free_srt_base  # noqa: E402
from processes import ChamberProcess, wait_for_http, wait_until  # noqa: E402
from servers import free_port  # noqa: E402
from site_browser import serious_violations  # noqa: E402
from feeds import speech_feed  # noqa: E402
from staffkit import CLERK, PASSWORD, pdf_with_text  # noqa: E402

from storage import load_settings, open_storage  # noqa: E402
from storage.models import Meeting, TranscriptSegment  # noqa: E402
from storage.users import create_user  # noqa: E402

pytestmark = pytest.mark.e2e
SHOTS = ARTIFACTS / "staff"
FEED_SECONDS = 20
# Long enough that the clerk's "End meeting now" always finds the meeting live, even on a loaded machine where the
# 20 s feed has run out first; the button, not the grace period, ends the meeting.
GRACE_SECONDS = 30
# Seconds of stream between the two "now discussing" clicks, and before the clerk ends the meeting.
ITEM_GAP_SECONDS = 4
TRANSCRIPT_TIMEOUT_MS = 120_000
CORRECTION = "Okonkwo"  # a councillor's name the recogniser could not know
PAPER_TEXT = "Officer report: a twelve month trial of the bus lane"


@dataclass
class Site:
    base: str
    env: dict[str, str]
    storage: object
    logs: Path


@pytest.fixture
def site(tmp_path):
    """A fresh installation with one clerk, its web server, ingest service and transcription worker running."""
    env = {"CHAMBER_DATA_DIR": str(tmp_path / "data"), "CHAMBER_SECRET_KEY": "staff-browser-test",
           "CHAMBER_WEB_PORT": str(free_port()), "CHAMBER_RTMP_PORT": str(free_port()),
           "CHAMBER_INGEST_CONTROL_PORT": str(free_port()), "CHAMBER_SRT_PORT": str(free_srt_base()),
           "CHAMBER_RECONNECT_GRACE_SECONDS": str(GRACE_SECONDS)}
    storage = open_storage(load_settings(env))
    storage.db.upgrade()
    with storage.db.session() as session:
        create_user(session, CLERK, PASSWORD, "clerk", "Casey Clerk")
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = [ChamberProcess(name, args, env, logs) for name, args in
                 (("web", ["web"]), ("ingest", ["ingest"]), ("worker", ["worker"]))]
    web, ingest, _ = processes
    try:
        base = f"http://127.0.0.1:{env['CHAMBER_WEB_PORT']}"
        wait_for_http(f"{base}/healthz", 60, web)
        wait_until(lambda: "Chamber ingest running" in ingest.output() or not ingest.alive(), 60, "the ingest")
        assert ingest.alive(), ingest.output()[-3000:]
        yield Site(base, env, storage, logs)
    finally:
        for process in processes:
            process.stop()
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


def wait_for_stream_position(page, seconds: float) -> None:
    """Until the live status panel (refreshed by the page itself) shows the stream at least ``seconds`` in."""
    page.wait_for_function("""(seconds) => {
        const shown = document.querySelector("[data-field='position']").textContent.trim();
        const parts = shown.split(":").map(Number);
        return parts.every(Number.isFinite) && parts.reduce((total, part) => total * 60 + part, 0) >= seconds;
    }""", arg=seconds, timeout=60_000)


def mark_now_discussing(page, label: str) -> int:
    """Press an item's "now discussing" button; returns the stream second the page then shows beside the item."""
    page.get_by_role("button", name=f"Now discussing {label}").click()
    mark = page.locator(".now-list li.done", has_text=f"Now discussing {label}").locator(".tag")
    mark.wait_for()
    return seconds(re.search(r"\d+:\d\d", mark.text_content()).group(0))


def stem(word: str) -> str:
    """Enough of a word that search's stemming cannot match another form of it (evening, even; meeting, meets)."""
    return word.lower()[:4]


def line_to_correct(lines: list[str], elsewhere: str) -> tuple[int, str]:
    """The first line with a word found nowhere else in the meeting (other lines, titles, agenda, papers), and that
    word: once the clerk corrects it, a search for it must come back empty."""
    taken = Counter(stem(w) for w in re.findall(r"[A-Za-z]{4,}", " ".join([*lines, elsewhere])))
    for number, text in enumerate(lines):
        unique = [w for w in re.findall(r"[A-Za-z]{5,}", text) if taken[stem(w)] == 1]
        if unique:
            return number, unique[0]
    raise AssertionError(f"no transcript line has a word of its own: {lines}")


def agenda_titles(page) -> list[str]:
    """The agenda as the clerk sees it, number and title of each item in order."""
    return [" ".join(text.split()) for text in page.locator(".agenda-item > div:first-child").all_inner_texts()]


def seconds(shown: str) -> int:
    minutes, secs = shown.split(":")
    return int(minutes) * 60 + int(secs)


def search_results(page, base: str, words: str) -> str:
    """Search as a resident does, from the search page's form; returns what the results page says."""
    page.goto(f"{base}/search")
    page.get_by_label("Search transcripts, agendas and papers").fill(words)
    page.get_by_role("button", name="Search", exact=True).click()
    page.locator("#results-heading").wait_for()
    return page.locator("main").inner_text()


def play_and_pause_at(page, at_least: float) -> None:
    """Wait until the player beside the form has played to ``at_least`` seconds, then pause it there."""
    page.wait_for_function("(at) => document.getElementById('meeting-video').currentTime >= at", arg=at_least,
                           timeout=30_000)
    page.evaluate("document.getElementById('meeting-video').pause()")


def test_clerk_prepares_streams_and_corrects_a_meeting(site, page, tmp_path):
    base, storage = site.base, site.storage
    feed = speech_feed(tmp_path / "feed.mp4", FEED_SECONDS)
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
    page.get_by_label("Date and time").fill("2027-01-20T18:30")
    page.get_by_label("Location").fill("Council Chamber")
    page.get_by_role("button", name="Schedule meeting").click()
    meeting_id = int(re.search(r"/staff/meetings/(\d+)$", page.url).group(1))
    shot(page, "03-meeting")

    items = ("1 Apologies for absence", "2 Bus lane, High Street")
    page.get_by_role("link", name="Agenda and papers").click()
    for item in reversed(items):  # added in the wrong order, then put right by dragging
        number, title = item.split(" ", 1)
        page.get_by_label("Number").fill(number)
        page.locator("#title").fill(title)
        page.get_by_role("button", name="Add item").click()
        page.get_by_text("Agenda item added.").wait_for()
    assert agenda_titles(page) == [items[1], items[0]]
    with page.expect_navigation():  # the order is saved, then the page reloads to show what was stored
        page.locator(".agenda-item", has_text=items[0]).drag_to(page.locator(".agenda-item", has_text=items[1]),
                                                                 target_position={"x": 40, "y": 5})
    assert agenda_titles(page) == list(items)
    with storage.db.session() as session:
        assert [i.title for i in session.get(Meeting, meeting_id).agenda_items] == [i.split(" ", 1)[1] for i in items]
    pdf = tmp_path / "Officer report - bus lane.pdf"
    pdf.write_bytes(pdf_with_text(PAPER_TEXT))
    page.locator("#paper-title").fill("Officer report: bus lane")
    page.get_by_label("Agenda item").select_option(label=items[1])
    page.get_by_label("File (PDF, Word, Excel, PowerPoint or OpenDocument)").set_input_files(str(pdf))
    page.get_by_role("button", name="Attach paper").click()
    page.get_by_text("Paper “Officer report: bus lane” attached.").wait_for()
    page.get_by_role("button", name="Publish agenda").click()
    page.get_by_role("button", name="Withdraw agenda").wait_for()
    shot(page, "04-agenda")

    page.get_by_role("link", name="Overview").click()
    page.get_by_label("Who can see this meeting").select_option("public")
    page.get_by_role("button", name="Save visibility").click()
    # Pages with a player or a status panel are checked by their lasting state, not by one-off messages: a
    # response to the panel's poll or the player's fetches can overwrite the session cookie that carries them.
    page.locator(".summary .tag", has_text="public").wait_for()
    meeting = _meeting(storage, meeting_id)
    assert meeting.is_public and meeting.agenda_published

    # The encoder is set up from what the Stream page shows; `chamber simulate` streams with the meeting's key.
    page.get_by_role("link", name="Stream setup").click()
    assert page.locator("#stream-key").inner_text() == meeting.stream_key
    assert page.locator("#rtmp-url").inner_text().endswith(f":{site.env['CHAMBER_RTMP_PORT']}/live")
    page.get_by_role("button", name="Copy Stream key").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.get_by_text("No stream arriving").is_visible()
    encoder = ChamberProcess("simulate", ["simulate", "--meeting", str(meeting_id), "--file", str(feed)], site.env,
                             site.logs)
    try:
        page.get_by_text("Stream arriving").wait_for(timeout=60_000)  # the page notices without a reload
        page.locator("[data-field='encoder.resolution']", has_text="320×180").wait_for(timeout=30_000)
        # Bitrate and the speech's level, measured from the live stream (figures checked in tests/streamer).
        page.locator("[data-field='encoder.bitrate_kbps']", has_text=re.compile(r"^\d+$")).wait_for(timeout=30_000)
        page.locator("[data-field='encoder.audio_level_db']", has_text=re.compile(r"^-\d")).wait_for(timeout=30_000)
        shot(page, "05-stream-setup")

        page.get_by_role("link", name="Live chaptering").click()
        first = mark_now_discussing(page, items[0])
        wait_for_stream_position(page, first + ITEM_GAP_SECONDS)
        second = mark_now_discussing(page, items[1])
        shot(page, "06-live-chaptering")
        with storage.db.session() as session:
            starts = [item.start_seconds for item in session.get(Meeting, meeting_id).agenda_items]
        assert 0 <= starts[0] <= first + 1 and second - 1 <= starts[1] <= FEED_SECONDS + GRACE_SECONDS, starts
        assert starts[1] - starts[0] >= ITEM_GAP_SECONDS - 1, starts
        wait_for_stream_position(page, second + ITEM_GAP_SECONDS)  # the item is discussed for a while

        page.get_by_role("link", name="Stream setup").click()
        page.once("dialog", lambda dialog: dialog.accept())  # "End the meeting now? Viewers will see it has ended."
        page.get_by_role("button", name="End meeting now").click()
        page.locator(".status-panel [data-field='status_label']").filter(
            has_text=re.compile("Ended|Processing|Ready")).wait_for(timeout=60_000)
        encoder.process.wait(timeout=FEED_SECONDS + 30)  # the encoder is cut off, or its file has run out
    finally:
        encoder.stop()
    meeting = _meeting(storage, meeting_id)
    assert meeting.ended_at is not None and 2 * ITEM_GAP_SECONDS <= meeting.duration_seconds <= FEED_SECONDS + 2, \
        meeting.duration_seconds

    # The worker transcribes the recording; the clerk watches the status panel until the transcript is ready.
    page.locator(".status-panel [data-field='transcript.status']", has_text="ready").wait_for(
        timeout=TRANSCRIPT_TIMEOUT_MS)
    page.get_by_role("link", name="Chapter editor").click()  # the clerk tidies the live marks with the recording
    page.wait_for_function("document.getElementById('meeting-video').readyState >= 1")  # the VOD, via hls.js
    page.get_by_label(items[1]).fill("0:05")
    page.get_by_role("button", name="Play from here").nth(1).click()
    play_and_pause_at(page, 6)
    page.get_by_role("button", name="Use video time").nth(1).click()
    chosen = seconds(page.get_by_label(items[1]).input_value())
    page.get_by_label(items[0]).fill("0:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Save chapter times").click()
    with storage.db.session() as session:
        assert [item.start_seconds for item in session.get(Meeting, meeting_id).agenda_items] == [0.0, chosen]
    assert chosen >= 6

    page.get_by_role("link", name="Transcript").click()
    texts = page.locator("form.segment textarea").evaluate_all("areas => areas.map((area) => area.value)")
    assert any("committee" in text.lower() for text in texts), texts
    target, misheard = line_to_correct(texts, " ".join([meeting.title, "Planning Committee", "Council Chamber",
                                                        *items, PAPER_TEXT]))
    original = texts[target]
    corrected = re.sub(rf"\b{misheard}\b", CORRECTION, original)
    line = page.locator("form.segment").nth(target)
    line.locator("textarea").fill(corrected)
    line.locator("input[name=speaker]").fill("Cllr Jane Smith")
    line.get_by_role("button", name="Save line").click()
    page.locator("form.segment.corrected", has_text=f"Machine heard: {original}").wait_for()
    assert page.locator("form.segment.corrected").count() == 1
    shot(page, "07-transcript")
    with storage.db.session() as session:
        segment = session.query(TranscriptSegment).filter_by(meeting_id=meeting_id, corrected=True).one()
        assert (segment.text, segment.original_text) == (corrected, original)

    public = page.context.browser.new_context().new_page()  # a resident, not signed in
    public.goto(f"{base}/meetings/{meeting_id}")
    corrected_line = public.locator("#transcript li", has_text=CORRECTION)
    corrected_line.wait_for()
    assert "Corrected" in corrected_line.inner_text()
    assert "Cllr Jane Smith" in corrected_line.inner_text()
    body = public.locator("body").inner_text()
    assert "Bus lane, High Street" in body and "Officer report: bus lane" in body
    public.screenshot(path=str(SHOTS / "08-public-page.png"), full_page=True)

    found = search_results(public, base, CORRECTION)
    assert "1 meeting found" in found and "Planning Committee – January" in found, found
    assert CORRECTION in public.locator(".hits").inner_text()
    public.screenshot(path=str(SHOTS / "09-search.png"), full_page=True)
    gone = search_results(public, base, misheard)
    assert "0 meetings found" in gone and "Planning Committee – January" not in gone, gone
