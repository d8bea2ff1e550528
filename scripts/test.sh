#!/usr/bin/env bash
# Run the whole test suite: every notebook under nbval on the fixture, then the tests in tests/.
# The notebooks go first because one test checks notebook 05's nbval run.
# Runs scripts/setup.sh first (quick when .venv is complete). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=2
# Notebook runs and decoded-data caches of the test session go to a scratch folder,
# not into runs/ or ~/.cache.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export FER_RUNS_DIR="$scratch/runs" FER_CACHE_DIR="$scratch/cache"
.venv/bin/python -m pytest --nbval-lax notebooks tests "$@"
