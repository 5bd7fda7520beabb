"""The ``chamber`` command as an operator uses it."""

import json
import os
import subprocess
import sys


def chamber(*args, input_text=None):
    return subprocess.run([sys.executable, "-m", "archive_web.cli", *args], capture_output=True, text=True,
                          input=input_text, env=os.environ, timeout=120)


def test_committee_meeting_and_user_records(backend_env):
    created = chamber("committee", "add", "Planning Committee", "--json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["slug"] == "planning-committee"

    meeting = chamber("meeting", "add", "--committee", "planning-committee", "--title", "Planning, December",
                      "--start", "2026-12-01T18:30:00+00:00", "--public", "--json")
    assert meeting.returncode == 0, meeting.stderr
    record = json.loads(meeting.stdout)
    assert record["id"] >= 1 and record["visibility"] == "public"
    assert record["rtmp_url"].startswith("rtmp://") and record["rtmp_url"].endswith("/live")
    assert len(record["stream_key"]) >= 20 and len(record["srt_passphrase"]) >= 10

    assert record["start"] == "2026-12-01T18:30:00Z"
    human = chamber("meeting", "add", "--committee", "planning-committee", "--title", "Second",
                    "--start", "2026-12-08T18:30")
    assert "Stream key:" in human.stdout and "RTMP server:" in human.stdout
    # Without an offset the time is the council's (CHAMBER_TIMEZONE, Europe/London): in July that is BST.
    summer = chamber("meeting", "add", "--committee", "planning-committee", "--title", "Summer", "--start",
                     "2027-07-06T18:30", "--json")
    assert json.loads(summer.stdout)["start"] == "2027-07-06T17:30:00Z"
    assert "18:30 BST" in chamber("meeting", "add", "--committee", "planning-committee", "--title", "Summer 2",
                                  "--start", "2027-07-13T18:30").stdout

    os.environ["CHAMBER_NEW_PASSWORD"] = "correct horse battery"
    try:
        admin = chamber("user", "add", "clerk@council.gov.uk", "--role", "admin", "--json")
    finally:
        del os.environ["CHAMBER_NEW_PASSWORD"]
    assert admin.returncode == 0, admin.stderr
    assert json.loads(admin.stdout)["role"] == "admin"


def test_mistakes_are_explained_not_tracebacks(backend_env):
    missing = chamber("meeting", "add", "--committee", "nope", "--title", "T", "--start", "2026-12-01T18:30")
    assert missing.returncode != 0
    assert "No committee with slug 'nope'" in missing.stderr and "Traceback" not in missing.stderr

    chamber("committee", "add", "Licensing")
    bad_date = chamber("meeting", "add", "--committee", "licensing", "--title", "T", "--start", "next tuesday")
    assert bad_date.returncode != 0 and "ISO 8601" in bad_date.stderr

    os.environ["CHAMBER_NEW_PASSWORD"] = "short"
    try:
        weak = chamber("user", "add", "a@b.org")
    finally:
        del os.environ["CHAMBER_NEW_PASSWORD"]
    assert weak.returncode != 0 and "at least 10 characters" in weak.stderr


def test_bad_setting_fails_at_start_naming_the_variable(tmp_path):
    result = subprocess.run([sys.executable, "-m", "archive_web.cli", "db", "upgrade"], capture_output=True,
                            text=True, env={**os.environ, "CHAMBER_DATA_DIR": str(tmp_path),
                                            "CHAMBER_WEB_PORT": "http"})
    assert result.returncode != 0 and "CHAMBER_WEB_PORT" in result.stderr
