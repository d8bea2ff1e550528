import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from fer_utils.publish import (
    FACE_FREE_TAG,
    FIGURES_WITHOUT_FACES,
    IMAGE_TYPES,
    REMOVED_NOTE,
    project_face_free_sources,
    publish_run,
    strip_face_outputs,
)

ROOT = Path(__file__).resolve().parents[1]
PNG_OUTPUT = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480 with 1 Axes>"}


def _figure_cell(source, tags=()):
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})
    cell.outputs = [nbformat.v4.new_output("display_data", data=dict(PNG_OUTPUT)),
                    nbformat.v4.new_output("stream", name="stdout", text="saved\n")]
    return cell


def _executed_notebook():
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Run"),
        _figure_cell("plot_prediction_grid(images)"),
        _figure_cell("plot_training_curves(history)", tags=[FACE_FREE_TAG]),
        _figure_cell("plot_confusion_matrix(matrix)"),
    ])


def _image_count(cell):
    outputs = cell.get("outputs", [])
    return sum(kind in IMAGE_TYPES for output in outputs for kind in output.get("data", {}))


@pytest.fixture
def run_dir(tmp_path):
    """A finished run folder with face and face-free figures, a model file and a checkpoint."""
    folder = tmp_path / "runs" / "03_deep"
    (folder / "checkpoint").mkdir(parents=True)
    nbformat.write(_executed_notebook(), folder / "03_deep.ipynb")
    (folder / "metrics.json").write_text(json.dumps({"notebook": "03_deep"}))
    (folder / "history.csv").write_text("epoch,accuracy\n1,0.3\n")
    (folder / "model.keras").write_bytes(b"weights")
    for name in ("training_curves.png", "confusion_matrix.png", "prediction_grid.png"):
        (folder / name).write_bytes(b"png")
    return folder


def test_strip_keeps_tagged_figures_only():
    notebook = _executed_notebook()
    removed = strip_face_outputs(notebook)
    assert removed == 2
    grid, curves, matrix = notebook.cells[1:]
    assert _image_count(grid) == 0
    assert _image_count(matrix) == 0
    assert _image_count(curves) == 1


def test_strip_leaves_note_and_text():
    notebook = _executed_notebook()
    strip_face_outputs(notebook)
    grid = notebook.cells[1]
    assert [output.get("text") for output in grid.outputs] == [REMOVED_NOTE, "saved\n"]


def test_strip_accepts_sources_of_tagged_cells():
    notebook = _executed_notebook()
    removed = strip_face_outputs(notebook, {"plot_confusion_matrix(matrix)"})
    assert removed == 1
    assert _image_count(notebook.cells[3]) == 1


def test_project_notebooks_tag_curves_not_grids():
    sources = project_face_free_sources("05_improved_se.ipynb")
    assert any("plot_training_curves(" in source for source in sources)
    assert any("plot_confusion_matrix(" in source for source in sources)
    assert not any("plot_prediction_grid(" in source for source in sources)


def test_publish_copies_face_free_files(run_dir, tmp_path):
    report = tmp_path / "reports" / "03_deep-check"
    written = publish_run(run_dir, report)
    names = sorted(path.name for path in report.iterdir())
    assert names == ["03_deep.ipynb", "confusion_matrix.png", "history.csv", "metrics.json", "training_curves.png"]
    assert sorted(path.name for path in written) == names
    published = nbformat.read(report / "03_deep.ipynb", as_version=4)
    assert sum(_image_count(cell) for cell in published.cells) == 1


def test_publish_never_overwrites(run_dir, tmp_path):
    report = tmp_path / "reports" / "03_deep-check"
    report.mkdir(parents=True)
    (report / "metrics.json").write_text("earlier")
    with pytest.raises(FileExistsError, match="03_deep-check"):
        publish_run(run_dir, report)
    assert (report / "metrics.json").read_text() == "earlier"


def test_publish_rejects_unfinished_run(run_dir, tmp_path):
    (run_dir / "metrics.json").unlink()
    with pytest.raises(FileNotFoundError, match="metrics.json"):
        publish_run(run_dir, tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_publish_rejects_two_notebooks(run_dir, tmp_path):
    nbformat.write(_executed_notebook(), run_dir / "other.ipynb")
    with pytest.raises(ValueError, match="exactly one executed notebook"):
        publish_run(run_dir, tmp_path / "report")


def test_publish_script_reports_error(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "publish_run.py"), str(tmp_path / "missing"),
                             str(tmp_path / "report")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "missing" in result.stderr


def _published_files():
    return sorted((ROOT / "reports").rglob("*"))


def test_reports_contain_no_face_figures():
    pictures = [path for path in _published_files() if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".svg")]
    unexpected = [str(path) for path in pictures if path.name not in FIGURES_WITHOUT_FACES]
    assert unexpected == []


def test_reports_notebooks_show_no_faces():
    for path in (path for path in _published_files() if path.suffix == ".ipynb"):
        notebook = nbformat.read(path, as_version=4)
        allowed = project_face_free_sources(path.name)
        for cell in notebook.cells:
            tagged = FACE_FREE_TAG in cell.metadata.get("tags", []) or cell.source in allowed
            if cell.cell_type == "code" and not tagged:
                assert _image_count(cell) == 0, f"{path}: an untagged cell shows an image"
