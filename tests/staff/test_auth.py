"""Signing in: throttles against password guessing, CSRF on every change, cookie flags, sign-out, password change."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from staffkit import ADMIN, CLERK, PASSWORD, csrf_token, embedded_only, login
from storage.models import AuditEntry, Committee, User, utcnow


@embedded_only
def test_sign_in_lands_on_the_dashboard_and_sign_out_ends_the_session(staff_app, world):
    client = staff_app.test_client()
    response = login(client, CLERK.upper(), follow_redirects=True)
    assert response.status_code == 200 and b"Committee services" in response.data
    assert client.post("/staff/logout").status_code == 302
    assert client.get("/staff/").headers["Location"].startswith("/staff/login")


@embedded_only
def test_wrong_password_is_refused_without_saying_which_part_was_wrong(staff_app, world):
    client = staff_app.test_client()
    for email in (CLERK, "nobody@council.example"):
        response = login(client, email, "wrong password!!")
        assert response.status_code == 401
        assert b"The email address or password is wrong." in response.data
    assert client.get("/staff/").status_code == 302


def test_an_account_locks_for_15_minutes_after_five_wrong_passwords(staff_app, world, storage):
    client = staff_app.test_client()
    for attempt in range(4):
        assert b"is wrong" in login(client, CLERK, f"guess number {attempt}").data
    assert b"locked for 15 minutes" in login(client, CLERK, "guess number 5").data
    locked = login(client, CLERK)  # even the right password is refused while locked
    assert locked.status_code == 401 and b"This account is locked" in locked.data
    with storage.db.session() as session:
        user = session.scalar(select(User).where(User.email == CLERK))
        assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)
        user.locked_until = utcnow() - timedelta(seconds=1)  # the 15 minutes have passed
    assert login(client, CLERK).status_code == 302


@embedded_only
def test_one_address_trying_many_accounts_is_slowed_down(staff_app, world):
    attacker = staff_app.test_client()
    for n in range(20):
        login(attacker, f"user{n}@council.example", "Password123!", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    blocked = login(attacker, ADMIN, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert blocked.status_code == 401 and b"Too many failed sign-ins from your network" in blocked.data
    colleague = staff_app.test_client()
    assert login(colleague, ADMIN, environ_base={"REMOTE_ADDR": "198.51.100.4"}).status_code == 302


@embedded_only
def test_changes_without_a_csrf_token_are_refused(staff_app, world, storage):
    staff_app.config.update(WTF_CSRF_ENABLED=True)
    client = staff_app.test_client()
    assert login(client, CLERK).status_code == 400  # the sign-in form itself is protected
    page = client.get("/staff/login")
    signed_in = client.post("/staff/login", data={"email": CLERK, "password": PASSWORD,
                                                  "csrf_token": csrf_token(page.data)})
    assert signed_in.status_code == 302

    refused = client.post("/staff/committees", data={"name": "Forged Committee"})
    assert refused.status_code == 400 and b"CSRF token is missing" in refused.data
    forged = client.post("/staff/committees", data={"name": "Forged Committee", "csrf_token": "forged"})
    assert forged.status_code == 400
    api = client.post(f"/staff/api/meetings/{world.meeting_id}/agenda/order", json={"order": [world.item_id]})
    assert api.status_code == 400 and "CSRF" in api.get_json()["message"]
    with storage.db.session() as session:
        assert session.scalar(select(Committee).where(Committee.name == "Forged Committee")) is None

    token = csrf_token(client.get("/staff/committees").data)
    assert client.post("/staff/committees", data={"name": "Real Committee", "csrf_token": token}).status_code == 302
    assert client.post(f"/staff/api/meetings/{world.meeting_id}/agenda/order", json={"order": [world.item_id]},
                       headers={"X-CSRFToken": token}).status_code == 200


@embedded_only
def test_session_cookie_is_http_only_same_site_and_secure_behind_https(world, storage, monkeypatch):
    from archive_web import create_app
    from storage import load_settings, open_storage

    monkeypatch.setenv("CHAMBER_PUBLIC_BASE_URL", "https://meetings.council.example")
    https_storage = open_storage(load_settings())
    try:
        app = create_app(storage=https_storage)
        app.config.update(WTF_CSRF_ENABLED=False)
        cookie = login(app.test_client(), CLERK).headers["Set-Cookie"]
    finally:
        https_storage.close()
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


@embedded_only
def test_sign_in_never_redirects_off_the_staff_site(staff_app, world):
    client = staff_app.test_client()
    for target in ("https://evil.example/", "//evil.example/staff", "/staff/meetings"):
        response = client.post("/staff/login", data={"email": CLERK, "password": PASSWORD, "next": target})
        assert response.headers["Location"] == ("/staff/meetings" if target == "/staff/meetings" else "/staff/")
        client.post("/staff/logout")


@embedded_only
def test_password_change_signs_out_other_devices(staff_app, world, storage):
    laptop, phone = staff_app.test_client(), staff_app.test_client()
    login(laptop, CLERK)
    login(phone, CLERK)
    wrong = laptop.post("/staff/account/password", data={"current": "not it at all", "new": "a much better one",
                                                         "confirm": "a much better one"})
    assert wrong.status_code == 400 and b"not your current password" in wrong.data
    short = laptop.post("/staff/account/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert short.status_code == 400
    changed = laptop.post("/staff/account/password", data={"current": PASSWORD, "new": "a much better one",
                                                           "confirm": "a much better one"})
    assert changed.status_code == 302
    assert laptop.get("/staff/").status_code == 200  # this device stays signed in
    assert phone.get("/staff/").status_code == 302  # the other one is signed out
    assert login(phone, CLERK).status_code == 401
    assert login(phone, CLERK, "a much better one").status_code == 302


def test_admin_adds_and_deactivates_accounts_and_the_audit_log_shows_it(admin, staff_app, world, storage):
    added = admin.post("/staff/admin/users", data={"email": "new.clerk@council.example", "name": "New Clerk",
                                                   "role": "clerk", "password": "temporary password"})
    assert added.status_code == 302
    newcomer = staff_app.test_client()
    assert login(newcomer, "new.clerk@council.example", "temporary password").status_code == 302
    with storage.db.session() as session:
        new_id = session.scalar(select(User.id).where(User.email == "new.clerk@council.example"))
    assert admin.post(f"/staff/admin/users/{new_id}/active", data={"active": "0"}).status_code == 302
    assert newcomer.get("/staff/").status_code == 302  # deactivated: the open session ends too
    assert login(newcomer, "new.clerk@council.example", "temporary password").status_code == 401
    duplicate = admin.post("/staff/admin/users", data={"email": CLERK, "role": "clerk", "password": "x" * 12})
    assert duplicate.status_code == 400 and b"already exists" in duplicate.data
    with storage.db.session() as session:
        me = session.scalar(select(User).where(User.email == ADMIN))
    admin.post(f"/staff/admin/users/{me.id}/active", data={"active": "0"})
    assert admin.get("/staff/").status_code == 200  # an admin cannot lock themselves out
    log = admin.get("/staff/admin/audit").data.decode()
    assert "new.clerk@council.example (clerk)" in log and "deactivate" in log and ADMIN in log
    with storage.db.session() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.user_email == ADMIN)).all()
    assert {"create", "deactivate"} <= set(actions)


@embedded_only
def test_settings_page_shows_settings_but_no_secrets(admin, storage):
    page = admin.get("/staff/admin/settings").data.decode()
    assert "CHAMBER_UPLOAD_MAX_MB" in page and "CHAMBER_RTMP_PORT" in page
    assert storage.settings.secret_key not in page and "CHAMBER_SECRET_KEY" not in page
