"""Committees and their members. Members' names become speaker suggestions in transcript correction."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from storage.meetings import RecordError, create_committee
from storage.models import Committee, Meeting, Member, MemberRole

from .. import get_storage
from . import bp
from .common import committee_or_404, form_errors, log_action
from .forms import CommitteeForm, MemberForm


@bp.route("/committees", methods=["GET", "POST"])
def committees():
    form = CommitteeForm()
    with get_storage().db.session() as session:
        if form.validate_on_submit():
            try:
                created = create_committee(session, form.name.data, form.description.data or "")
            except RecordError as exc:
                form.name.errors.append(str(exc))
            else:
                log_action(session, "create", "committee", created.id, created.name)
                flash(f"Committee “{created.name}” created. Add its members below.", "success")
                return redirect(url_for("staff.committee", committee_id=created.id))
        rows = session.scalars(select(Committee).order_by(Committee.archived, Committee.name)).all()
        return render_template("staff/committees.html", committees=rows, form=form), 400 if form.errors else 200


@bp.route("/committees/<int:committee_id>", methods=["GET", "POST"])
def committee(committee_id: int):
    with get_storage().db.session() as session:
        found = committee_or_404(session, committee_id)
        form = CommitteeForm(obj=found)
        if form.validate_on_submit():
            found.name, found.description = form.name.data.strip(), form.description.data or ""
            log_action(session, "edit", "committee", found.id, found.name)
            flash("Committee saved.", "success")
            return redirect(url_for("staff.committee", committee_id=found.id))
        meetings = session.scalars(select(Meeting).where(Meeting.committee_id == found.id)
                                   .order_by(Meeting.scheduled_start.desc()).limit(20)).all()
        return render_template("staff/committee.html", committee=found, form=form, member_form=MemberForm(),
                               meetings=meetings, roles=list(MemberRole)), 400 if form.errors else 200


@bp.post("/committees/<int:committee_id>/archive")
def archive_committee(committee_id: int):
    archived = request.form.get("archived", "1") == "1"
    with get_storage().db.session() as session:
        found = committee_or_404(session, committee_id)
        found.archived = archived
        log_action(session, "archive" if archived else "unarchive", "committee", found.id, found.name)
        state = "archived: it is no longer offered for new meetings" if archived else "is current again"
        flash(f"“{found.name}” {state}.", "success")
    return redirect(url_for("staff.committee", committee_id=committee_id))


@bp.post("/committees/<int:committee_id>/members")
def add_member(committee_id: int):
    form = MemberForm()
    with get_storage().db.session() as session:
        found = committee_or_404(session, committee_id)
        if form.validate():
            member = Member(committee=found, name=form.name.data.strip(), role=MemberRole(form.role.data))
            session.add(member)
            session.flush()
            log_action(session, "create", "member", member.id, f"{found.name}: {member.name} ({member.role.value})")
            flash(f"{member.name} added.", "success")
        else:
            flash(form_errors(form), "error")
    return redirect(url_for("staff.committee", committee_id=committee_id, _anchor="members"))


def _member_or_404(session, committee: Committee, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.committee_id != committee.id:
        abort(404, "That person is not a member of this committee; reload the page.")
    return member


@bp.post("/committees/<int:committee_id>/members/<int:member_id>")
def edit_member(committee_id: int, member_id: int):
    form = MemberForm()
    with get_storage().db.session() as session:
        found = committee_or_404(session, committee_id)
        member = _member_or_404(session, found, member_id)
        if form.validate():
            member.name, member.role = form.name.data.strip(), MemberRole(form.role.data)
            log_action(session, "edit", "member", member.id, f"{found.name}: {member.name} ({member.role.value})")
            flash(f"{member.name} saved.", "success")
        else:
            flash(form_errors(form), "error")
    return redirect(url_for("staff.committee", committee_id=committee_id, _anchor="members"))


@bp.post("/committees/<int:committee_id>/members/<int:member_id>/active")
def set_member_active(committee_id: int, member_id: int):
    """Members leave and come back; their past speaker labels stay, so members are retired, not deleted."""
    active = request.form.get("active") == "1"
    with get_storage().db.session() as session:
        found = committee_or_404(session, committee_id)
        member = _member_or_404(session, found, member_id)
        member.active = active
        log_action(session, "edit", "member", member.id,
                   f"{found.name}: {member.name} {'rejoined' if active else 'left'}")
        flash(f"{member.name} {'is a member again' if active else 'is no longer listed as a member'}.", "success")
    return redirect(url_for("staff.committee", committee_id=committee_id, _anchor="members"))
