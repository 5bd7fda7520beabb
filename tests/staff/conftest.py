"""Staff-page fixtures: accounts of each role, signed-in test clients, and a meeting with one of everything."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parent))

from staffkit import ADMIN, CLERK, MINIMAL_PDF, PASSWORD, login  # noqa: E402

from storage.agenda import add_item, attach_paper  # noqa: E402
from storage.meetings import create_committee, create_meeting  # noqa: E402
from storage.models import Member, MemberRole, Transcript, TranscriptSegment, TranscriptStatus  # noqa: E402
from storage.users import create_user  # noqa: E402


@dataclass
class World:
    committee_id: int
    member_id: int
    meeting_id: int
    item_id: int
    document_id: int
    segment_id: int
    clerk_id: int
    admin_id: int


@pytest.fixture
def staff_app(app):
    app.config.update(WTF_CSRF_ENABLED=False)
    return app


@pytest.fixture
def world(storage) -> World:
    with storage.db.session() as session:
        clerk = create_user(session, CLERK, PASSWORD, "clerk", "Casey Clerk")
        admin = create_user(session, ADMIN, PASSWORD, "admin", "Ada Admin")
        committee = create_committee(session, "Planning Committee")
        member = Member(committee=committee, name="Cllr Jane Smith", role=MemberRole.CHAIR)
        session.add(member)
        meeting = create_meeting(session, committee, "Planning Committee", datetime(2026, 3, 3, 18, 30), public=True)
        item = add_item(session, meeting, "1", "Apologies")
        paper = attach_paper(session, storage.blobs, meeting, "agenda.pdf", MINIMAL_PDF, agenda_item=item,
                             max_bytes=10**6)
        transcript = Transcript(meeting_id=meeting.id, model="tiny.en", status=TranscriptStatus.READY, progress=1.0)
        session.add(transcript)
        session.flush()
        segment = TranscriptSegment(transcript_id=transcript.id, meeting_id=meeting.id, position=0, start=1.0,
                                    end=4.0, text="Welcome to the planning committee.", speaker=None, words=[])
        session.add(segment)
        session.flush()
        return World(committee.id, member.id, meeting.id, item.id, paper.id, segment.id, clerk.id, admin.id)


@pytest.fixture
def clerk(staff_app, world):
    client = staff_app.test_client()
    assert login(client, CLERK).status_code == 302
    return client


@pytest.fixture
def admin(staff_app, world):
    client = staff_app.test_client()
    assert login(client, ADMIN).status_code == 302
    return client
