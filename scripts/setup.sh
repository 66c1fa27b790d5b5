#!/usr/bin/env bash
# One-time (and idempotent) set-up on Debian/Ubuntu: system packages, then the npm dependencies.
# Safe to run again: it installs only what is missing and skips `npm ci` when node_modules already
# matches package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "setup: Node.js 20.19 or newer is needed (https://nodejs.org); it is not installed" >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "setup: Node.js $(node --version) is too old; Vigil needs 20.19 or newer" >&2
  exit 1
fi

bash scripts/setup-system.sh

stamp=node_modules/.vigil-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup: npm dependencies up to date"
else
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

# The reference Python (.venv): SciPy, LiteRT and TFLite Micro, which the tests compare against.
pystamp=.venv/.vigil-requirements-hash
pywant=$(sha256sum scripts/python-requirements.txt | cut -d' ' -f1)
if [ -f "$pystamp" ] && [ "$(cat "$pystamp")" = "$pywant" ]; then
  echo "setup: reference Python (.venv) up to date"
else
  echo "setup: reference Python (.venv): numpy, scipy, ai-edge-litert, tflite-micro"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/python-requirements.txt
  echo "$pywant" > "$pystamp"
fi
