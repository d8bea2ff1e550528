import ast
import json
import time
from pathlib import Path

import nbformat
import papermill
import pytest

from fer_utils.notebook_params import NOTEBOOK_PARAMETERS
from fer_utils.runs import default_runs_dir

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PRESENT = sorted(path for path in NOTEBOOKS.glob("*.ipynb"))
COLLECTED_AT = time.time()


@pytest.mark.parametrize("path", PRESENT, ids=lambda p: p.stem)
def test_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell has outputs"
            assert cell.execution_count is None, f"{path.name}: a code cell has an execution count"


@pytest.mark.parametrize("path", PRESENT, ids=lambda p: p.stem)
def test_python3_kernelspec(path):
    assert nbformat.read(path, as_version=4).metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("path", PRESENT, ids=lambda p: p.stem)
def test_parameters_cell_matches_registry(path):
    declared = set(papermill.inspect_notebook(str(path)))
    assert declared == set(NOTEBOOK_PARAMETERS[path.stem])


@pytest.fixture(scope="module")
def improved_se_default_metrics(request, tmp_path_factory) -> dict:
    """Return the metrics.json of notebook 05 run with its default parameters on the fixture.

    scripts/test.sh runs nbval over the notebooks before the tests, so the run that nbval
    wrote into the runs folder during this session is reused. When the session has no
    nbval item for the notebook, the notebook runs here. When it has one but its run is
    missing, the test fails instead of training the notebook a second time.
    """
    path = NOTEBOOKS / "05_improved_se.ipynb"
    defaults = {name: ast.literal_eval(spec["default"]) for name, spec in papermill.inspect_notebook(str(path)).items()}
    for metrics_file in sorted(default_runs_dir().glob("05_improved_se-*/metrics.json")):
        metrics = json.loads(metrics_file.read_text())
        if metrics_file.stat().st_mtime >= COLLECTED_AT and metrics["parameters"] == defaults:
            return metrics
    if any(item.path == path for item in request.session.items):
        pytest.fail(f"nbval ran {path.name} in this session, but {default_runs_dir()} contains no run of it "
                    "with its default parameters; see that notebook's nbval result.")
    run_dir = tmp_path_factory.mktemp("improved_se") / "run"
    papermill.execute_notebook(str(path), str(run_dir.with_suffix(".ipynb")), kernel_name="python3",
                               parameters={"output_dir": str(run_dir)}, progress_bar=False)
    return json.loads((run_dir / "metrics.json").read_text())


def test_improved_se_learns_fixture(improved_se_default_metrics):
    training = improved_se_default_metrics["training"]
    assert training["epochs_run"] == 15
    assert not training["stopped_early"]
    assert training["val_accuracy_at_best_epoch"] > 0.6
    assert improved_se_default_metrics["test"]["accuracy"] > 0.6
    assert improved_se_default_metrics["test"]["macro_f1"] > 0.5


def test_injected_values_take_effect(tmp_path):
    run_dir = tmp_path / "run"
    papermill.execute_notebook(
        str(NOTEBOOKS / "05_improved_se.ipynb"), str(tmp_path / "out.ipynb"), kernel_name="python3",
        parameters={"output_dir": str(run_dir), "validation_fraction": 0.25, "epochs": 1, "batch_size": 16,
                    "max_train_images": 280},
        progress_bar=False,
    )
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["split_sizes"] == {"train": 210, "validation": 70, "test": 140}
    assert metrics["parameters"]["validation_fraction"] == 0.25
    assert metrics["parameters"]["max_train_images"] == 280
    assert metrics["recipe"]["batch_size"] == 16
    assert metrics["training"]["epochs_run"] == 1
    assert set(metrics["test"]["accuracy_by_origin"]) == {"PublicTest", "PrivateTest"}
    for name in ("model.keras", "history.csv", "training_curves.png", "confusion_matrix.png", "prediction_grid.png"):
        assert (run_dir / name).exists(), name


def test_mistyped_parameter_stops_run(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError, match="Unknown parameter\\(s\\) epoch for notebook"):
        papermill.execute_notebook(
            str(NOTEBOOKS / "05_improved_se.ipynb"), str(tmp_path / "out.ipynb"), kernel_name="python3",
            parameters={"epoch": 2, "output_dir": str(tmp_path / "run")}, progress_bar=False,
        )
    assert not (tmp_path / "run" / "checkpoint").exists()
