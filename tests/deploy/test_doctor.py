"""chamber doctor finds what an installation lacks and says how to fix it."""

import json
import os
import subprocess
import sys


def doctor(env):
    return subprocess.run([sys.executable, "-m", "archive_web.cli", "doctor", "--json"], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=120)


def test_doctor_says_to_upgrade_an_empty_database_then_passes(tmp_path):
    env = {"CHAMBER_DATA_DIR": str(tmp_path)}
    before = doctor(env)
    assert before.returncode == 1
    checks = {c["name"]: c for c in json.loads(before.stdout)["checks"]}
    assert not checks["database"]["ok"] and "chamber db upgrade" in checks["database"]["fix"]
    assert checks["ffmpeg"]["ok"] and checks["nginx-rtmp"]["ok"] and checks["speech model"]["ok"]

    subprocess.run([sys.executable, "-m", "archive_web.cli", "db", "upgrade"], check=True, capture_output=True,
                   env={**os.environ, **env})
    after = doctor(env)
    assert after.returncode == 0, after.stdout
    assert json.loads(after.stdout)["ok"] is True


def test_doctor_explains_an_unreachable_blob_store(tmp_path):
    from servers import free_port

    env = {"CHAMBER_DATA_DIR": str(tmp_path), "CHAMBER_STORAGE_URL": "s3://chamber/x",
           "CHAMBER_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "y"}
    result = doctor(env)
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert result.returncode == 1
    assert "cannot reach the S3 server" in checks["blob store"]["detail"]
    assert "CHAMBER_S3_ENDPOINT_URL" in checks["blob store"]["fix"]
