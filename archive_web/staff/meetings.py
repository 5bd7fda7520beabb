"""Meetings: the staff dashboard, scheduling, editing, postponing, cancelling, publishing, live status, retries."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storage.blobkeys import meeting_prefix
from storage.meetings import RecordError, create_meeting
from storage.models import Committee, JobStatus, Meeting, MeetingStatus, Visibility, utcnow

from .. import get_storage
from ..public.formatting import local_datetime
from . import bp
from .common import committee_or_404, form_errors, log_action, meeting_or_404, reindex_meeting, remove_from_index
from .forms import MeetingForm, PostponeForm, RetranscribeForm, VisibilityForm, options
from .status import latest_job, meeting_status

NOT_STARTED = (MeetingStatus.SCHEDULED, MeetingStatus.POSTPONED, MeetingStatus.CANCELLED)
AFTER_RECORDING = (MeetingStatus.ENDED, MeetingStatus.PROCESSING, MeetingStatus.READY, MeetingStatus.FAILED)


def _committee_choices(session, include_id: int | None = None):
    committees = session.scalars(select(Committee).order_by(Committee.name))
    return options((c.id, c.name) for c in committees if not c.archived or c.id == include_id)


def _describe(meeting: Meeting) -> str:
    return f"{meeting.title} ({_when(meeting)})"


def _when(meeting: Meeting, pattern: str = "%Y-%m-%d %H:%M %Z") -> str:
    return local_datetime(meeting.scheduled_start, pattern)


def _listing():
    """Meetings with their committees loaded in one more query, not one per row."""
    return select(Meeting).options(selectinload(Meeting.committee))


@bp.get("/")
def dashboard():
    with get_storage().db.session() as session:
        now = utcnow()
        live = session.scalars(_listing().where(Meeting.status.in_([MeetingStatus.LIVE,
                                                                         MeetingStatus.RECONNECTING]))).all()
        upcoming = session.scalars(_listing().where(Meeting.status.in_([MeetingStatus.SCHEDULED,
                                                                             MeetingStatus.POSTPONED]),
                                                         Meeting.scheduled_start >= now - timedelta(hours=12))
                                   .order_by(Meeting.scheduled_start).limit(20)).all()
        attention = session.scalars(_listing().where(Meeting.status.in_([MeetingStatus.FAILED,
                                                                              MeetingStatus.PROCESSING,
                                                                              MeetingStatus.ENDED]))
                                    .order_by(Meeting.scheduled_start.desc()).limit(20)).all()
        return render_template("staff/dashboard.html", live=live, upcoming=upcoming, attention=attention)


@bp.get("/meetings")
def meetings():
    committee_id = request.args.get("committee", type=int)
    with get_storage().db.session() as session:
        query = _listing().order_by(Meeting.scheduled_start.desc())
        if committee_id:
            query = query.where(Meeting.committee_id == committee_id)
        page = max(1, request.args.get("page", 1, type=int))
        rows = session.scalars(query.limit(51).offset((page - 1) * 50)).all()
        return render_template("staff/meetings.html", meetings=rows[:50], has_more=len(rows) > 50, page=page,
                               committees=session.scalars(select(Committee).order_by(Committee.name)).all(),
                               committee_id=committee_id)


@bp.route("/meetings/new", methods=["GET", "POST"])
def new_meeting():
    with get_storage().db.session() as session:
        form = MeetingForm(committee_id=request.args.get("committee", type=int))
        form.committee_id.choices = _committee_choices(session)
        if not form.committee_id.choices:
            flash("Create a committee first: every meeting belongs to one.", "error")
            return redirect(url_for("staff.committees"))
        if form.validate_on_submit():
            try:
                meeting = create_meeting(session, committee_or_404(session, form.committee_id.data),
                                         form.title.data, form.scheduled_start.data,
                                         description=form.description.data or "", location=form.location.data or "")
            except RecordError as exc:
                flash(str(exc), "error")
            else:
                log_action(session, "create", "meeting", meeting.id, _describe(meeting))
                flash("Meeting scheduled. It is a draft until you publish it.", "success")
                return redirect(url_for("staff.meeting", meeting_id=meeting.id))
        return render_template("staff/meeting_form.html", form=form, meeting=None), 400 if form.errors else 200


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        return render_template("staff/meeting.html", meeting=found, status=meeting_status(session, found),
                               visibility_form=VisibilityForm(visibility=found.visibility.value),
                               postpone_form=PostponeForm(),
                               retranscribe_form=RetranscribeForm(), not_started=found.status in NOT_STARTED)


@bp.get("/api/meetings/<int:meeting_id>/status")
def meeting_status_json(meeting_id: int):
    with get_storage().db.session() as session:
        return jsonify(meeting_status(session, meeting_or_404(session, meeting_id)))


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit_meeting(meeting_id: int):
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        form = MeetingForm(obj=found)
        form.committee_id.choices = _committee_choices(session, include_id=found.committee_id)
        if form.validate_on_submit():
            if not form.title.data.strip():
                form.title.errors.append("A meeting needs a title.")
            else:
                found.committee = committee_or_404(session, form.committee_id.data)
                found.title = form.title.data.strip()
                found.scheduled_start = form.scheduled_start.data
                found.location = form.location.data or ""
                found.description = form.description.data or ""
                log_action(session, "edit", "meeting", found.id, _describe(found))
                reindex_meeting(session, found.id)
                flash("Meeting saved.", "success")
                return redirect(url_for("staff.meeting", meeting_id=found.id))
        return render_template("staff/meeting_form.html", form=form, meeting=found), 400 if form.errors else 200


def _back(meeting_id: int):
    return redirect(url_for("staff.meeting", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/postpone")
def postpone_meeting(meeting_id: int):
    form = PostponeForm()
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        if found.status not in (MeetingStatus.SCHEDULED, MeetingStatus.POSTPONED, MeetingStatus.CANCELLED):
            flash(f"A meeting that is {found.status.value} cannot be postponed.", "error")
        elif not form.validate():
            flash(form_errors(form), "error")
        elif form.new_start.data:
            old = _when(found)
            found.scheduled_start, found.status = form.new_start.data, MeetingStatus.SCHEDULED
            log_action(session, "reschedule", "meeting", found.id, f"{found.title}: {old} → {_when(found)}")
            flash(f"Meeting moved to {_when(found, '%A %-d %B %Y, %H:%M %Z')}.", "success")
        else:
            found.status = MeetingStatus.POSTPONED
            log_action(session, "postpone", "meeting", found.id, _describe(found))
            flash("Meeting postponed. Give it a new date when one is agreed.", "success")
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/cancel")
def cancel_meeting(meeting_id: int):
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        if found.status not in (MeetingStatus.SCHEDULED, MeetingStatus.POSTPONED):
            flash(f"A meeting that is {found.status.value} cannot be cancelled.", "error")
        else:
            found.status = MeetingStatus.CANCELLED
            log_action(session, "cancel", "meeting", found.id, _describe(found))
            flash("Meeting cancelled. The public page says so if the meeting is published.", "success")
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/visibility")
def set_visibility(meeting_id: int):
    form = VisibilityForm()
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        if not form.validate():
            flash(form_errors(form), "error")
            return _back(meeting_id)
        visibility = Visibility(form.visibility.data)
        if visibility != found.visibility:
            found.visibility = visibility
            action = "publish" if visibility == Visibility.PUBLIC else "unpublish"
            log_action(session, action, "meeting", found.id, f"{_describe(found)} is now {visibility.value}")
            reindex_meeting(session, found.id)
        flash({Visibility.PUBLIC: "Published: the meeting is on the public site.",
               Visibility.DRAFT: "The meeting is a draft: only staff can see it.",
               Visibility.PRIVATE: "The meeting is private: only staff can see it."}[visibility], "success")
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/delete")
def delete_meeting(meeting_id: int):
    storage = get_storage()
    with storage.db.session() as session:
        found = meeting_or_404(session, meeting_id)
        if found.status not in NOT_STARTED or found.recordings:
            flash("Only meetings that never went live can be deleted. Make it private instead to hide it.", "error")
            return _back(meeting_id)
        log_action(session, "delete", "meeting", found.id, _describe(found))
        remove_from_index(session, found.id)
        session.delete(found)
    storage.blobs.delete_prefix(meeting_prefix(meeting_id))
    flash("Meeting deleted.", "success")
    return redirect(url_for("staff.meetings"))


@bp.post("/meetings/<int:meeting_id>/retry")
def retry_processing(meeting_id: int):
    """Run the failed step again: the failed job itself when there is one, else a new transcription."""
    storage = get_storage()
    with storage.db.session() as session:
        meeting_or_404(session, meeting_id)
        job = latest_job(session, meeting_id)
        failed_job_id = job.id if job is not None and job.status == JobStatus.FAILED else None
    with storage.db.session() as session:
        found = meeting_or_404(session, meeting_id)
        if failed_job_id is None or not storage.jobs.retry(failed_job_id):
            storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id, "model": None}, session=session)
        if found.status == MeetingStatus.FAILED:
            found.status, found.failure_reason = MeetingStatus.PROCESSING, None
        log_action(session, "retry", "meeting", found.id, _describe(found))
    flash("Queued again. The status below updates as the worker makes progress.", "success")
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/retranscribe")
def retranscribe(meeting_id: int):
    form = RetranscribeForm()
    storage = get_storage()
    with storage.db.session() as session:
        found = meeting_or_404(session, meeting_id)
        if not form.validate():
            flash(form_errors(form), "error")
        elif found.status not in AFTER_RECORDING:
            flash("There is no recording to transcribe yet: wait until the meeting has ended.", "error")
        else:
            model = (form.model.data or "").strip() or None
            storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id, "model": model}, session=session)
            log_action(session, "retranscribe", "meeting", found.id, f"{_describe(found)} with {model or 'default'}")
            flash(f"Re-transcription with {model or 'the default model'} queued. Corrected lines are kept.", "success")
    return _back(meeting_id)
