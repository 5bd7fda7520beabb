"""The ``chamber`` command: one entry point for operators, clerks' scripts and the demo.

Commands that print records accept ``--json``. Failures exit non-zero with a message that says what to do.
"""

from __future__ import annotations

import json
import logging
import sys
from functools import wraps

import click

from storage import SettingsError, load_settings, open_storage
from storage.blobs import BlobStoreError
from storage.meetings import RecordError, committee_by_slug, create_committee, create_meeting, parse_datetime, \
    stream_endpoints
from storage.localtime import council_zone, to_local
from storage.models import Role
from storage.users import UserError, create_user
from streamer import StreamerError
from transcription import TranscriptionError


def _storage(upgrade: bool = False):
    try:
        storage = open_storage(load_settings())
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    if upgrade:
        storage.db.upgrade()
    return storage


def friendly_errors(fn):
    """Turn the errors a person can fix into one clear line instead of a traceback."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (SettingsError, RecordError, UserError, BlobStoreError, StreamerError, TranscriptionError) as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def emit(record: dict, as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(record, indent=2, default=str))
    else:
        for line in lines:
            click.echo(line)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show debug logging.")
def cli(verbose: bool) -> None:
    """Chamber: stream, record, transcribe and publish council meetings."""
    from .logging_setup import configure_logging

    configure_logging(logging.DEBUG if verbose else None)


@cli.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Create or upgrade the database schema (safe to run again)."""
    storage = _storage()
    applied = storage.db.upgrade()
    if applied:
        click.echo(f"Database upgraded: applied {', '.join(applied)}.")
    else:
        click.echo("Database already up to date.")


@db.command("optimize")
@friendly_errors
def db_optimize() -> None:
    """Compact the search index (after a bulk import; an idle worker also does it hourly)."""
    storage = _storage(upgrade=True)
    with storage.db.session() as session:
        storage.search.optimize(session)
    click.echo("Search index compacted.")


@cli.group()
def user() -> None:
    """Staff accounts."""


@user.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.CLERK.value, show_default=True)
@click.option("--name", default="")
@click.option("--password", envvar="CHAMBER_NEW_PASSWORD", help="Read from CHAMBER_NEW_PASSWORD or asked for.")
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def user_add(email: str, role: str, name: str, password: str | None, as_json: bool) -> None:
    """Create a staff account (the first one should be an admin)."""
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    storage = _storage(upgrade=True)
    with storage.db.session() as session:
        account = create_user(session, email, password, role, name)
        record = {"id": account.id, "email": account.email, "role": account.role.value}
    emit(record, as_json, [f"Created {record['role']} {record['email']} (id {record['id']})."])


@cli.group()
def committee() -> None:
    """Committees."""


@committee.command("add")
@click.argument("name")
@click.option("--slug", default=None, help="URL name; made from the name when omitted.")
@click.option("--description", default="")
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def committee_add(name: str, slug: str | None, description: str, as_json: bool) -> None:
    """Create a committee."""
    storage = _storage(upgrade=True)
    with storage.db.session() as session:
        created = create_committee(session, name, description, slug)
        record = {"id": created.id, "slug": created.slug, "name": created.name}
    emit(record, as_json, [f"Created committee {record['name']!r} with slug {record['slug']} (id {record['id']})."])


@cli.group()
def meeting() -> None:
    """Meetings."""


@meeting.command("add")
@click.option("--committee", "committee_slug", required=True, help="Committee slug.")
@click.option("--title", required=True)
@click.option("--start", required=True, help="ISO 8601 date and time in the council's time zone (CHAMBER_TIMEZONE) "
              "unless it has an offset, e.g. 2026-12-01T18:30.")
@click.option("--location", default="")
@click.option("--description", default="")
@click.option("--public", is_flag=True, help="Publish the meeting (and its agenda) on the public site.")
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def meeting_add(committee_slug, title, start, location, description, public, as_json) -> None:
    """Schedule a meeting; prints its id and the encoder settings."""
    storage = _storage(upgrade=True)
    zone = council_zone(storage.settings.timezone)
    with storage.db.session() as session:
        parent = committee_by_slug(session, committee_slug)
        created = create_meeting(session, parent, title, parse_datetime(start, zone), public=public,
                                 description=description, location=location)
        local_start = f"{to_local(created.scheduled_start, zone):%A %-d %B %Y, %H:%M %Z}"
        record = {"id": created.id, "title": created.title, "committee": parent.slug,
                  "start": created.scheduled_start.isoformat() + "Z", "visibility": created.visibility.value,
                  **stream_endpoints(created, storage.settings)}
    emit(record, as_json, [
        f"Scheduled meeting {record['id']}: {record['title']} ({local_start}, {record['visibility']})",
        f"  RTMP server:    {record['rtmp_url']}",
        f"  Stream key:     {record['stream_key']}",
        f"  SRT URL:        {record['srt_url']}",
        f"  SRT passphrase: {record['srt_passphrase']}",
    ])


@meeting.command("end")
@click.argument("meeting_id", type=int)
@friendly_errors
def meeting_end(meeting_id: int) -> None:
    """End a live meeting now: close the stream, publish the recording, queue the transcript."""
    from streamer.service import end_meeting

    storage = _storage(upgrade=True)
    click.echo(end_meeting(storage, meeting_id))


@cli.command("web")
@click.option("--host", default=None, help="Address to listen on (CHAMBER_WEB_HOST).")
@click.option("--port", type=int, default=None, help="Port (CHAMBER_WEB_PORT, default 8080).")
@click.option("--threads", type=int, default=8, show_default=True)
@friendly_errors
def web(host: str | None, port: int | None, threads: int) -> None:
    """Serve the web site with waitress."""
    from waitress import serve

    from . import create_app

    storage = _storage(upgrade=True)
    host = host or storage.settings.web_host
    port = port or storage.settings.web_port
    app = create_app(storage=storage)
    click.echo(f"Chamber web site on http://{host}:{port}/")
    serve(app, host=host, port=port, threads=threads, ident="chamber", clear_untrusted_proxy_headers=True)


@cli.command("worker")
@click.option("--once", is_flag=True, help="Process what is queued now, then exit.")
@friendly_errors
def worker(once: bool) -> None:
    """Run background jobs: transcription and imports."""
    from .jobs import run_worker

    run_worker(_storage(upgrade=True), once=once)


@cli.command("ingest")
@friendly_errors
def ingest() -> None:
    """Run the ingest service: nginx-rtmp, SRT listeners and one ffmpeg relay per live meeting."""
    from streamer.service import run_ingest

    run_ingest(_storage(upgrade=True))


@cli.command("simulate")
@click.option("--meeting", "meeting_id", type=int, required=True)
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--loop", is_flag=True, help="Loop the file until --duration or Ctrl-C.")
@click.option("--protocol", type=click.Choice(["rtmp", "srt"]), default="rtmp", show_default=True)
@click.option("--duration", type=float, default=None, help="Seconds to stream (default: the file, or 60 s).")
@friendly_errors
def simulate_cmd(meeting_id, path, loop, protocol, duration) -> None:
    """Act as an encoder: push a file or a generated test meeting to a meeting."""
    from streamer.simulate import simulate

    simulate(_storage(), meeting_id, path=path, loop=loop, protocol=protocol, duration=duration)


@cli.command("import")
@click.argument("source")
@click.option("--committee", "committee_slug", required=True)
@click.option("--title", help="Meeting title (one file).")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help="Meeting date (one file).")
@click.option("--csv", "csv_path", type=click.Path(exists=True, dir_okay=False),
              help="Bulk import: SOURCE is a folder and this CSV (file,title,date) lists its recordings.")
@click.option("--public", is_flag=True, help="Publish once processed.")
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def import_cmd(source, committee_slug, title, day, csv_path, public, as_json) -> None:
    """Import a past recording (file or URL), or a folder of them with --csv; the worker converts and transcribes."""
    storage = _storage(upgrade=True)
    if csv_path:
        from .bulk_import import BulkImportError, bulk_import

        try:
            report = bulk_import(storage, source, csv_path, committee_slug, public)
        except BulkImportError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(report.summary())
        return
    if not title or not day:
        raise click.ClickException("importing one recording needs --title and --date (or --csv for a folder)")
    from streamer.importer import queue_import

    meeting_id = queue_import(storage, source, committee_slug, title, day.date(), public=public)
    emit({"id": meeting_id}, as_json, [f"Meeting {meeting_id} created; `chamber worker` converts and transcribes it."])


@cli.command("transcribe")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["vtt", "srt", "txt", "json"]), default="vtt", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write here instead of stdout.")
@friendly_errors
def transcribe_cmd(path: str, fmt: str, output: str | None) -> None:
    """Transcribe one file, no server needed."""
    from transcription.standalone import transcribe_file

    transcribe_file(path, fmt, output, settings=load_settings())


@cli.command("stats")
@click.argument("meeting_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def stats_cmd(meeting_id: int, as_json: bool) -> None:
    """Audience figures for a meeting: people tuned in, minutes viewed, peak concurrent viewers."""
    from .analytics.figures import meeting_figures, describe_figures

    storage = _storage(upgrade=True)
    figures = meeting_figures(storage, meeting_id)
    emit(figures, as_json, describe_figures(figures))


@cli.command("doctor")
@click.option("--json", "as_json", is_flag=True)
def doctor(as_json: bool) -> None:
    """Check this installation (ffmpeg, nginx-rtmp, model, database, blob store, disk) and say what to fix."""
    from dataclasses import asdict

    from .doctor import run_checks

    checks = run_checks(_storage())
    lines = [f"{'ok ' if c.ok else 'FIX'}  {c.name:<24} {c.detail}" + (f"\n     -> {c.fix}" if c.fix and not c.ok else "")
             for c in checks]
    emit({"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}, as_json, lines)
    if not all(c.ok for c in checks):
        sys.exit(1)


@cli.command("bench")
@click.argument("names", nargs=-1)
def bench(names: tuple[str, ...]) -> None:
    """Run the benchmarks in bench/ (all, or those named); each writes its section of docs/benchmarks.md."""
    from pathlib import Path
    import subprocess

    bench_dir = Path(__file__).resolve().parents[1] / "bench"
    scripts = sorted(p for p in bench_dir.glob("*.py") if p.stem not in {"report", "__init__"})
    if not scripts:
        raise click.ClickException(f"no benchmarks found in {bench_dir}; run from a Chamber checkout")
    chosen = [p for p in scripts if not names or p.stem in names]
    unknown = set(names) - {p.stem for p in scripts}
    if unknown:
        raise click.ClickException(f"unknown benchmark(s) {sorted(unknown)}; choose from {[p.stem for p in scripts]}")
    failed = []
    for script in chosen:
        click.echo(f"== bench/{script.name}")
        if subprocess.run([sys.executable, str(script)], cwd=bench_dir.parent).returncode != 0:
            failed.append(script.stem)
    if failed:
        raise click.ClickException(f"benchmarks failed: {', '.join(failed)}")


@cli.command("up")
@click.option("--demo", is_flag=True, help="Seed a demo council with a live meeting.")
@friendly_errors
def up(demo: bool) -> None:
    """Run everything (web, worker, ingest) on this machine; Ctrl-C stops it all."""
    from .launcher import run_all

    storage = _storage(upgrade=True)
    run_all(storage, demo=demo)


def main() -> None:
    try:
        cli(prog_name="chamber")
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
