"""Anonymous client keys: a salted hash of the address (and user agent) whose salt is random and lives one day.

The salt is kept in the database (so every web process hashes alike) and deleted when its day is over; after
that nobody, including the council, can tell which address a stored key came from, even by trying every
address. No raw address is ever written anywhere.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import date

from sqlalchemy import Engine, delete, select

from . import clock
from .beacons import dialect_insert
from .models import DailySalt


class DailySalts:
    """Today's salt, read once a day per process."""

    def __init__(self):
        self._day: date | None = None
        self._salt = ""
        self._lock = threading.Lock()

    def today(self, engine: Engine) -> str:
        day = clock.now().date()
        if self._day != day:
            with self._lock:
                if self._day != day:
                    self._salt, self._day = _load_or_create(engine, day), day
        return self._salt

    def client_key(self, engine: Engine, *parts: str) -> str:
        """A 32-character key for (address, user agent, ...), stable for one day."""
        digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8", "replace"), digest_size=16,
                                 key=self.today(engine).encode()[:64])
        return digest.hexdigest()


def _load_or_create(engine: Engine, day: date) -> str:
    with engine.begin() as conn:
        conn.execute(dialect_insert(engine, DailySalt).values(day=day, salt=secrets.token_hex(32))
                     .on_conflict_do_nothing(index_elements=["day"]))
        return conn.scalar(select(DailySalt.salt).where(DailySalt.day == day))


def delete_old_salts(engine: Engine) -> int:
    """Forget every salt but today's: yesterday's keys become unlinkable to any address."""
    with engine.begin() as conn:
        return conn.execute(delete(DailySalt).where(DailySalt.day < clock.now().date())).rowcount
