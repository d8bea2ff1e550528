#!/usr/bin/env bash
# Set everything up, then run the main job (notebook 05, the improved SE network) on the
# bundled synthetic fixture. Extra arguments go to papermill, e.g. -p epochs 3.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
run_dir="runs/05_improved_se-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$run_dir"
.venv/bin/papermill notebooks/05_improved_se.ipynb "$run_dir/05_improved_se.ipynb" \
    -p output_dir "$run_dir" --kernel python3 "$@"
echo "Done. Executed notebook, model, metrics.json and figures are in $run_dir"
