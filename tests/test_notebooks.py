import json
from pathlib import Path

import nbformat
import papermill
import pytest

from fer_utils.notebook_params import NOTEBOOK_PARAMETERS

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PRESENT = sorted(path for path in NOTEBOOKS.glob("*.ipynb"))


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


def test_improved_se_learns_fixture_with_injected_values(tmp_path):
    run_dir = tmp_path / "run"
    papermill.execute_notebook(
        str(NOTEBOOKS / "05_improved_se.ipynb"), str(tmp_path / "out.ipynb"), kernel_name="python3",
        parameters={"output_dir": str(run_dir), "validation_fraction": 0.25, "seed": 42},
        progress_bar=False,
    )
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["split_sizes"] == {"train": 525, "validation": 175, "test": 140}
    assert metrics["parameters"]["validation_fraction"] == 0.25
    assert metrics["recipe"]["batch_size"] == 8
    assert metrics["training"]["epochs_run"] == 15
    assert metrics["test"]["accuracy"] > 0.6
    assert metrics["test"]["macro_f1"] > 0.5
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
