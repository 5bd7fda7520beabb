"""How committees, meetings and transcripts look in the JSON API. Times are ISO 8601 in UTC; media positions
are seconds from the start of the recording. URLs are absolute, so the records can be used away from this site."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from storage.models import Committee, Document, Meeting, Transcript, TranscriptSegment, TranscriptStatus

from ..media import CAPTION_FORMATS, MeetingMedia, media_url
from ..public.status import transcript_percent


def utc(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def committee_record(committee: Committee) -> dict[str, Any]:
    return {
        "slug": committee.slug,
        "name": committee.name,
        "description": committee.description,
        "archived": committee.archived,
        "url": url_for("public.committee", slug=committee.slug, _external=True),
        "meetings": url_for("api.meetings", committee=committee.slug, _external=True),
        "calendar": url_for("public.calendar_committee", slug=committee.slug, _external=True),
    }


def meeting_summary(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "title": meeting.title,
        "committee": {"slug": meeting.committee.slug, "name": meeting.committee.name},
        "scheduled_start": utc(meeting.scheduled_start),
        "status": meeting.status.value,
        "live": meeting.is_live,
        "duration": meeting.duration_seconds,
        "url": url_for("public.meeting", meeting_id=meeting.id, _external=True),
        "api_url": url_for("api.meeting", meeting_id=meeting.id, _external=True),
    }


def paper_record(meeting: Meeting, document: Document) -> dict[str, Any]:
    return {
        "title": document.title,
        "filename": document.filename,
        "content_type": document.content_type,
        "size": document.size_bytes,
        "url": url_for("media.paper", meeting_id=meeting.id, document_id=document.id, _external=True),
    }


def transcript_record(meeting: Meeting, transcript: Transcript | None, media: MeetingMedia) -> dict[str, Any]:
    record: dict[str, Any] = {"status": transcript.status.value if transcript else "none",
                              "progress": transcript_percent(transcript) if transcript else 0}
    record.update({fmt: media_url(media.captions.get(fmt), external=True) for fmt in CAPTION_FORMATS})
    ready = transcript is not None and transcript.status == TranscriptStatus.READY
    record["segments"] = url_for("api.transcript", meeting_id=meeting.id, _external=True) if ready else None
    return record


def meeting_detail(meeting: Meeting, media: MeetingMedia) -> dict[str, Any]:
    published = meeting.agenda_published
    return {
        **meeting_summary(meeting),
        "description": meeting.description,
        "location": meeting.location,
        "started_at": utc(meeting.started_at),
        "ended_at": utc(meeting.ended_at),
        "media": {"hls": media_url(media.hls, external=True), "mp4": media_url(media.mp4, external=True),
                  "mp4_size": media.mp4_size},
        "transcript": transcript_record(meeting, meeting.transcript, media),
        "agenda_published": published,
        "agenda": [{
            "number": item.number,
            "title": item.title,
            "description": item.description,
            "start": item.start_seconds,
            "papers": [paper_record(meeting, doc) for doc in item.documents],
        } for item in (meeting.agenda_items if published else [])],
        "papers": [paper_record(meeting, doc) for doc in meeting.documents if published and doc.agenda_item_id is None],
        "calendar": url_for("public.calendar_meeting", meeting_id=meeting.id, _external=True),
    }


def segment_record(segment: TranscriptSegment) -> dict[str, Any]:
    return {"start": segment.start, "end": segment.end, "text": segment.text, "speaker": segment.speaker,
            "corrected": segment.corrected, "words": segment.words or []}
