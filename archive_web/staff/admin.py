"""Administrators' pages: staff accounts, the settings in force, and the audit log."""

from __future__ import annotations

from dataclasses import fields

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from storage import audit
from storage.models import User
from storage.users import UserError, create_user

from .. import get_storage
from . import bp
from .common import log_action
from .forms import UserForm

SECRET_SETTINGS = {"secret_key", "database_url", "extra"}
AUDIT_PAGE = 100


@bp.route("/admin/users", methods=["GET", "POST"])
def users():
    form = UserForm()
    with get_storage().db.session() as session:
        if form.validate_on_submit():
            try:
                created = create_user(session, form.email.data, form.password.data, form.role.data,
                                      form.name.data or "")
            except UserError as exc:
                form.email.errors.append(str(exc))
            else:
                log_action(session, "create", "user", created.id, f"{created.email} ({created.role.value})")
                flash(f"Account made for {created.email}. Give them the temporary password in person or by phone; "
                      "they can change it under “Change password”.", "success")
                return redirect(url_for("staff.users"))
        accounts = session.scalars(select(User).order_by(User.email)).all()
        return render_template("staff/users.html", users=accounts, form=form), 400 if form.errors else 200


@bp.post("/admin/users/<int:user_id>/active")
def set_user_active(user_id: int):
    active = request.form.get("active") == "1"
    with get_storage().db.session() as session:
        account = session.get(User, user_id)
        if account is None:
            flash("That account no longer exists.", "error")
        elif account.id == current_user.id and not active:
            flash("You cannot deactivate your own account; ask another administrator.", "error")
        else:
            account.active = active
            if active:
                account.failed_logins, account.locked_until = 0, None
            log_action(session, "activate" if active else "deactivate", "user", account.id, account.email)
            flash(f"{account.email} {'can sign in again' if active else 'can no longer sign in'}.", "success")
    return redirect(url_for("staff.users"))


@bp.get("/admin/settings")
def settings_view():
    settings = get_storage().settings
    shown = [(f.name, getattr(settings, f.name)) for f in fields(settings) if f.name not in SECRET_SETTINGS]
    return render_template("staff/settings.html", settings=shown,
                           database=settings.database_url.split("@")[-1].split("://")[-1],
                           backend="PostgreSQL" if not settings.is_sqlite else "SQLite")


@bp.get("/admin/audit")
def audit_log():
    page = max(1, request.args.get("page", 1, type=int))
    with get_storage().db.session() as session:
        entries = audit.recent(session, limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE)
        return render_template("staff/audit.html", entries=entries[:AUDIT_PAGE], page=page,
                               has_more=len(entries) > AUDIT_PAGE)
