"""Building a council's archive for web tests through the storage API: committees, meetings with agendas and
papers, transcripts, captions and media blobs, each visible or not to the public."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from storage.meetings import create_committee, create_meeting
from storage.models import (AgendaItem, Committee, Document, Meeting, MeetingStatus, Transcript, TranscriptSegment,
                            TranscriptStatus, Visibility, utcnow)


@dataclass
class Line:
    start: float
    end: float
    text: str
    speaker: str | None = None
    corrected: bool = False


def vtt(lines: Iterable[Line]) -> str:
    def stamp(seconds: float) -> str:
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"

    cues = [f"{stamp(line.start)} --> {stamp(line.end)}\n{line.text}" for line in lines]
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


@dataclass
class Archive:
    """Writes records and blobs the way the rest of Chamber does, so pages are tested against real data."""

    storage: object

    def committee(self, name: str = "Planning Committee", description: str = "") -> Committee:
        with self.storage.db.session() as session:
            return create_committee(session, name, description)

    def meeting(self, committee: Committee, title: str = "Planning Committee", start: datetime | None = None, *,
                status: MeetingStatus = MeetingStatus.READY, visibility: Visibility = Visibility.PUBLIC,
                agenda: Iterable[tuple[str, str, float | None]] = (), duration: float | None = None,
                location: str = "Council Chamber, Town Hall") -> int:
        with self.storage.db.session() as session:
            found = session.get(Committee, committee.id)
            meeting = create_meeting(session, found, title, start or utcnow() - timedelta(days=1), public=True,
                                     location=location)
            meeting.status, meeting.visibility, meeting.duration_seconds = status, visibility, duration
            for position, (number, item_title, start_seconds) in enumerate(agenda):
                meeting.agenda_items.append(AgendaItem(position=position, number=number, title=item_title,
                                                       start_seconds=start_seconds))
            session.flush()
            return meeting.id

    def transcript(self, meeting_id: int, lines: Iterable[Line], status=TranscriptStatus.READY,
                   progress: float = 1.0, captions: bool = True) -> None:
        lines = list(lines)
        with self.storage.db.session() as session:
            transcript = Transcript(meeting_id=meeting_id, model="tiny.en", status=status, progress=progress,
                                    completed_at=utcnow() if status == TranscriptStatus.READY else None)
            session.add(transcript)
            session.flush()
            session.add_all(TranscriptSegment(
                transcript_id=transcript.id, meeting_id=meeting_id, position=i, start=line.start, end=line.end,
                text=line.text, speaker=line.speaker, corrected=line.corrected,
                words=[{"start": line.start, "end": line.end, "word": word} for word in line.text.split()[:1]])
                for i, line in enumerate(lines))
        if captions and status == TranscriptStatus.READY:
            prefix = f"meetings/{meeting_id}/captions/transcript"
            blobs = self.storage.blobs
            blobs.put_bytes(f"{prefix}.vtt", vtt(lines).encode())
            blobs.put_bytes(f"{prefix}.srt", vtt(lines).replace("WEBVTT\n\n", "").encode())
            blobs.put_bytes(f"{prefix}.txt", "\n".join(line.text for line in lines).encode())
            blobs.put_bytes(f"{prefix}.json", json.dumps([line.__dict__ for line in lines]).encode())

    def paper(self, meeting_id: int, title: str, data: bytes = b"%PDF-1.4 agenda paper",
              item_number: str | None = None, filename: str = "report.pdf") -> int:
        with self.storage.db.session() as session:
            item_id = None
            if item_number is not None:
                item_id = next(i.id for i in session.get(Meeting, meeting_id).agenda_items if i.number == item_number)
            key = f"meetings/{meeting_id}/documents/{filename}"
            self.storage.blobs.put_bytes(key, data, "application/pdf")
            document = Document(meeting_id=meeting_id, agenda_item_id=item_id, title=title, filename=filename,
                                content_type="application/pdf", size_bytes=len(data), blob_key=key)
            session.add(document)
            session.flush()
            return document.id

    def update(self, meeting_id: int, **fields) -> None:
        with self.storage.db.session() as session:
            meeting = session.get(Meeting, meeting_id)
            for name, value in fields.items():
                setattr(meeting, name, value)
