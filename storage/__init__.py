"""Everything Chamber keeps: settings, the database, the blob store, the job queue and the search index.

``open_storage`` builds the bundle the other packages receive, so each process opens each resource once.
"""

from __future__ import annotations

from dataclasses import dataclass

from .blobs import BlobStore, open_blob_store
from .db import Database
from .jobqueue import JobQueue
from .search import SearchIndex, open_search_index
from .settings import Settings, SettingsError, load_settings

__all__ = ["Storage", "open_storage", "Settings", "SettingsError", "load_settings"]


@dataclass
class Storage:
    settings: Settings
    db: Database
    blobs: BlobStore
    jobs: JobQueue
    search: SearchIndex

    def close(self) -> None:
        self.db.dispose()


def open_storage(settings: Settings | None = None) -> Storage:
    settings = settings or load_settings()
    db = Database(settings.database_url)
    return Storage(settings=settings, db=db, blobs=open_blob_store(settings), jobs=JobQueue(db),
                   search=open_search_index(db))
