"""The newcomer's path: a fresh clone, the README's run command, and the demo council working in Chromium."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser import chromium, screenshot
from processes import ChamberProcess, wait_for_http, wait_until
from servers import free_port

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
LIVE_SECONDS = 90


def _readme_run_command() -> str:
    """The first command in the README: the one that sets up and runs Chamber with the demo."""
    blocks = re.findall(r"```\n(.*?)\n```", (REPO / "README.md").read_text(), re.S)
    return blocks[0].strip()


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _assert_found(base: str, query: str, meeting_id: int) -> None:
    found = _get_json(f"{base}/api/v1/search?q=" + urllib.parse.quote(query))
    results = {r["meeting_id"]: r for r in found["results"]}
    assert meeting_id in results, (query, found)
    assert results[meeting_id]["hits"][0]["url"].startswith(f"/meetings/{meeting_id}?t="), results[meeting_id]


@pytest.fixture
def fresh_clone(tmp_path):
    if not (REPO / ".git").exists():
        pytest.fail("the demo test clones the repository; run it from a git checkout")
    clone = tmp_path / "chamber"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    return clone


def test_readme_run_command_brings_up_the_demo_council(fresh_clone, tmp_path):
    port = free_port()
    env = {"CHAMBER_WEB_PORT": str(port), "CHAMBER_RTMP_PORT": str(free_port()),
           "CHAMBER_INGEST_CONTROL_PORT": str(free_port()), "CHAMBER_SRT_PORT": str(21000 + os.getpid() % 20000),
           "CHAMBER_DEMO_LIVE_SECONDS": str(LIVE_SECONDS),
           "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")}
    env.pop("VIRTUAL_ENV", None)
    command = _readme_run_command()
    demo = ChamberProcess("demo", ["bash", "-c", f"cd {fresh_clone} && {command}"], env, tmp_path, program=[])
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", timeout=600, process=demo)
        wait_until(lambda: "staff/login" in demo.output() and "demo-clerk-password" in demo.output(), 60,
                   "the terminal saying where to sign in", 1)

        live = wait_until(lambda: _get_json(f"{base}/api/v1/meetings?status=live")["meetings"], 120,
                          "a demo meeting live", 1)[0]
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/meetings/{live['id']}")
            page.evaluate("() => { const v = document.getElementById('meeting-video'); v.muted = true; v.play(); }")
            start = page.evaluate("() => document.getElementById('meeting-video').currentTime")
            page.wait_for_function(f"() => document.getElementById('meeting-video').currentTime > {start} + 3",
                                   timeout=60_000)
            screenshot(page, "demo-live-meeting")

            page.goto(f"{base}/staff/login")
            page.fill("input[name=email]", "clerk@demo.chamber.invalid")
            page.fill("input[name=password]", "demo-clerk-password")
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r".*/staff/?$"), timeout=15_000)
            assert "Sign out" in page.content()
            screenshot(page, "demo-staff-home")

        def transcribed(meeting_id):
            detail = _get_json(f"{base}/api/v1/meetings/{meeting_id}")
            return detail if detail["transcript"]["status"] == "ready" else None

        past = next(m for m in _get_json(f"{base}/api/v1/meetings")["meetings"] if "last month" in m["title"])
        wait_until(lambda: transcribed(past["id"]), 300, "the past demo meeting transcribed", 3)
        _assert_found(base, '"flood risk"', past["id"])

        # The live meeting's encoder stops after LIVE_SECONDS: it becomes a recording, then a searchable transcript.
        ended = wait_until(lambda: transcribed(live["id"]), LIVE_SECONDS + 300, "the live demo transcribed", 3)
        assert ended["media"]["mp4"] and abs(ended["duration"] - LIVE_SECONDS) < 15, ended
        _assert_found(base, "library budget", live["id"])
    finally:
        demo.kill(signal.SIGINT)
        try:
            demo.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill(signal.SIGKILL)
        demo.stop()
        leftover = subprocess.run(["pgrep", "-f", str(fresh_clone)], capture_output=True, text=True).stdout.split()
        for pid in leftover:
            os.kill(int(pid), signal.SIGKILL)
        assert not leftover, "Ctrl-C stopped every process"
