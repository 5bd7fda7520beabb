"""The OpenAPI document is valid, describes every /api/v1 route, and the API survives fuzzing from it: whatever
schemathesis sends, the answer is never a 500, and well-formed requests get answers that match the document."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate

from archive_builder import Archive, Line
from storage.models import Visibility


def test_document_is_valid_openapi(sqlite_app):
    document = sqlite_app.test_client().get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.")


def test_every_api_route_is_documented(sqlite_app):
    document = sqlite_app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    for rule in sqlite_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {rule.rule} is missing from the OpenAPI document"


@pytest.fixture
def seeded_app(app, storage):
    """A public meeting with a transcript (id 1) and a private one (id 2), so ids in fuzzed paths hit both."""
    archive = Archive(storage)
    committee = archive.committee()
    public = archive.meeting(committee, agenda=[("1", "Apologies", 0.0)])
    archive.transcript(public, [Line(0, 2, "Welcome to the meeting.", "Chair")])
    archive.meeting(committee, "Private meeting", visibility=Visibility.PRIVATE)
    return app


def test_fuzzed_requests_never_cause_server_errors(seeded_app):
    import schemathesis
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded_app)
    answers: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def exercise(case):
                response = case.call()
                answers.setdefault(operation.label, set()).add(response.status_code)
                assert response.status_code < 500, (
                    f"{case.method} {case.formatted_path} query={case.query} body={case.body!r} -> "
                    f"{response.status_code}: {response.text[:300]}")
                if mode == GenerationMode.POSITIVE and response.status_code < 300:
                    case.validate_response(response)

            try:
                exercise()
            except Unsatisfiable:
                pass  # an operation without parameters has no invalid requests to generate
    assert {"GET /api/v1/meetings/{meeting_id}", "GET /api/v1/meetings", "POST /api/v1/beacon"} <= set(answers)
    assert 404 in answers["GET /api/v1/meetings/{meeting_id}"]
