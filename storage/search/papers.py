"""Text of agenda papers, so that a meeting with papers but no video can be found by what its papers say."""

from __future__ import annotations

import io
import logging

log = logging.getLogger(__name__)

TEXT_TYPES = ("text/plain", "text/markdown", "text/csv")


def extract_text(data: bytes, content_type: str) -> str:
    """The searchable text of an uploaded paper: a PDF's text layer (pypdf) or a plain-text file's contents.

    Returns "" for other types and for PDFs that cannot be read (scanned images, damaged or encrypted files): an
    unreadable paper is still published, it just cannot be found by its words.
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/pdf" or data[:5] == b"%PDF-":
        return _pdf_text(data)
    if kind in TEXT_TYPES:
        return data.decode("utf-8", errors="replace")
    return ""


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        return "\n".join(page.extract_text() or "" for page in reader.pages).strip()
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        log.warning("could not read the text of a PDF paper (%s); it will not be searchable by its words", exc)
        return ""
