"""Signing in and out, password changes, and the throttles that make password guessing slow.

Two throttles, because they stop different attacks: each account locks for 15 minutes after 5 wrong passwords
(someone guessing one clerk's password from many addresses), and each address is limited to 20 wrong passwords in
15 minutes (someone trying one common password against every account).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, session as cookie_session, url_for
from flask_login import UserMixin, current_user, login_user, logout_user

from storage.models import Role, User, utcnow
from storage.users import UserError, check_password_strength, find_user, hash_password, verify_password

from .. import get_storage
from . import bp, login_manager
from .common import log_action
from .forms import LoginForm, PasswordChangeForm

ACCOUNT_MAX_FAILURES = 5
ACCOUNT_LOCK = timedelta(minutes=15)
ADDRESS_MAX_FAILURES = 20
ADDRESS_WINDOW_SECONDS = 15 * 60
WRONG_DETAILS = "The email address or password is wrong."
# Checked against when the email is unknown, so a wrong email takes as long to answer as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password-for-timing")


@dataclass(frozen=True)
class StaffUser(UserMixin):
    """The signed-in person as the pages see them: a plain value, safe to use outside a database session."""

    id: int
    email: str
    name: str
    role: Role
    fingerprint: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def get_id(self) -> str:
        return f"{self.id}:{self.fingerprint}"


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does, so a password change signs out every other session."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:20]


def staff_user(user: User) -> StaffUser:
    return StaffUser(user.id, user.email, user.name, user.role, password_fingerprint(user))


@login_manager.user_loader
def load_user(session_id: str) -> StaffUser | None:
    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit():
        return None
    with get_storage().db.session() as session:
        user = session.get(User, int(user_id))
        if user is None or not user.active or not hmac.compare_digest(password_fingerprint(user), fingerprint):
            return None
        return staff_user(user)


class AddressThrottle:
    """Wrong passwords per client address, in memory: a restart forgets them, which the account lock survives."""

    def __init__(self, limit: int = ADDRESS_MAX_FAILURES, window: float = ADDRESS_WINDOW_SECONDS):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, address: str, now: float) -> deque[float]:
        failures = self._failures[address]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def wait_seconds(self, address: str) -> float:
        now = time.monotonic()
        with self._lock:
            failures = self._prune(address, now)
            if len(failures) < self.limit:
                return 0.0
            return failures[0] + self.window - now

    def failed(self, address: str) -> None:
        with self._lock:
            self._failures[address].append(time.monotonic())


def address_throttle() -> AddressThrottle:
    return current_app.extensions.setdefault("staff_address_throttle", AddressThrottle())


def _minutes(seconds: float) -> int:
    return max(1, int(seconds // 60 + (seconds % 60 > 0)))


def attempt_login(email: str, password: str, address: str) -> tuple[StaffUser | None, str]:
    """Check the password under both throttles. Returns the user, or None and the message to show."""
    throttle = address_throttle()
    wait = throttle.wait_seconds(address)
    if wait > 0:
        return None, f"Too many failed sign-ins from your network. Try again in {_minutes(wait)} minutes."
    with get_storage().db.session() as session:
        user = find_user(session, email)
        now = utcnow()
        if user is not None and user.locked_until and user.locked_until > now:
            throttle.failed(address)
            wait = (user.locked_until - now).total_seconds()
            return None, (f"This account is locked after too many wrong passwords. Try again in {_minutes(wait)} "
                          "minutes, or ask an administrator.")
        if user is None or not user.active:
            verify_password(User(password_hash=_DUMMY_HASH), password)
            throttle.failed(address)
            return None, WRONG_DETAILS
        if not verify_password(user, password):
            throttle.failed(address)
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= ACCOUNT_MAX_FAILURES:
                user.failed_logins = 0
                user.locked_until = now + ACCOUNT_LOCK
                return None, (f"Too many wrong passwords: this account is locked for "
                              f"{int(ACCOUNT_LOCK.total_seconds() // 60)} minutes.")
            return None, WRONG_DETAILS
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
        return staff_user(user), ""


def _safe_next(target: str | None) -> str:
    """Only ever go back to a staff page: never to another site (``//evil.example``)."""
    if target and target.startswith("/staff") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("staff.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("staff.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        user, message = attempt_login(form.email.data, form.password.data, request.remote_addr or "unknown")
        if user is not None:
            cookie_session.clear()  # a fresh session: nothing chosen before sign-in survives it
            cookie_session.permanent = True
            login_user(user)
            return redirect(_safe_next(form.next.data))
        flash(message, "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("staff/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    cookie_session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("staff.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        with get_storage().db.session() as session:
            user = session.get(User, current_user.id)
            if not verify_password(user, form.current.data):
                form.current.errors.append("That is not your current password.")
            else:
                try:
                    check_password_strength(form.new.data)
                except UserError as exc:
                    form.new.errors.append(str(exc))
                else:
                    user.password_hash = hash_password(form.new.data)
                    log_action(session, "change_password", "user", user.id, user.email)
                    session.flush()
                    login_user(staff_user(user))
                    flash("Your password has been changed. Other devices have been signed out.", "success")
                    return redirect(url_for("staff.dashboard"))
    return render_template("staff/password.html", form=form), 400 if form.errors else 200
