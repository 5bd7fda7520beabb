"""Paper text extraction: the words of a PDF become searchable; an unreadable file is published, unsearchable."""

from storage.search import extract_text

from .corpus import PAPER_TEXT, pdf_with_text


def test_pdf_text_is_extracted():
    assert extract_text(pdf_with_text(PAPER_TEXT), "application/pdf") == PAPER_TEXT


def test_damaged_pdf_and_other_types_give_no_text():
    assert extract_text(b"%PDF-1.4 this is not really a pdf", "application/pdf") == ""
    assert extract_text(b"\x89PNG...", "image/png") == ""
    assert extract_text("Minutes: approved".encode(), "text/plain; charset=utf-8") == "Minutes: approved"
