"""Where each kind of blob lives in the store: the one place that spells out the key layout.

``meetings/<id>/...`` holds what a meeting keeps (recording, VOD playlist, MP4, captions, papers); ``live/<id>/...``
holds its live HLS while it streams. The web site decides who may fetch a key from the meeting id in it.
"""

from __future__ import annotations


def meeting_prefix(meeting_id: int) -> str:
    return f"meetings/{meeting_id}/"


def live_prefix(meeting_id: int) -> str:
    return f"live/{meeting_id}/"


def live_master_key(meeting_id: int) -> str:
    return f"{live_prefix(meeting_id)}master.m3u8"


def recording_prefix(meeting_id: int) -> str:
    return f"{meeting_prefix(meeting_id)}recording/"


def vod_prefix(meeting_id: int) -> str:
    return f"{meeting_prefix(meeting_id)}vod/"


def vod_playlist_key(meeting_id: int) -> str:
    return f"{vod_prefix(meeting_id)}index.m3u8"


def mp4_key(meeting_id: int) -> str:
    return f"{meeting_prefix(meeting_id)}media/meeting.mp4"


def captions_prefix(meeting_id: int) -> str:
    return f"{meeting_prefix(meeting_id)}captions/"


def caption_key(meeting_id: int, fmt: str) -> str:
    """Captions and transcript renderings: ``vtt``, ``srt``, ``txt`` or ``json``."""
    return f"{captions_prefix(meeting_id)}transcript.{fmt}"


def source_key(meeting_id: int, filename: str) -> str:
    """An imported recording as it was received, kept until it is converted."""
    return f"{meeting_prefix(meeting_id)}source/{filename}"


def document_key(meeting_id: int, document_id: int, filename: str) -> str:
    return f"{meeting_prefix(meeting_id)}documents/{document_id}-{filename}"
