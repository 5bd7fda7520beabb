"""Staff pages for committee services, under ``/staff``.

Every request under ``/staff`` (this blueprint's and any other blueprint mounted there, such as analytics) passes
three gates, in one place so that a new page cannot forget them: signed in (pages redirect to the sign-in page,
``/staff/api/...`` answers 401 JSON), the right role (anything under ``/staff/admin`` is for admins only), and a
valid CSRF token on every request that changes something.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates", static_folder="static",
               static_url_path="/assets")
csrf = CSRFProtect()
login_manager = LoginManager()

# Pages a signed-out person must be able to reach (plus every blueprint's static files).
OPEN_ENDPOINTS = {"staff.login"}
ADMIN_PREFIX = "/staff/admin"
API_PREFIX = "/staff/api/"


def init_app(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 12 * 3600)
    app.config.update(
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # Not re-sent on every response: a status poll or video request in flight during a form post would
        # otherwise write back a cookie without the post's confirmation message. Sessions last 12 h from sign-in.
        SESSION_REFRESH_EACH_REQUEST=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=app.config.get("SESSION_COOKIE_SECURE", False),
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    app.register_blueprint(bp)
    app.before_request(guard)
    app.jinja_env.filters["staff_time"] = _timestamp_filter


@bp.app_context_processor
def optional_pages():
    """Links to staff pages that other parts of Chamber add when they are installed (viewing figures)."""
    return {"has_analytics": "analytics.overview" in current_app.view_functions}


def _timestamp_filter(seconds):
    from storage.agenda import format_timestamp

    return format_timestamp(seconds)


def guard():
    if not (request.path == "/staff" or request.path.startswith("/staff/")):
        return None
    if request.endpoint in OPEN_ENDPOINTS or (request.endpoint or "").endswith(".static"):
        return _csrf_check()
    if not current_user.is_authenticated:
        if request.path.startswith(API_PREFIX):
            return _json_error(401, "Unauthorized", "Sign in at /staff/login to use the staff API.")
        return redirect(url_for("staff.login", next=request.full_path if request.query_string else request.path))
    if request.path.startswith(ADMIN_PREFIX) and not current_user.is_admin:
        abort(403, "This page is for administrators. Ask an administrator if you need something changed here.")
    return _csrf_check()


def _csrf_check():
    if request.method not in ("GET", "HEAD", "OPTIONS") and current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            csrf.protect()
        except CSRFError as exc:
            if request.path.startswith(API_PREFIX):
                return _json_error(400, "Bad Request", f"{exc.description} Send the page's token in the "
                                                       "X-CSRFToken header.")
            raise
    return None


def _json_error(status: int, title: str, message: str):
    return jsonify({"error": title, "message": message, "status": status}), status


from . import admin, agenda, auth, chapters, committees, imports, media, meetings, stream, transcript  # noqa: E402,F401
