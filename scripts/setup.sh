#!/usr/bin/env bash
# One-time (and safe to re-run) set-up of a fresh machine for Signaal:
#   1. a Python 3.11 virtualenv in .venv with the pinned package installed (re-installed when pyproject.toml changes);
#   2. Debian's chromium for Playwright (Playwright's own browser download does not work on these machines),
#      plus its chromium-headless-shell, the crawler's cheaper browser (docs/crawler.md, "Browser cost");
#   3. the triage UI's offline assets from the npm registry (Natural Earth boundaries for the map, npm package
#      world-atlas), pinned by package-lock.json, into node_modules/;
#   4. Debian's Dutch and English Hunspell dictionaries (hunspell-nl, hunspell-en-us), which `signaal es up`
#      installs into every node for Dutch/English stemming (docs/elasticsearch.md, "Text analysis");
#   5. Debian's stress-ng, which keeps the cores busy for the under-load test run (scripts/test-under-load.sh);
#   6. the Elasticsearch distribution fetched through Maven and unpacked under var/ (skipped when SIGNAAL_ES_URL
#      points at an existing cluster).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

PYTHON="${PYTHON:-python3.11}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "[setup] error: $PYTHON not found; Signaal needs Python 3.11" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.signaal-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing Signaal and its pinned dependencies into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  echo "$want" > "$stamp"
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    say "installing Debian's chromium (browser for Playwright)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium chromium-headless-shell fonts-liberation \
      fonts-dejavu-core >/dev/null
  else
    echo "[setup] error: chromium is missing; run: sudo apt-get install -y chromium chromium-headless-shell" >&2
    exit 1
  fi
elif [ ! -x /usr/lib/chromium/chromium-headless-shell ]; then
  if [ "$(id -u)" = "0" ]; then
    say "installing Debian's chromium-headless-shell (the crawler's browser)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium-headless-shell >/dev/null
  else
    say "note: chromium-headless-shell is missing (sudo apt-get install -y chromium-headless-shell); the crawler uses the full chromium"
  fi
fi

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    say "installing Debian's nodejs and npm (for the UI's map boundaries)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  else
    echo "[setup] error: npm is missing; run: sudo apt-get install -y nodejs npm" >&2
    exit 1
  fi
fi
if ! cmp -s package-lock.json node_modules/.signaal-installed-lock; then
  say "installing the UI's npm assets (package-lock.json: world-atlas map boundaries)"
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  cp package-lock.json node_modules/.signaal-installed-lock
fi
if [ ! -f /usr/share/hunspell/nl_NL.dic ] || [ ! -f /usr/share/hunspell/en_US.dic ]; then
  if [ "$(id -u)" = "0" ]; then
    say "installing Debian's Hunspell dictionaries (Dutch and English stemming in Elasticsearch)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends hunspell-nl hunspell-en-us >/dev/null
  else
    say "note: hunspell-nl / hunspell-en-us are missing (sudo apt-get install -y hunspell-nl hunspell-en-us); search works without stemming"
  fi
fi

# stress-ng keeps every core busy for the under-load test run (scripts/test-under-load.sh, README "Tests").
if ! command -v stress-ng >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    say "installing Debian's stress-ng (the suite's under-load run)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends stress-ng >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends stress-ng >/dev/null; }
  else
    say "note: stress-ng is missing (sudo apt-get install -y stress-ng); only scripts/test-under-load.sh needs it"
  fi
fi

if [ -z "${SIGNAAL_ES_URL:-}" ]; then
  say "provisioning Elasticsearch (cached after the first run)"
  .venv/bin/signaal es fetch
fi
say "ready"
