"""Every staff route, found from the URL map so a new route is covered the day it is added, refuses anonymous
visitors, keeps clerks out of admin pages, and never answers 500 to a signed-in person's empty form."""

from __future__ import annotations

ANY_STRING = "x"


def staff_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/staff")),
                  key=lambda rule: rule.rule)


def is_open(rule) -> bool:
    return rule.endpoint == "staff.login" or rule.endpoint.endswith(".static")


def fill(rule, world) -> str:
    """The rule's URL with real records' ids (so pages render, not 404) and a plain word for anything else."""
    known = {"meeting_id": world.meeting_id, "committee_id": world.committee_id, "item_id": world.item_id,
             "document_id": world.document_id, "segment_id": world.segment_id, "member_id": world.member_id,
             "user_id": world.clerk_id, "key": f"meetings/{world.meeting_id}/documents/none.pdf",
             "filename": "staff.css"}
    return rule.build({name: known.get(name, ANY_STRING) for name in rule.arguments}, append_unknown=False)[1]


def requests_for(app, world):
    for rule in staff_rules(app):
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule, method, fill(rule, world)


def test_the_staff_area_has_routes(staff_app):
    assert len(staff_rules(staff_app)) > 30


def test_anonymous_visitors_are_sent_to_sign_in(staff_app, world):
    client = staff_app.test_client()
    checked = 0
    for rule, method, url in requests_for(staff_app, world):
        if is_open(rule):
            continue
        response = client.open(url, method=method)
        if rule.rule.startswith("/staff/api/"):
            assert response.status_code == 401, url
            assert "Sign in" in response.get_json()["message"]
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/staff/login"), url
        checked += 1
    assert checked > 30


def test_clerks_cannot_reach_admin_pages_and_reach_everything_else(clerk, staff_app, world):
    for rule, method, url in requests_for(staff_app, world):
        if is_open(rule) or method != "GET":
            continue
        response = clerk.get(url)
        if rule.rule.startswith("/staff/admin"):
            assert response.status_code == 403, url
            assert b"administrators" in response.data
        else:
            assert response.status_code not in (401, 403) and response.status_code < 500, (url, response.status_code)


def test_clerks_cannot_change_anything_in_admin(clerk, staff_app, world):
    admin_posts = [(rule, url) for rule, method, url in requests_for(staff_app, world)
                   if method == "POST" and rule.rule.startswith("/staff/admin")]
    assert admin_posts
    for _, url in admin_posts:
        assert clerk.post(url, data={"email": "new@council.example", "password": "x" * 12, "role": "admin",
                                     "active": "0"}).status_code == 403, url


def test_admins_reach_every_page(admin, staff_app, world):
    for rule, method, url in requests_for(staff_app, world):
        if method == "GET" and not is_open(rule):
            response = admin.get(url)
            assert response.status_code not in (401, 403) and response.status_code < 500, (url, response.status_code)


def test_empty_or_junk_forms_never_cause_a_server_error(admin, staff_app, world):
    for rule, method, url in requests_for(staff_app, world):
        if method != "POST" or rule.endpoint == "staff.logout":
            continue
        for data in ({}, {"title": "<b>" * 400, "start-1": "nonsense", "direction": "sideways", "model": "x" * 500}):
            response = admin.post(url, data=data)
            assert response.status_code < 500, (url, data, response.status_code)
        assert admin.post(url, data="not json", content_type="application/json").status_code < 500, url
