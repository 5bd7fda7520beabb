#!/usr/bin/env bash
# Sets up Chamber, then runs it on the embedded defaults with a demo council and a meeting live now.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/chamber up --demo
