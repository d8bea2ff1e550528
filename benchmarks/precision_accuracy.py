"""Train notebook 05 under each precision policy with the same seed and compare accuracy.

Runs papermill on notebooks/05_improved_se.ipynb once per policy, into
runs/precision-<time>/<data>-<policy>/, and prints a Markdown table of test accuracy,
macro-F1 and seconds per epoch. Usage:

    python benchmarks/precision_accuracy.py                      # the synthetic fixture
    python benchmarks/precision_accuracy.py --data PATH --epochs 2 --max-train-images 5000
"""

import argparse
import json
import time
from pathlib import Path

import papermill

from fer_utils.runs import default_runs_dir

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_improved_se.ipynb"


def run_policy(policy: str, folder: Path, parameters: dict) -> dict:
    """Execute notebook 05 with one precision policy; return its metrics.json."""
    folder.mkdir(parents=True)
    papermill.execute_notebook(str(NOTEBOOK), str(folder / "05_improved_se.ipynb"), kernel_name="python3",
                               parameters={**parameters, "precision": policy, "output_dir": str(folder / "run")},
                               progress_bar=False)
    return json.loads((folder / "run" / "metrics.json").read_text())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="data_dir of the runs (default: the synthetic fixture)")
    parser.add_argument("--epochs", type=int, help="epochs per run (default: the preset's)")
    parser.add_argument("--max-train-images", type=int, help="stratified training subset (default: all)")
    parser.add_argument("--policies", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--seed", type=int, default=42)
    arguments = parser.parse_args(argv)
    parameters = {"data_dir": arguments.data, "epochs": arguments.epochs, "seed": arguments.seed,
                  "max_train_images": arguments.max_train_images}
    root = default_runs_dir() / f"precision-{time.strftime('%Y%m%d-%H%M%S')}"
    label = Path(arguments.data).stem if arguments.data else "fixture"
    print("| data | policy | epochs | test accuracy | macro-F1 | seconds per epoch |")
    print("|---|---|---|---|---|---|")
    for policy in arguments.policies:
        metrics = run_policy(policy, root / f"{label}-{policy}", parameters)
        print(f"| {label} | {policy} | {metrics['training']['epochs_run']} | {metrics['test']['accuracy']:.4f} | "
              f"{metrics['test']['macro_f1']:.4f} | {metrics['training']['seconds_per_epoch']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
