#!/usr/bin/env bash
# The test suite (scripts/test.sh) while stress-ng keeps every core busy, as on CI's shared machine: a test
# that depends on timing fails here rather than at random later. Arguments go to pytest, e.g.
#   scripts/test-under-load.sh tests/crawler -m "not browser"
# STRESS_CPUS (default: all cores) and STRESS_TIMEOUT (default 120m, a bound in case this script is killed
# before it can stop stress-ng) tune the load.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
command -v stress-ng >/dev/null 2>&1 || { echo "error: stress-ng is missing; run scripts/setup.sh as root" >&2; exit 1; }
stress-ng --cpu "${STRESS_CPUS:-$(nproc)}" --timeout "${STRESS_TIMEOUT:-120m}" --quiet &
stress=$!
trap 'kill "$stress" 2>/dev/null || true; wait "$stress" 2>/dev/null || true' EXIT
echo "[test-under-load] stress-ng (pid $stress) keeps ${STRESS_CPUS:-$(nproc)} core(s) busy"
scripts/test.sh "$@"
