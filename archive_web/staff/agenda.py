"""Agenda items and papers: add, edit, reorder, attach, remove, and publish the agenda before the meeting."""

from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from storage.agenda import (
    AgendaError,
    add_item,
    attach_paper,
    delete_item,
    delete_paper,
    move_item,
    reorder_items,
    update_item,
)
from storage.blobs import BlobNotFound
from storage.models import AgendaItem, Document
from storage.search import extract_text

from .. import get_storage
from . import bp
from .common import child_or_404, form_errors, log_action, meeting_or_404, reindex_meeting
from .forms import AgendaItemForm, PaperForm, options


def _agenda(meeting_id: int):
    return redirect(url_for("staff.agenda", meeting_id=meeting_id))


def _paper_form(meeting) -> PaperForm:
    form = PaperForm()
    form.agenda_item_id.choices = options([(0, "Whole meeting")] + [
        (item.id, f"{item.number} {item.title}".strip()[:80]) for item in meeting.agenda_items])
    return form


@bp.get("/meetings/<int:meeting_id>/agenda")
def agenda(meeting_id: int):
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        return render_template("staff/agenda.html", meeting=found, item_form=AgendaItemForm(),
                               paper_form=_paper_form(found),
                               max_mb=get_storage().settings.upload_max_mb)


@bp.post("/meetings/<int:meeting_id>/agenda/items")
def add_agenda_item(meeting_id: int):
    form = AgendaItemForm()
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        if not form.validate():
            flash(form_errors(form), "error")
            return _agenda(meeting_id)
        try:
            item = add_item(session, found, form.number.data or "", form.title.data, form.description.data or "")
        except AgendaError as exc:
            flash(str(exc), "error")
        else:
            log_action(session, "create", "agenda_item", item.id, f"{found.title}: {item.number} {item.title}")
            reindex_meeting(session, found.id)
            flash("Agenda item added.", "success")
    return _agenda(meeting_id)


@bp.route("/meetings/<int:meeting_id>/agenda/items/<int:item_id>/edit", methods=["GET", "POST"])
def edit_agenda_item(meeting_id: int, item_id: int):
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        item = child_or_404(session, AgendaItem, item_id, found)
        form = AgendaItemForm(obj=item)
        if form.validate_on_submit():
            try:
                update_item(item, form.number.data or "", form.title.data, form.description.data or "")
            except AgendaError as exc:
                form.title.errors.append(str(exc))
            else:
                log_action(session, "edit", "agenda_item", item.id, f"{found.title}: {item.number} {item.title}")
                reindex_meeting(session, found.id)
                flash("Agenda item saved.", "success")
                return _agenda(meeting_id)
        return render_template("staff/agenda_item_form.html", meeting=found, item=item, form=form), \
            400 if form.errors else 200


@bp.post("/meetings/<int:meeting_id>/agenda/items/<int:item_id>/move")
def move_agenda_item(meeting_id: int, item_id: int):
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400, 'Say which way to move the item: direction "up" or "down".')
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        item = child_or_404(session, AgendaItem, item_id, found)
        move_item(found, item.id, offset)
        log_action(session, "reorder", "meeting", found.id, f"{found.title}: moved {item.number} {item.title}")
    return redirect(url_for("staff.agenda", meeting_id=meeting_id, _anchor=f"item-{item_id}"))


@bp.post("/api/meetings/<int:meeting_id>/agenda/order")
def reorder_agenda(meeting_id: int):
    """Set the whole order at once (drag and drop): ``{"order": [item ids]}``."""
    body = request.get_json(silent=True) or {}
    order = body.get("order")
    if not isinstance(order, list) or not all(isinstance(i, int) for i in order):
        return jsonify({"error": "Bad Request", "message": 'Send {"order": [agenda item ids]}.'}), 400
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        try:
            reorder_items(found, order)
        except AgendaError as exc:
            return jsonify({"error": "Conflict", "message": str(exc)}), 409
        log_action(session, "reorder", "meeting", found.id, found.title)
        return jsonify({"order": [item.id for item in sorted(found.agenda_items, key=lambda i: i.position)]})


@bp.post("/meetings/<int:meeting_id>/agenda/items/<int:item_id>/delete")
def delete_agenda_item(meeting_id: int, item_id: int):
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        item = child_or_404(session, AgendaItem, item_id, found)
        log_action(session, "delete", "agenda_item", item.id, f"{found.title}: {item.number} {item.title}")
        delete_item(session, found, item)
        reindex_meeting(session, found.id)
        flash("Agenda item deleted. Its papers stay with the meeting.", "success")
    return _agenda(meeting_id)


@bp.post("/meetings/<int:meeting_id>/agenda/publish")
def publish_agenda(meeting_id: int):
    publish = request.form.get("publish", "1") == "1"
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        found.agenda_published = publish
        log_action(session, "publish_agenda" if publish else "unpublish_agenda", "meeting", found.id, found.title)
        reindex_meeting(session, found.id)
        if publish and not found.is_public:
            flash("Agenda published. The meeting itself is still a draft: publish the meeting so the public can "
                  "see it.", "success")
        else:
            flash("Agenda published." if publish else "Agenda withdrawn from the public page.", "success")
    return _agenda(meeting_id)


@bp.post("/meetings/<int:meeting_id>/papers")
def upload_paper(meeting_id: int):
    storage = get_storage()
    try:
        upload = request.files.get("paper-file")
    except RequestEntityTooLarge:
        flash(f"That file is larger than {storage.settings.upload_max_mb} MB, the most this site accepts. Compress "
              "it or split it into parts.", "error")
        return _agenda(meeting_id)
    with storage.db.session() as session:
        found = meeting_or_404(session, meeting_id)
        form = _paper_form(found)
        if not form.validate() or upload is None or not upload.filename:
            flash(form_errors(form) or "Choose a file to upload.", "error")
            return _agenda(meeting_id)
        item = child_or_404(session, AgendaItem, form.agenda_item_id.data, found) if form.agenda_item_id.data else None
        try:
            paper = attach_paper(session, storage.blobs, found, upload.filename, upload.read(),
                                 title=form.title.data or "", agenda_item=item,
                                 max_bytes=storage.settings.upload_max_mb * 1024 * 1024,
                                 extract_text=extract_text)
        except AgendaError as exc:
            session.rollback()
            flash(str(exc), "error")
            return _agenda(meeting_id)
        log_action(session, "create", "document", paper.id, f"{found.title}: {paper.title} ({paper.filename})")
        reindex_meeting(session, found.id)
        flash(f"Paper “{paper.title}” attached.", "success")
    return _agenda(meeting_id)


@bp.get("/meetings/<int:meeting_id>/papers/<int:document_id>")
def download_paper(meeting_id: int, document_id: int):
    storage = get_storage()
    with storage.db.session() as session:
        paper = child_or_404(session, Document, document_id, meeting_or_404(session, meeting_id))
        key, content_type, filename = paper.blob_key, paper.content_type, paper.blob_key.rsplit("/", 1)[-1]
    try:
        data = storage.blobs.get_bytes(key)
    except BlobNotFound:
        abort(404, "The paper's file is missing from the store. Delete the paper and upload it again.")
    return Response(data, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"})


@bp.post("/meetings/<int:meeting_id>/papers/<int:document_id>/delete")
def remove_paper(meeting_id: int, document_id: int):
    storage = get_storage()
    with storage.db.session() as session:
        found = meeting_or_404(session, meeting_id)
        paper = child_or_404(session, Document, document_id, found)
        log_action(session, "delete", "document", paper.id, f"{found.title}: {paper.title} ({paper.filename})")
        delete_paper(session, storage.blobs, paper)
        reindex_meeting(session, found.id)
        flash("Paper removed.", "success")
    return _agenda(meeting_id)
