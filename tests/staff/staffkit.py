"""Helpers shared by the staff tests (imported by name: tests/staff is on sys.path via its conftest)."""

from __future__ import annotations

import re

import pytest

PASSWORD = "correct horse battery"
CLERK = "clerk@council.example"
ADMIN = "admin@council.example"

# The smallest file every PDF reader opens: one empty page.
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
               b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n"
               b"%%EOF\n")


def login(client, email: str, password: str = PASSWORD, **kwargs):
    return client.post("/staff/login", data={"email": email, "password": password}, **kwargs)


def csrf_token(html: bytes) -> str:
    return re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1).decode()


# For tests whose subject (templates, forms, throttles) does not depend on the database or blob store: run them on
# the embedded backend only, to keep the suite fast. Tests of stored behaviour run on both backends.
embedded_only = pytest.mark.parametrize("backend_env", ["sqlite"], indirect=True)


def pdf_with_text(text: str) -> bytes:
    """A one-page PDF showing ``text``, with the cross-reference table readers need to find its words."""
    stream = f"BT /F1 18 Tf 72 712 Td ({text}) Tj ET".encode("latin-1")
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>",
               b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
               b"<</Length %d>>stream\n%s\nendstream" % (len(stream), stream)]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


