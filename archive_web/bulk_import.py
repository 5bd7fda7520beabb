"""Bulk import of past recordings: a folder of files and a CSV saying each one's title and date.

The CSV has a header row with the columns ``file``, ``title`` and ``date`` (YYYY-MM-DD); ``file`` is relative to
the folder. Every row is checked before anything is queued, so a typo on row 140 is reported before row 1 is
imported. The import is resumable: each queued meeting records the source's resolved path and size in its
``live_info`` (``import_source``, ``import_size``), and a file recorded there already is skipped, so running the
command again after an interruption picks up where it stopped.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified
from tqdm import tqdm

from storage.meetings import RecordError, committee_by_slug
from storage.models import Meeting

REQUIRED_COLUMNS = ("file", "title", "date")


class BulkImportError(ValueError):
    """The CSV or the folder cannot be imported as they are; the message lists what to fix."""


@dataclass(frozen=True)
class Row:
    line: int
    path: Path
    title: str
    day: date

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass
class BulkImportReport:
    queued: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{len(self.queued)} recordings queued for import, {len(self.skipped)} already imported and "
                 f"skipped, {len(self.refused)} refused."]
        lines += [f"  refused: {reason}" for reason in self.refused]
        if self.refused:
            lines.append("Fix or remove the refused files, then run the same command again: imported files are "
                         "skipped.")
        return "\n".join(lines)


def read_rows(folder: Path, csv_path: Path) -> list[Row]:
    """Every row of the CSV, checked; raises ``BulkImportError`` listing every problem at once."""
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip().lower() for c in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise BulkImportError(f"{csv_path} has no {', '.join(missing)} column(s). The first row must name "
                                      "the columns: file,title,date")
            raw_rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader]
    except FileNotFoundError:
        raise BulkImportError(f"{csv_path} does not exist.") from None
    except UnicodeDecodeError:
        raise BulkImportError(f"{csv_path} is not UTF-8 text; save it as 'CSV UTF-8' and try again.") from None
    rows, problems = [], []
    for line, raw in enumerate(raw_rows, start=2):
        path = (folder / raw["file"]).resolve()
        if not raw["file"] or not path.is_file():
            problems.append(f"line {line}: no file {raw['file']!r} in {folder}")
        if not raw["title"]:
            problems.append(f"line {line}: the title is empty")
        try:
            day = date.fromisoformat(raw["date"])
        except ValueError:
            problems.append(f"line {line}: {raw['date']!r} is not a date; write it as YYYY-MM-DD")
            continue
        rows.append(Row(line, path, raw["title"], day))
    if problems:
        raise BulkImportError("Fix these rows, then run the import again:\n  " + "\n  ".join(problems))
    if not rows:
        raise BulkImportError(f"{csv_path} has no rows after the header.")
    return rows


def imported_sources(storage) -> set[tuple[str, int]]:
    """(path, size) of every recording already imported in bulk."""
    with storage.db.session() as session:
        infos = session.scalars(select(Meeting.live_info).where(Meeting.imported.is_(True)))
        return {(info["import_source"], info.get("import_size")) for info in infos
                if isinstance(info, dict) and "import_source" in info}


def _remember_source(storage, meeting_id: int, row: Row) -> None:
    with storage.db.session() as session:
        meeting = session.get(Meeting, meeting_id)
        meeting.live_info = {**(meeting.live_info or {}), "import_source": str(row.path), "import_size": row.size}
        flag_modified(meeting, "live_info")


def bulk_import(storage, folder: str | Path, csv_path: str | Path, committee_slug: str, public: bool = False,
                progress: bool = True) -> BulkImportReport:
    """Queue an import for every row not imported before; a file the importer refuses is reported and the rest
    go ahead. The worker converts and transcribes them."""
    from streamer import StreamerError
    from streamer.importer import queue_import

    folder = Path(folder)
    rows = read_rows(folder, Path(csv_path))
    with storage.db.session() as session:
        committee_by_slug(session, committee_slug)  # fail before the first file, not after it
    done = imported_sources(storage)
    report = BulkImportReport()
    for row in tqdm(rows, desc="Importing", unit="file", disable=not progress):
        if (str(row.path), row.size) in done:
            report.skipped.append(str(row.path))
            continue
        try:
            meeting_id = queue_import(storage, str(row.path), committee_slug, row.title, row.day, public=public)
        except (StreamerError, RecordError) as exc:
            report.refused.append(f"line {row.line} ({row.path.name}): {exc}")
            continue
        _remember_source(storage, meeting_id, row)
        report.queued.append(meeting_id)
    return report
