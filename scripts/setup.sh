#!/usr/bin/env bash
# Create .venv with the pinned packages (requirements.txt, plus requirements-test.txt for the
# JAX-backend test), install fer_utils into it (editable) and register
# the python3 Jupyter kernel of that environment. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "warning: $("$python" --version) found; this project is pinned and tested on Python 3.11." >&2
fi
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements.txt -r requirements-test.txt
.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
.venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
echo "Environment ready: .venv ($(.venv/bin/python --version))"
