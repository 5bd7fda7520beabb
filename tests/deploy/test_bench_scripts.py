"""The benchmark scripts stay runnable: each one starts (its imports still resolve) and explains its options.

Running them in full takes minutes of both cores each, so the suite does not; `chamber bench` does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(p.stem for p in (REPO / "bench").glob("*.py") if p.stem not in {"report", "__init__"})


def test_every_benchmark_is_found():
    assert {"relay", "transcribe", "search", "beacons", "meeting_page"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_benchmark_script_starts_and_shows_its_usage(name):
    result = subprocess.run([sys.executable, str(REPO / "bench" / f"{name}.py"), "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage:" in result.stdout


def test_chamber_bench_names_the_benchmarks_it_knows():
    result = subprocess.run([sys.executable, "-m", "archive_web.cli", "bench", "no-such-bench"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "unknown benchmark(s) ['no-such-bench']" in result.stderr and "relay" in result.stderr
