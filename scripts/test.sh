#!/usr/bin/env bash
# Run the whole test suite: unit tests, then every notebook under nbval on the fixture.
# Sets up .venv first when it is missing. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=2
.venv/bin/python -m pytest tests --nbval-lax notebooks "$@"
