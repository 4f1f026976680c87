#!/usr/bin/env bash
# The whole test suite: lint, then unit, integration (real Elasticsearch, started by the tests themselves),
# crawler (real HTTP against local fixture sites) and browser tests (Debian's chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache  # one-way package layers (pyproject.toml, docs/ARCHITECTURE.md)
mkdir -p var/test-artifacts
exec .venv/bin/pytest -q "$@"
