"""Who may see a meeting: the one rule every page, feed, API response, media URL and search result follows.

Only meetings marked public are shown to the public. Drafts and private meetings appear nowhere outside the staff
pages, and neither do their media, captions, papers or transcript text.
"""

from __future__ import annotations

from sqlalchemy import Select

from .models import Meeting, Visibility


def publicly_visible(meeting: Meeting | None) -> bool:
    return meeting is not None and meeting.visibility == Visibility.PUBLIC


def only_public(query: Select) -> Select:
    """Restrict a query that selects from ``meetings`` to what the public may see."""
    return query.where(Meeting.visibility == Visibility.PUBLIC)
