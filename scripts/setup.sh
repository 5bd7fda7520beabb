#!/usr/bin/env bash
# Installs what Chamber needs on a Debian/Ubuntu machine: system packages (when run as root), a virtual
# environment with Chamber and its Python dependencies, and the browser player's JavaScript from npm.
# Safe to run again: it only installs what is missing. Use --test to add what the test suite needs.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[[ "${1:-}" == "--test" ]] && want_tests=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# "what must exist" -> "Debian package that provides it"
runtime=(
  "ffmpeg:ffmpeg"
  "nginx:nginx-light"
  "/usr/lib/nginx/modules/ngx_rtmp_module.so:libnginx-mod-rtmp"
  "espeak-ng:espeak-ng"
  "sox:sox"
  "npm:npm"
)
testing=(
  "/usr/lib/postgresql:postgresql"
  "chromium:chromium"
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core"
)
needs=("${runtime[@]}")
(( want_tests )) && needs+=("${testing[@]}")

missing=()
for need in "${needs[@]}"; do
  what=${need%%:*} pkg=${need##*:}
  if [[ $what == /* ]]; then [[ -e $what ]] && continue; else command -v "$what" >/dev/null && continue; fi
  [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]}"
    echo "Install them with: sudo apt-get install ${missing[*]}   (then run this script again)"
    exit 1
  fi
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Chamber needs Python 3.11 or newer; $("$python" --version) found. Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  say "Creating the virtual environment in .venv"
  "$python" -m venv .venv
fi
extras=""
(( want_tests )) && extras="[test]"
say "Installing Chamber and its Python packages into .venv"
.venv/bin/pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/pip install --quiet --disable-pip-version-check -e ".${extras}"

if [[ -f package.json ]]; then
  say "Installing the player's JavaScript (npm ci)"
  npm ci --silent --no-audit --no-fund
  .venv/bin/python -m archive_web.assets
fi
say "Setup complete."
