"""Agenda items, their papers and their chapter times: the rules the staff pages and scripts share.

Papers are checked twice before they are stored: by extension (what the clerk meant to upload) and by their
first bytes (what the file really is), because a renamed executable or HTML page must never be published on the
council's site as a "PDF". Stored papers live in the blob store at ``meetings/<id>/documents/<doc_id>-<name>``.
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import PurePosixPath

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from storage.blobkeys import document_key

from .models import AgendaItem, Document, Meeting

log = logging.getLogger(__name__)

PDF = "application/pdf"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
RTF = "application/rtf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# extension -> (content type, container the first bytes must show, member or mimetype that proves the kind)
PAPER_TYPES: dict[str, tuple[str, str, str | None]] = {
    ".pdf": (PDF, "pdf", None),
    ".doc": (DOC, "ole2", None),
    ".xls": (XLS, "ole2", None),
    ".ppt": (PPT, "ole2", None),
    ".rtf": (RTF, "rtf", None),
    ".docx": (DOCX, "zip", "word/"),
    ".xlsx": (XLSX, "zip", "xl/"),
    ".pptx": (PPTX, "zip", "ppt/"),
    ".odt": (ODT, "odf", ODT),
    ".ods": (ODS, "odf", ODS),
    ".odp": (ODP, "odf", ODP),
}
ALLOWED_EXTENSIONS = ", ".join(sorted(PAPER_TYPES))


class AgendaError(ValueError):
    """An agenda change or paper cannot be accepted; the message says why and what to do."""


def add_item(session: Session, meeting: Meeting, number: str, title: str, description: str = "") -> AgendaItem:
    title = title.strip()
    if not title:
        raise AgendaError("An agenda item needs a title.")
    last = session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
    item = AgendaItem(meeting_id=meeting.id, number=number.strip()[:20], title=title[:500],
                      description=description.strip(), position=(last if last is not None else -1) + 1)
    session.add(item)
    session.flush()
    return item


def update_item(item: AgendaItem, number: str, title: str, description: str) -> None:
    title = title.strip()
    if not title:
        raise AgendaError("An agenda item needs a title.")
    item.number, item.title, item.description = number.strip()[:20], title[:500], description.strip()


def delete_item(session: Session, meeting: Meeting, item: AgendaItem) -> None:
    """Remove an item; its papers stay with the meeting, no longer attached to an item."""
    remaining = [i.id for i in meeting.agenda_items if i.id != item.id]
    session.delete(item)
    session.flush()
    session.expire(meeting, ["agenda_items"])
    reorder_items(meeting, remaining)


def reorder_items(meeting: Meeting, ordered_ids: list[int]) -> None:
    """Put the meeting's items in the given order; the list must name each item exactly once."""
    items = {item.id: item for item in meeting.agenda_items}
    if sorted(ordered_ids) != sorted(items):
        raise AgendaError("The new order must list every agenda item of this meeting exactly once; reload the page "
                          "and try again.")
    for position, item_id in enumerate(ordered_ids):
        items[item_id].position = position


def move_item(meeting: Meeting, item_id: int, offset: int) -> None:
    """Move one item up (-1) or down (+1); moving past either end leaves the order as it is."""
    ids = [item.id for item in sorted(meeting.agenda_items, key=lambda i: i.position)]
    if item_id not in ids:
        raise AgendaError("That agenda item is not part of this meeting.")
    index = ids.index(item_id)
    target = min(max(index + offset, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    reorder_items(meeting, ids)


def set_chapter_start(item: AgendaItem, seconds: float | None) -> None:
    """When discussion of the item began, in seconds from the start of the recording (None clears it)."""
    if seconds is not None:
        if seconds != seconds or seconds < 0:
            raise AgendaError("A start time must be zero or more seconds into the meeting.")
        duration = item.meeting.duration_seconds
        if duration and seconds > duration + 1:
            raise AgendaError(f"{seconds:.0f} s is after the end of the recording ({duration:.0f} s).")
        seconds = round(float(seconds), 1)
    item.start_seconds = seconds


def parse_timestamp(text: str) -> float | None:
    """``"1:02:03"``, ``"62:03"``, ``"3723"`` or ``"3723.5"`` as seconds; empty means no time."""
    text = text.strip()
    if not text:
        return None
    try:
        parts = [float(part) for part in text.split(":")]
    except ValueError:
        raise AgendaError(f"{text!r} is not a time; write it as h:mm:ss, m:ss or seconds.") from None
    if len(parts) > 3 or any(p < 0 for p in parts) or any(p >= 60 for p in parts[1:]):
        raise AgendaError(f"{text!r} is not a time; write it as h:mm:ss, m:ss or seconds.")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def format_timestamp(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def detect_paper_type(filename: str, data: bytes) -> str:
    """The content type of an agenda paper, or ``AgendaError`` when the name or the contents are not a paper."""
    extension = PurePosixPath(filename.lower()).suffix
    if extension not in PAPER_TYPES:
        raise AgendaError(f"{filename!r} is not a paper this site publishes; upload one of {ALLOWED_EXTENSIONS}.")
    content_type, container, proof = PAPER_TYPES[extension]
    if not _contents_match(data, container, proof):
        raise AgendaError(f"{filename!r} is named {extension} but its contents are not a {extension[1:].upper()} "
                          "file. Save it again from the program that made it and upload that copy.")
    return content_type


def _contents_match(data: bytes, container: str, proof: str | None) -> bool:
    if container == "pdf":
        return data[:1024].lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(b"%PDF-")
    if container == "ole2":
        return data.startswith(OLE2_MAGIC)
    if container == "rtf":
        return data.startswith(b"{\\rtf")
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if container == "odf":
                return "mimetype" in names and archive.read("mimetype").decode("ascii", "replace").strip() == proof
            return "[Content_Types].xml" in names and any(name.startswith(proof) for name in names)
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def safe_filename(filename: str, content_type: str) -> str:
    """A name safe in a blob key and a download header; keeps the extension the type was checked against."""
    name = secure_filename(filename)[-150:]
    if not name or "." not in name:
        extension = next(ext for ext, spec in PAPER_TYPES.items() if spec[0] == content_type)
        name = f"paper{extension}"
    return name


def attach_paper(session: Session, blobs, meeting: Meeting, filename: str, data: bytes, *, title: str = "",
                 agenda_item: AgendaItem | None = None, max_bytes: int, extract_text=None) -> Document:
    """Check and store a paper, and record it. ``extract_text(data, content_type) -> str`` fills ``Document.text``
    for search; a paper whose text cannot be read is still published."""
    if not data:
        raise AgendaError(f"{filename!r} is empty; choose the file again.")
    if len(data) > max_bytes:
        raise AgendaError(f"{filename!r} is {len(data) / 1e6:.1f} MB; papers can be at most "
                          f"{max_bytes / 1e6:.0f} MB. Compress it or split it into parts.")
    if agenda_item is not None and agenda_item.meeting_id != meeting.id:
        raise AgendaError("That agenda item is not part of this meeting.")
    content_type = detect_paper_type(filename, data)
    document = Document(meeting_id=meeting.id, agenda_item_id=agenda_item.id if agenda_item else None,
                        title=(title.strip() or PurePosixPath(filename).stem or "Paper")[:300],
                        filename=filename[:300], content_type=content_type, size_bytes=len(data), blob_key="")
    session.add(document)
    session.flush()
    document.blob_key = document_key(meeting.id, document.id, safe_filename(filename, content_type))
    document.text = _extracted_text(extract_text, data, content_type, filename)
    blobs.put_bytes(document.blob_key, data, content_type=content_type)
    return document


def _extracted_text(extract_text, data: bytes, content_type: str, filename: str) -> str:
    if extract_text is None:
        return ""
    try:
        return extract_text(data, content_type) or ""
    except Exception:  # a damaged paper is still a paper; it is just not searchable
        log.warning("could not extract text from %s", filename, exc_info=True)
        return ""


def delete_paper(session: Session, blobs, document: Document) -> None:
    blobs.delete(document.blob_key)
    session.delete(document)
