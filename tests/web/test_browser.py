"""The meeting page in Chromium against ``chamber web``: a real recording (ffmpeg test pattern) as HLS and MP4,
a transcript and captions; playback, seeking from the transcript and agenda, stepping through the matches of
find in transcript (also from a site search result), the live edge, accessibility
(axe-core) and screenshots at phone and desktop widths for review (in test-artifacts/)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from archive_builder import Archive, Line
from site_browser import ARTIFACTS, AXE, CHROMIUM_ARGS, HLS_JS, make_video, serious_violations, upload_tree, web_server
from servers import free_port

from storage import load_settings, open_storage
from storage.models import MeetingStatus, Visibility, utcnow

pytestmark = pytest.mark.e2e

LIVE_MASTER = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180\nindex.m3u8\n"
SECONDS = 12
LINES = [Line(i * 1.5, i * 1.5 + 1.5, text, "Chair" if i == 0 else None, corrected=(i == 3)) for i, text in
         enumerate(["Welcome to the meeting of the planning committee.", "First, apologies for absence.",
                    "We have apologies from Councillor Patel.", "Item two is the bus lane on the High Street.",
                    "The officer will introduce the report.", "Residents have raised concerns about parking.",
                    "The scheme would run from seven until ten.", "Are there any questions from members?"])]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A council with one recorded, transcribed meeting, one upcoming, one live and one draft, served by
    ``chamber web``."""
    for needed, how in ((AXE, "npm ci"), (HLS_JS, "npm ci && python -m archive_web.assets")):
        if not needed.exists():
            pytest.fail(f"{needed} is missing: run `{how}` (scripts/setup.sh does both)")
    root = tmp_path_factory.mktemp("site")
    env = {"CHAMBER_DATA_DIR": str(root / "data"), "CHAMBER_SECRET_KEY": "browser-test"}
    storage = open_storage(load_settings(env))
    storage.db.upgrade()
    archive = Archive(storage)
    planning = archive.committee("Planning Committee", "Decides planning applications and transport schemes.")
    archive.committee("Licensing Committee")
    recorded = archive.meeting(planning, "Planning Committee", utcnow() - timedelta(days=2), duration=SECONDS,
                               agenda=[("1", "Apologies for absence", 1.5), ("2", "Bus lane, High Street", 4.5),
                                       ("3", "Any other business", 9.0)])
    archive.paper(recorded, "Officer report: bus lane", item_number="2")
    archive.transcript(recorded, LINES)
    with storage.db.session() as session:
        storage.search.index_meeting(session, recorded)
    video = make_video(root / "video", SECONDS)
    upload_tree(storage.blobs, video / "hls", f"meetings/{recorded}/vod")
    storage.blobs.put_file(f"meetings/{recorded}/media/meeting.mp4", video / "meeting.mp4")
    upcoming = archive.meeting(planning, "Planning Committee", utcnow() + timedelta(days=7),
                               status=MeetingStatus.SCHEDULED, agenda=[("1", "Apologies", None),
                                                                       ("2", "New cycle routes", None)])
    live = archive.meeting(planning, "Planning Committee (special meeting)", utcnow() - timedelta(minutes=30),
                           status=MeetingStatus.LIVE)
    stream = make_video(root / "live", 30, live=True)
    upload_tree(storage.blobs, stream / "hls", f"live/{live}")
    storage.blobs.put_bytes(f"live/{live}/master.m3u8", LIVE_MASTER)
    archive.meeting(planning, "Secret draft meeting", visibility=Visibility.DRAFT)
    storage.close()
    with web_server(env, free_port(), root / "web.log") as base:
        yield {"base": base, "recorded": recorded, "upcoming": upcoming, "live": live, "slug": planning.slug}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def open_meeting(page, site, query: str = "") -> None:
    page.goto(f"{site['base']}/meetings/{site['recorded']}{query}")
    page.wait_for_function("document.getElementById('meeting-video').readyState >= 1", timeout=45000)


def current_time(page) -> float:
    return page.evaluate("document.getElementById('meeting-video').currentTime")


def play_muted(page) -> None:
    page.evaluate("() => { const v = document.getElementById('meeting-video'); v.muted = true; return v.play(); }")


def test_recording_plays_through_hls_js(page, site):
    open_meeting(page, site)
    play_muted(page)
    page.wait_for_function("document.getElementById('meeting-video').currentTime > 1.5", timeout=45000)
    # hls.js feeds the <video> through Media Source Extensions, so its source is a blob: URL.
    assert page.evaluate("document.getElementById('meeting-video').currentSrc").startswith("blob:")


def test_t_parameter_starts_at_that_moment(page, site):
    open_meeting(page, site, "?t=6")
    page.wait_for_function("Math.abs(document.getElementById('meeting-video').currentTime - 6) < 0.3",
                           timeout=30000)


def test_clicking_a_transcript_line_and_an_agenda_item_seeks(page, site):
    open_meeting(page, site)
    page.get_by_text("Residents have raised concerns about parking.").click()
    page.wait_for_function("Math.abs(document.getElementById('meeting-video').currentTime - 7.5) < 0.5",
                           timeout=30000)
    page.get_by_role("link", name="Watch from 0:09 (Any other business)").click()
    page.wait_for_function("Math.abs(document.getElementById('meeting-video').currentTime - 9) < 0.5",
                           timeout=30000)
    expect(page.locator("#agenda li.current .item-title")).to_have_text("Any other business")


def test_keyboard_seeks_and_copies_a_link_to_the_moment(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site["base"])
    page = context.new_page()
    try:
        open_meeting(page, site)
        page.locator('#transcript a.ts[href="?t=6#player"]').focus()
        page.keyboard.press("Enter")
        page.wait_for_function("Math.abs(document.getElementById('meeting-video').currentTime - 6) < 0.5",
                               timeout=30000)
        page.evaluate("document.getElementById('meeting-video').pause()")
        page.get_by_role("button", name="Copy link to this moment").click()
        link = f"{site['base']}/meetings/{site['recorded']}?t=6"
        page.wait_for_function(f"document.getElementById('player-status').textContent.includes('{link}')",
                               timeout=15000)
        assert page.evaluate("navigator.clipboard.readText()") == link
    finally:
        context.close()


def test_agenda_transcript_and_downloads_read_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{site['base']}/meetings/{site['recorded']}")
        assert page.locator("#transcript li").count() == len(LINES)
        assert page.get_by_text("Residents have raised concerns about parking.").is_visible()
        assert page.get_by_role("heading", name="Bus lane, High Street").is_visible()
        assert page.get_by_role("link", name="Captions (WebVTT)").is_visible()
        assert not page.locator("#transcript-tools").is_visible()  # the find box needs JavaScript
    finally:
        context.close()


def test_highlighted_line_follows_playback(page, site):
    open_meeting(page, site)
    play_muted(page)
    page.wait_for_function("document.getElementById('meeting-video').currentTime > 3.2", timeout=45000)
    page.evaluate("document.getElementById('meeting-video').pause()")
    time = current_time(page)
    highlighted = page.locator("#transcript li.current")
    assert highlighted.count() == 1
    assert highlighted.get_attribute("aria-current") == "true"
    start = float(highlighted.get_attribute("data-start"))
    assert start <= time < start + 1.5
    assert page.locator("#agenda li.current .item-title").inner_text() == (
        "Apologies for absence" if time < 4.5 else "Bus lane, High Street")


def test_captions_track_is_labelled_and_loads(page, site):
    open_meeting(page, site)
    track = page.evaluate("""() => { const t = document.getElementById('meeting-video').textTracks[0];
                                     t.mode = 'hidden'; return {kind: t.kind, label: t.label}; }""")
    assert track == {"kind": "captions", "label": "English (automatic captions)"}
    page.wait_for_function("document.getElementById('meeting-video').textTracks[0].cues?.length === 8",
                           timeout=30000)


def wait_for_find_status(page, text: str) -> None:
    page.wait_for_function("(text) => document.getElementById('find-count').textContent === text", arg=text,
                           timeout=15000)


def wait_for_time(page, seconds: float) -> None:
    page.wait_for_function(f"Math.abs(document.getElementById('meeting-video').currentTime - {seconds}) < 0.3",
                           timeout=30000)


def highlighted_words(page) -> list[str]:
    return page.evaluate("[...CSS.highlights.get('find-match')].map((range) => range.toString())")


def test_find_in_transcript_marks_the_lines_and_can_narrow_them(page, site):
    open_meeting(page, site)
    page.get_by_label("Find in transcript").fill("apologies")
    wait_for_find_status(page, "2 lines match")
    assert page.locator("#transcript li.match").count() == 2
    assert page.locator("#transcript li:visible").count() == len(LINES)
    assert highlighted_words(page) == ["apologies", "apologies"]
    page.get_by_label("Show only matching lines").check()
    assert page.locator("#transcript li:visible").count() == 2


def test_next_and_previous_step_through_stemmed_matches_and_seek(page, site):
    open_meeting(page, site)
    box = page.get_by_label("Find in transcript")
    box.fill("apology")  # only the server's stemming finds "apologies"
    wait_for_find_status(page, "2 lines match")
    assert highlighted_words(page) == ["apologies", "apologies"]
    next_match = page.get_by_role("button", name="Next match")
    next_match.click()
    wait_for_find_status(page, "Match 1 of 2, at 0:01")
    wait_for_time(page, 1.5)
    expect(page.locator("#transcript li.match-current")).to_contain_text("First, apologies for absence.")
    next_match.click()
    wait_for_find_status(page, "Match 2 of 2, at 0:03")
    wait_for_time(page, 3.0)
    expect(page.locator("#transcript li.match-current")).to_contain_text("apologies from Councillor Patel")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".transcript-area").screenshot(path=str(ARTIFACTS / "meeting-find-1280px.png"))
    page.get_by_role("button", name="Previous match").click()
    wait_for_find_status(page, "Match 1 of 2, at 0:01")
    wait_for_time(page, 1.5)
    box.press("Enter")
    wait_for_find_status(page, "Match 2 of 2, at 0:03")
    box.press("Enter")  # past the last match, round to the first
    wait_for_find_status(page, "Match 1 of 2, at 0:01")
    box.press("Shift+Enter")
    wait_for_find_status(page, "Match 2 of 2, at 0:03")
    wait_for_time(page, 3.0)
    assert page.evaluate("document.activeElement.id") == "transcript-find"


def test_a_site_search_result_opens_the_meeting_at_its_match(page, site):
    page.goto(f"{site['base']}/search?q=apology")
    page.get_by_role("link", name="Watch from 0:03").click()
    page.wait_for_url(f"**/meetings/{site['recorded']}?t=3&q=apology")
    expect(page.get_by_label("Find in transcript")).to_have_value("apology")
    wait_for_find_status(page, "Match 2 of 2, at 0:03")
    expect(page.locator("#transcript li.match")).to_have_count(2)
    wait_for_time(page, 3.0)
    page.get_by_role("button", name="Previous match").click()
    wait_for_find_status(page, "Match 1 of 2, at 0:01")
    wait_for_time(page, 1.5)


def test_live_meeting_starts_at_the_live_edge(page, site):
    page.goto(f"{site['base']}/meetings/{site['live']}")
    assert page.locator(".live-badge").is_visible()
    page.wait_for_function("document.getElementById('meeting-video').readyState >= 1", timeout=45000)
    play_muted(page)
    # 30 s are listed; the edge is three 2-second segments back from the end.
    page.wait_for_function("document.getElementById('meeting-video').currentTime > 20", timeout=45000)


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_are_accessible_and_captured(browser, site, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    pages = {"home": "/", "committee": f"/committees/{site['slug']}", "meeting": f"/meetings/{site['recorded']}",
             "upcoming-meeting": f"/meetings/{site['upcoming']}", "live-meeting": f"/meetings/{site['live']}"}
    if page.request.get(f"{site['base']}/search?q=bus").status != 404:
        pages["search"] = "/search?q=bus+lane"
    problems = {}
    try:
        for name, path in pages.items():
            page.goto(site["base"] + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}px.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways"
            found = serious_violations(page)
            if found:
                problems[name] = found
    finally:
        context.close()
    assert not problems
