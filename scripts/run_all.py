"""Run every notebook with papermill from one config into a new run folder, then collect the results.

    .venv/bin/python scripts/run_all.py --config configs/fixture.json
    .venv/bin/python scripts/run_all.py --config configs/real.json --only 02_shallow 03_deep
    .venv/bin/python scripts/run_all.py --collect-only runs/run_all-real-20250101-120000 --overwrite

See fer_utils.pipeline for the config format and fer_utils.results for what is collected.
"""

import sys

from fer_utils.pipeline import main

if __name__ == "__main__":
    sys.exit(main())
