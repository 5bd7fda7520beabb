"""The demo council that ``chamber up --demo`` sets up: what a newcomer sees within minutes of installing.

Two committees with members; a past meeting imported from a generated recording (a scripted debate in several
espeak-ng voices, with agenda chapters) and transcribed by the worker; an upcoming meeting with a published
agenda; and a meeting live now, fed by ``chamber simulate``. Everything is generated on this machine.
Running the demo again reuses what an earlier run created.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from storage.agenda import add_item, set_chapter_start
from storage.meetings import create_committee, create_meeting
from storage.models import Committee, Member, MemberRole, Meeting, utcnow
from storage.users import create_user, find_user

log = logging.getLogger(__name__)

DEMO_EMAIL = "clerk@demo.chamber.invalid"
DEMO_PASSWORD = "demo-clerk-password"


@dataclass(frozen=True)
class Line:
    speaker: str
    voice: str
    text: str


# (agenda number, agenda title, lines spoken under that item)
DEBATE: list[tuple[str, str, list[Line]]] = [
    ("1", "Apologies and declarations of interest", [
        Line("Councillor Patel", "en-gb+m3", "Good evening and welcome to the Planning Committee. We have apologies "
             "from Councillor Hughes. Are there any declarations of interest? I see none."),
    ]),
    ("2", "Station Road bus lane", [
        Line("Officer Grant", "en-gb+f2", "Thank you, Chair. The proposal is a bus lane on Station Road between the "
             "railway bridge and the market square, operating from seven until ten in the morning."),
        Line("Councillor Okafor", "en-gb+m7", "Residents on Station Road have told me they support the bus lane, "
             "but they are worried about deliveries to the shops near the market square."),
        Line("Officer Grant", "en-gb+f2", "Loading bays would remain open outside the morning hours, so deliveries "
             "can continue in the afternoon."),
    ]),
    ("3", "Mill Lane housing application", [
        Line("Councillor Patel", "en-gb+m3", "We move to the Mill Lane application for forty two new homes on the "
             "former dairy site."),
        Line("Councillor Okafor", "en-gb+m7", "The flood risk assessment for Mill Lane concerns me. The river "
             "flooded twice last winter and the drainage plan needs more detail."),
        Line("Councillor Patel", "en-gb+m3", "Then I propose we defer the Mill Lane decision until the drainage "
             "report is complete. All in favour? The motion is carried."),
    ]),
]


def synthesize_debate(workdir: Path) -> tuple[Path, list[tuple[str, str, float]]]:
    """Speak the debate with espeak-ng and put it over a title card; returns the MP4 and each item's start time."""
    from streamer.ffmpeg import ffmpeg_binary

    ffmpeg = ffmpeg_binary()
    parts, chapters, position = [], [], 0.0
    for number, title, lines in DEBATE:
        chapters.append((number, title, position))
        for i, line in enumerate(lines):
            wav = workdir / f"{number}-{i}.wav"
            subprocess.run(["espeak-ng", "-v", line.voice, "-s", "150", "-w", str(wav), line.text], check=True)
            parts.append(wav)
            position += _duration(wav) + 0.6
    concat = workdir / "list.txt"
    concat.write_text("".join(f"file '{p}'\nfile '{workdir / 'gap.wav'}'\n" for p in parts))
    subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "0.6",
                    str(workdir / "gap.wav")], check=True)
    audio = workdir / "debate.wav"
    subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(concat),
                    str(audio)], check=True)
    video = workdir / "planning-committee.mp4"
    subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                    "-i", str(audio), "-shortest", "-c:v", "libx264", "-preset", "veryfast", "-g", "50",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", str(video)], check=True)
    return video, chapters


def _duration(path: Path) -> float:
    import wave

    with wave.open(str(path)) as handle:
        return handle.getnframes() / handle.getframerate()


def _committee(session, name: str, members: list[tuple[str, MemberRole]]) -> Committee:
    existing = session.scalar(select(Committee).where(Committee.name == name))
    if existing:
        return existing
    committee = create_committee(session, name, description=f"The council's {name}.")
    committee.members = [Member(name=n, role=r) for n, r in members]
    return committee


def seed(storage) -> dict[str, int]:
    """Create the demo records that do not exist yet; returns the ids of the demo meetings."""
    now = utcnow().replace(second=0, microsecond=0)
    with storage.db.session() as session:
        if not find_user(session, DEMO_EMAIL):
            create_user(session, DEMO_EMAIL, DEMO_PASSWORD, "admin", "Demo Clerk")
        planning = _committee(session, "Planning Committee", [
            ("Councillor Asha Patel", MemberRole.CHAIR), ("Councillor Femi Okafor", MemberRole.COUNCILLOR),
            ("Councillor Gwen Hughes", MemberRole.COUNCILLOR), ("Ruth Grant", MemberRole.OFFICER)])
        licensing = _committee(session, "Licensing Committee", [
            ("Councillor Tom Baines", MemberRole.CHAIR), ("Councillor Mei Chen", MemberRole.COUNCILLOR)])
        ids = {m.title: m.id for m in session.scalars(select(Meeting).where(
            Meeting.committee_id.in_([planning.id, licensing.id])))}
        if "Licensing Committee, next month" not in ids:
            upcoming = create_meeting(session, licensing, "Licensing Committee, next month",
                                      now + timedelta(days=14), public=True, location="Council Chamber, Town Hall")
            for number, title in (("1", "Apologies"), ("2", "Market Street late-night licence"),
                                  ("3", "Street trading consents")):
                add_item(session, upcoming, number, title)
            ids[upcoming.title] = upcoming.id
        if "Planning Committee, live now" not in ids:
            live = create_meeting(session, planning, "Planning Committee, live now", now, public=True,
                                  location="Council Chamber, Town Hall")
            for number, title, _ in DEBATE:
                add_item(session, live, number, title)
            ids[live.title] = live.id
        for meeting_id in ids.values():
            storage.search.index_meeting(session, meeting_id)
        return {"upcoming": ids["Licensing Committee, next month"], "live": ids["Planning Committee, live now"],
                "past": ids.get("Planning Committee, last month")}


def import_past_meeting(storage) -> int:
    from streamer.importer import queue_import

    with tempfile.TemporaryDirectory(prefix="chamber-demo-") as tmp:
        video, chapters = synthesize_debate(Path(tmp))
        day = (utcnow() - timedelta(days=30)).date()
        meeting_id = queue_import(storage, str(video), "planning-committee", "Planning Committee, last month", day,
                                  public=True)
    with storage.db.session() as session:
        meeting = session.get(Meeting, meeting_id)
        for number, title, start in chapters:
            set_chapter_start(add_item(session, meeting, number, title), start)
    return meeting_id


def start_demo(storage, url: str) -> threading.Thread:
    """Seed the demo, then (in the background) import the past meeting and start the live encoder."""
    ids = seed(storage)

    def background():
        try:
            if ids["past"] is None:
                import_past_meeting(storage)
            encoder_log = storage.settings.data_dir / "demo-encoder.log"
            with open(encoder_log, "wb") as output:
                subprocess.run([sys.executable, "-m", "archive_web.cli", "simulate", "--meeting", str(ids["live"]),
                                "--duration", str(storage.settings.demo_live_seconds)],
                               stdout=output, stderr=output, check=False)
            # The encoder has stopped: end the meeting now rather than after the reconnect grace period, so the
            # newcomer sees it become a recording and then a searchable transcript within minutes.
            from streamer.service import end_meeting

            log.info(end_meeting(storage, ids["live"]), extra={"meeting_id": ids["live"]})
        except Exception:
            log.exception("the demo could not start completely; the site still runs")

    thread = threading.Thread(target=background, name="demo", daemon=True)
    thread.start()
    print(f"Demo council ready: open {url}\n"
          f"  Live now:       {url}meetings/{ids['live']}\n"
          f"  Staff sign-in:  {url}staff/login  as {DEMO_EMAIL} / {DEMO_PASSWORD}\n"
          f"  The past meeting is imported and transcribed in the background (a few minutes).\n", flush=True)
    return thread
