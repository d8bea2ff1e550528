import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from fer_utils.publish import (
    FACE_FREE_TAG,
    FIGURES_WITHOUT_FACES,
    REMOVED_NOTE,
    project_face_free_sources,
    publish_run,
    shows_picture,
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
    return sum(shows_picture(kind, value) for output in outputs for kind, value in output.get("data", {}).items())


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


@pytest.mark.parametrize("bundle", [
    {"image/webp": "UklGRg=="},
    {"application/pdf": "JVBERi0="},
    {"text/html": "<p>grid</p><img src='data:image/png;base64,iVBORw0KGgo='>"},
    {"text/markdown": "![face](data:image/png;base64,iVBORw0KGgo=)"},
    {"application/vnd.jupyter.widget-view+json": {"model_id": "abc"}},
])
def test_strip_removes_every_picture_type(bundle):
    cell = nbformat.v4.new_code_cell("show(face)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={**bundle, "text/plain": "<face>"})]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    assert strip_face_outputs(notebook) == 1
    assert [output.get("text") for output in cell.outputs] == [REMOVED_NOTE]


def test_strip_keeps_tables_and_text():
    cell = nbformat.v4.new_code_cell("class_count_table(splits)")
    table = {"text/html": "<table><tr><td>happy</td></tr></table>", "text/plain": "happy"}
    cell.outputs = [nbformat.v4.new_output("execute_result", data=table, execution_count=1)]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    assert strip_face_outputs(notebook) == 0
    assert cell.outputs[0]["data"] == table


def test_strip_drops_attachments_and_widgets():
    markdown = nbformat.v4.new_markdown_cell("![face](attachment:face.png)")
    markdown["attachments"] = {"face.png": {"image/png": "iVBORw0KGgo="}}
    notebook = nbformat.v4.new_notebook(cells=[markdown], metadata={"widgets": {"state": {}}})
    assert strip_face_outputs(notebook) == 1
    assert "attachments" not in markdown
    assert "widgets" not in notebook.metadata


def test_strip_rejects_inline_picture_in_markdown():
    markdown = nbformat.v4.new_markdown_cell("<img src='data:image/png;base64,iVBORw0KGgo='>")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Run"), markdown])
    with pytest.raises(ValueError, match="Cell 1 \\(markdown\\) embeds a picture"):
        strip_face_outputs(notebook)


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


def test_publish_skips_symbolic_links(run_dir, tmp_path):
    (run_dir / "training_curves.png").unlink()
    (run_dir / "training_curves.png").symlink_to(run_dir / "prediction_grid.png")
    report = tmp_path / "reports" / "03_deep-check"
    publish_run(run_dir, report)
    assert not (report / "training_curves.png").exists()
    assert (report / "confusion_matrix.png").is_file()


def test_publish_takes_notebook_elsewhere(run_dir, tmp_path):
    executed = tmp_path / "03_deep-fer2013.ipynb"
    (run_dir / "03_deep.ipynb").rename(executed)
    report = tmp_path / "reports" / "03_deep-check"
    publish_run(run_dir, report, executed)
    assert (report / "03_deep-fer2013.ipynb").is_file()


def test_publish_failure_leaves_nothing(run_dir, tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("shutil.copy2", fail)
    reports = tmp_path / "reports"
    with pytest.raises(OSError, match="disk full"):
        publish_run(run_dir, reports / "03_deep-check")
    assert list(reports.iterdir()) == []


def test_publish_rejects_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="Run folder .*nowhere does not exist"):
        publish_run(tmp_path / "nowhere", tmp_path / "report")


def test_publish_rejects_unfinished_run(run_dir, tmp_path):
    (run_dir / "metrics.json").unlink()
    with pytest.raises(FileNotFoundError, match="metrics.json"):
        publish_run(run_dir, tmp_path / "report")
    assert not (tmp_path / "report").exists()


@pytest.mark.parametrize("content", ['{"cells": [', '{"metrics": 1}', "[1, 2]",
                                     '{"cells": 5, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'])
def test_publish_rejects_invalid_notebook(run_dir, tmp_path, content):
    invalid = tmp_path / "invalid.ipynb"
    invalid.write_text(content)
    with pytest.raises(ValueError, match="invalid.ipynb is not a valid Jupyter notebook .*--notebook"):
        publish_run(run_dir, tmp_path / "report", invalid)
    assert not (tmp_path / "report").exists()


def test_publish_rejects_two_notebooks(run_dir, tmp_path):
    nbformat.write(_executed_notebook(), run_dir / "other.ipynb")
    with pytest.raises(ValueError, match="exactly one executed notebook"):
        publish_run(run_dir, tmp_path / "report")


def test_publish_script_reports_error(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "publish_run.py"), str(tmp_path / "missing"),
                             str(tmp_path / "report")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "missing does not exist" in result.stderr


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


def test_publishing_does_not_load_keras():
    code = "import sys, fer_utils.publish; print(sorted({'keras', 'tensorflow'} & set(sys.modules)))"
    loaded_modules = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded_modules.strip() == "[]"
