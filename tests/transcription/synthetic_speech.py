"""Synthetic council meetings spoken by espeak-ng, with the text they say, for accuracy tests and benchmarks.

Real recordings of named councillors cannot be shipped, so the vocabulary tests need speech whose words are known
exactly: several espeak-ng voices take turns reading a scripted meeting that names its members and agenda items.
"""

from __future__ import annotations

import itertools
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

MEMBERS = ["Siobhan Featherstonehaugh", "Aled Llewellyn", "Priya Ramaswamy", "Tobias Wrightson",
           "Eilidh Macquarrie", "Gwilym Pryce-Jenkins"]
AGENDA = ["Clevedon Road bus lane", "Pengelly Park play area", "Tregarthen library opening hours",
          "Ashcombe Street parking permits"]
VOICES = ["en-gb", "en-gb+f3", "en-us+m3", "en-gb-scotland+f2", "en-gb-x-rp"]

# Each template names one member ({m}, {m2}) and may name an agenda item ({a}); the body sentences give the
# transcript ordinary words around the names, as a real debate does.
TEMPLATES = [
    "Thank you, Chair. I would like to ask Councillor {m} about the {a}.",
    "Councillor {m}, would you like to respond to that point?",
    "I agree with Councillor {m2} that the consultation was too short.",
    "The officers have looked again at the costs of the {a}, and the figures are in the report.",
    "Councillor {m} moved the recommendation and Councillor {m2} seconded it.",
    "Residents have written to us about the {a} and we should listen to them.",
    "Can I remind members that we have twenty minutes left for this item.",
    "Councillor {m} asked whether the funding would be available next year.",
    "Those in favour, please raise your hands. The motion is carried.",
    "We now move on to the next item on the agenda, the {a}.",
]


@dataclass(frozen=True)
class SpokenMeeting:
    path: Path
    text: str
    turns: list[str]


def meeting_turns(count: int) -> list[str]:
    """A deterministic script of ``count`` turns that cycles through every member and agenda item."""
    members = itertools.cycle(MEMBERS)
    agenda = itertools.cycle(AGENDA)
    turns = []
    for template in itertools.islice(itertools.cycle(TEMPLATES), count):
        turns.append(template.format(m=next(members), m2=next(members), a=next(agenda)))
    return turns


def _say(text: str, voice: str, path: Path) -> None:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", str(path), text], check=True)


def speak_meeting(turns: list[str], path: Path, gap_seconds: float = 0.8, codec: str = "pcm_s16le") -> SpokenMeeting:
    """Speak ``turns`` with rotating voices, separated by silence, into one 16 kHz mono file at ``path``."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        silence = tmp_dir / "gap.wav"
        (ffmpeg.input("anullsrc=r=22050:cl=mono", f="lavfi", t=gap_seconds)
         .output(str(silence), acodec="pcm_s16le").run(quiet=True, overwrite_output=True))
        listing = []
        for index, (turn, voice) in enumerate(zip(turns, itertools.cycle(VOICES))):
            clip = tmp_dir / f"turn{index:05d}.wav"
            _say(turn, voice, clip)
            listing += [f"file '{clip}'", f"file '{silence}'"]
        list_file = tmp_dir / "list.txt"
        list_file.write_text("\n".join(listing) + "\n")
        (ffmpeg.input(str(list_file), f="concat", safe=0)
         .output(str(path), ac=1, ar=16000, acodec=codec).run(quiet=True, overwrite_output=True))
    return SpokenMeeting(path=path, text=" ".join(turns), turns=turns)


def name_recall(reference: str, transcript: str, names: list[str]) -> float:
    """Share of the times a member's surname is said that the transcript spells it right (repeats do not count)."""
    said_total = heard_total = 0
    for surname in {name.split()[-1].lower() for name in names}:
        said = reference.lower().count(surname)
        said_total += said
        heard_total += min(said, transcript.lower().count(surname))
    return heard_total / said_total if said_total else 1.0
