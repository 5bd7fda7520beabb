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
