"""Honest, plain-English statuses for a meeting and its transcript, shared by the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import Meeting, MeetingStatus, Transcript, TranscriptStatus

from .formatting import clock_time, long_date


@dataclass(frozen=True)
class Notice:
    kind: str  # "info", "live", "warning": how the page styles it
    heading: str
    text: str


def transcript_percent(transcript: Transcript) -> int:
    """The worker stores progress as a fraction of the audio done (0-1); people read percentages."""
    return max(0, min(100, round((transcript.progress or 0.0) * 100)))


def meeting_notice(meeting: Meeting, has_video: bool) -> Notice | None:
    """What a resident needs to know about the video before pressing play (None when it simply plays)."""
    status = meeting.status
    when = f"{long_date(meeting.scheduled_start)} at {clock_time(meeting.scheduled_start)}"
    if status == MeetingStatus.SCHEDULED:
        return Notice("info", "This meeting has not started yet",
                      f"It is due to start on {when} and will be shown live on this page.")
    if status == MeetingStatus.POSTPONED:
        return Notice("warning", "This meeting has been postponed",
                      "A new date will be published here when it has been agreed.")
    if status == MeetingStatus.CANCELLED:
        return Notice("warning", "This meeting has been cancelled", f"It was due to take place on {when}.")
    if status == MeetingStatus.RECONNECTING:
        return Notice("live", "The live stream has been interrupted",
                      "The broadcast should resume shortly. The video will continue on this page.")
    if status == MeetingStatus.LIVE and not has_video:
        return Notice("live", "The live stream is starting", "Reload this page in a few seconds to watch.")
    if status == MeetingStatus.FAILED and not has_video:
        return Notice("warning", "The recording of this meeting is not available",
                      "Something went wrong while recording it. Committee services have been told.")
    if status in (MeetingStatus.ENDED, MeetingStatus.PROCESSING) and not has_video:
        return Notice("info", "The recording is being processed",
                      "It will be available on this page shortly, usually within a few minutes of the meeting "
                      "ending.")
    return None


def transcript_notice(transcript: Transcript | None, meeting: Meeting) -> Notice | None:
    """Why there is no transcript yet, if there is none."""
    if transcript is None:
        if meeting.is_live:
            return Notice("info", "The transcript will follow",
                          "A transcript is made automatically after the meeting ends.")
        if meeting.status in (MeetingStatus.ENDED, MeetingStatus.PROCESSING, MeetingStatus.READY):
            return Notice("info", "The transcript has not been made yet",
                          "It is made automatically after the meeting and will appear here.")
        return None
    if transcript.status == TranscriptStatus.QUEUED:
        return Notice("info", "The transcript is waiting to be made",
                      "It is made automatically after the meeting and will appear here.")
    if transcript.status == TranscriptStatus.RUNNING:
        return Notice("info", f"Transcript in progress ({transcript_percent(transcript)}%)",
                      "The transcript is being made now. Reload this page later to read it.")
    if transcript.status == TranscriptStatus.FAILED:
        return Notice("warning", "The automatic transcript could not be made",
                      "Committee services have been told. The recording itself is not affected.")
    return None
