"""Benchmarks write their results into ``docs/benchmarks.md``, one section per benchmark, replaced on each run.

Each section ends with the date and the machine it was measured on, because figures from a shared 2-core
machine mean little without them.
"""

from __future__ import annotations

import os
import platform
import re
from datetime import date
from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nWritten by the scripts in `bench/`; do not edit by hand.\n"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu_model()}, {cores} cores, Python {platform.python_version()}"


def write_section(name: str, markdown: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the ``## name`` section of the benchmarks document, stamped with date and machine."""
    existing = path.read_text() if path.exists() else HEADER
    section = f"## {name}\n\n{markdown.strip()}\n\n_Run {date.today().isoformat()} on {machine()}._\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(existing):
        updated = pattern.sub(lambda _: section + "\n", existing).rstrip() + "\n"
    else:
        updated = existing.rstrip() + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated)
