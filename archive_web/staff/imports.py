"""Importing a past recording from an uploaded file or a URL. The worker converts and transcribes it."""

from __future__ import annotations

import logging
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.utils import secure_filename

from storage.meetings import RecordError
from storage.models import Committee
from streamer import StreamerError
from streamer.importer import queue_import

from .. import get_storage
from . import bp
from .common import log_action
from .forms import ImportForm, options

log = logging.getLogger(__name__)

# Recordings of long meetings are large; the site-wide upload limit is for papers.
MAX_RECORDING_BYTES = 20 * 1024 ** 3


@contextmanager
def saved_upload(upload, storage) -> Iterator[Path]:
    """The upload as a file on disk while the importer checks it and copies it into the blob store."""
    folder = storage.settings.data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}-{secure_filename(upload.filename) or 'recording'}"
    upload.save(path)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


@bp.route("/import", methods=["GET", "POST"])
def import_recording():
    storage = get_storage()
    request.max_content_length = MAX_RECORDING_BYTES
    with storage.db.session() as session:
        committees = session.scalars(select(Committee).where(Committee.archived.is_(False))
                                     .order_by(Committee.name)).all()
        slugs = {c.id: c.slug for c in committees}
        form = ImportForm()
        form.committee_id.choices = options((c.id, c.name) for c in committees)
    if form.validate_on_submit():
        upload = request.files.get("file")
        has_file = upload is not None and bool(upload.filename)
        if has_file == bool(form.url.data):
            form.url.errors.append("Choose a file or give a URL (one of them, not both).")
        else:
            try:
                meeting_id = _queue(storage, form, upload if has_file else None, slugs)
            except ImportProblem as exc:
                (form.file if has_file else form.url).errors.append(str(exc))
            else:
                flash("Import queued. The meeting's page shows progress as it is converted and transcribed.",
                      "success")
                return redirect(url_for("staff.meeting", meeting_id=meeting_id))
    return render_template("staff/import.html", form=form), \
        400 if form.errors else 200


class ImportProblem(Exception):
    """The importer refused the recording; the message says why."""


def _queue(storage, form, upload, slugs) -> int:
    source_name = upload.filename if upload else form.url.data.strip()
    with ExitStack() as stack:
        source = str(stack.enter_context(saved_upload(upload, storage))) if upload else source_name
        try:
            meeting_id = queue_import(storage, source, slugs[form.committee_id.data], form.title.data.strip(),
                                      form.date.data, public=form.public.data)
        except (StreamerError, RecordError) as exc:
            raise ImportProblem(str(exc).replace(source, source_name)) from None
    with storage.db.session() as session:
        log_action(session, "import", "meeting", meeting_id, f"{form.title.data} from {source_name}")
    return meeting_id
