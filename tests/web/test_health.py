"""/healthz reports each dependency, on both backends, and says when one is down."""


def test_healthz_ok_on_both_backends(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["blob_store"]["ok"]


def test_healthz_degraded_when_blob_store_is_unreachable(sqlite_env, tmp_path, monkeypatch):
    from servers import free_port

    from archive_web import create_app
    from storage import load_settings

    monkeypatch.setenv("CHAMBER_STORAGE_URL", "s3://chamber-missing/prefix")
    monkeypatch.setenv("CHAMBER_S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    app = create_app(load_settings())
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["blob_store"]["ok"] is False
    assert "cannot reach the S3 server" in body["checks"]["blob_store"]["error"]


def test_unknown_pages_are_404_pages_not_errors(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not Found" in response.data


def test_metrics_report_live_meetings_and_queue(client, storage):
    from storage.meetings import create_committee, create_meeting
    from storage.models import MeetingStatus, utcnow

    with storage.db.session() as session:
        committee = create_committee(session, "Planning")
        meeting = create_meeting(session, committee, "Live one", utcnow(), public=True)
        meeting.status = MeetingStatus.LIVE
    storage.jobs.enqueue("transcribe", {"meeting_id": 1})
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert "chamber_live_meetings 1.0" in body
    assert "chamber_jobs_queued 1.0" in body
    assert 'chamber_http_request_duration_seconds_count{endpoint="/healthz",method="GET",status="200"}' in body
