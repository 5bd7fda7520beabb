"""Structured logs: one line per event, ``key=value`` pairs, with the meeting id on every line about a meeting.

Code adds context with ``log.info("...", extra={"meeting_id": 12})``; the formatter prints it as ``meeting=12``.
"""

from __future__ import annotations

import logging
import os
import sys

CONTEXT_FIELDS = ("meeting_id", "job_id", "worker_id", "session")


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} {record.levelname:<7} {record.name}: {record.getMessage()}"
        extras = [f"{name.removesuffix('_id')}={getattr(record, name)}" for name in CONTEXT_FIELDS
                  if getattr(record, name, None) is not None]
        line = base + (" " + " ".join(extras) if extras else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: int | None = None) -> None:
    level = level or getattr(logging, os.environ.get("CHAMBER_LOG_LEVEL", "INFO").upper(), logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer", "faster_whisper", "waitress.queue", "alembic"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
