#!/usr/bin/env bash
# Sets up Chamber with the test extras, then runs the whole test suite (both backends, end-to-end included).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
