"""The audit log: who published, edited or deleted what, and when.

Entries keep the actor's email as well as their id, so the record still reads correctly after an account is
removed. Entries are added in the same transaction as the change they describe: a change that rolls back leaves
no entry, and an entry never describes a change that did not happen.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditEntry, User


def record(session: Session, user: User | None, action: str, target_type: str, target_id: int | None,
           detail: str = "") -> AuditEntry:
    """Add one entry, e.g. ``record(s, clerk, "publish", "meeting", 12, "Planning Committee, 3 March")``."""
    entry = AuditEntry(user_id=user.id if user else None, user_email=user.email if user else "",
                       action=action, target_type=target_type, target_id=target_id, detail=detail[:2000])
    session.add(entry)
    return entry


def recent(session: Session, limit: int = 200, offset: int = 0, target_type: str | None = None,
           target_id: int | None = None) -> list[AuditEntry]:
    """Newest first, optionally only the entries about one thing."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if target_type is not None:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    return list(session.scalars(query.limit(limit).offset(offset)))
