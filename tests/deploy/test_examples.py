"""The deployment examples in deploy/ are the ones a council copies: prove they work as written."""

import configparser
import os
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from servers import free_port

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def _wait_http(url: str, timeout: float = 30.0) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_gunicorn_behind_the_example_nginx_proxy_serves_the_site(sqlite_env, tmp_path):
    """gunicorn with 2 workers, as in chamber-web.service, behind deploy/nginx/chamber-site.conf."""
    web_port, proxy_port = free_port(), free_port()
    subprocess.run([sys.executable, "-m", "archive_web.cli", "db", "upgrade"], check=True, env=os.environ,
                   capture_output=True)
    gunicorn = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--bind",
                                 f"127.0.0.1:{web_port}", "archive_web.wsgi:app"], env=os.environ,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    site = (DEPLOY / "nginx/chamber-site.conf").read_text()
    site = site.replace("127.0.0.1:8080", f"127.0.0.1:{web_port}").replace("listen 80;", f"listen 127.0.0.1:{proxy_port};")
    prefix = tmp_path / "nginx"
    (prefix / "logs").mkdir(parents=True)
    (prefix / "site.conf").write_text(site)
    (prefix / "nginx.conf").write_text(
        "daemon off; pid nginx.pid; error_log logs/error.log;\n"
        "events { worker_connections 64; }\n"
        "http { access_log off; client_body_temp_path tmp; proxy_temp_path tmp; include site.conf; }\n")
    (prefix / "tmp").mkdir()
    nginx = subprocess.Popen(["nginx", "-p", str(prefix), "-c", "nginx.conf"], stderr=subprocess.PIPE)
    try:
        health = _wait_http(f"http://127.0.0.1:{proxy_port}/healthz")
        assert b'"status":"ok"' in health.replace(b" ", b"")
        home = _wait_http(f"http://127.0.0.1:{proxy_port}/")
        assert b"<html" in home
    finally:
        nginx.terminate()
        gunicorn.terminate()
        nginx.wait(timeout=10)
        gunicorn.wait(timeout=20)


def _chamber_subcommands() -> set[str]:
    from archive_web.cli import cli

    return set(cli.commands)


@pytest.mark.parametrize("unit", sorted(p.name for p in (DEPLOY / "systemd").glob("*.service")))
def test_systemd_units_run_real_commands(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / unit)
    for key in ("ExecStart", "ExecStartPre"):
        if not parser.has_option("Service", key):
            continue
        argv = shlex.split(parser.get("Service", key))
        program = Path(argv[0]).name
        if program == "chamber":
            assert argv[1] in _chamber_subcommands(), f"{unit}: chamber has no {argv[1]!r} command"
        elif program == "gunicorn":
            module, attr = argv[-1].strip('"').split(":")
            assert hasattr(__import__(module, fromlist=[attr]), attr), f"{unit}: {argv[-1]} does not load"
        else:
            pytest.fail(f"{unit}: unexpected program {program}")
    assert parser.get("Service", "EnvironmentFile") == "/etc/chamber/chamber.env"


def test_example_environment_names_only_real_settings():
    from dataclasses import fields

    from storage.settings import Settings

    known = {f"CHAMBER_{f.name.upper()}" for f in fields(Settings)}
    for line in (DEPLOY / "chamber.env.example").read_text().splitlines():
        name = line.split("=", 1)[0].strip()
        if name.startswith("CHAMBER_"):
            assert name in known, f"{name} is not a Chamber setting"
