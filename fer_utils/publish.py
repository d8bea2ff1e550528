"""Copy a finished real-data run into reports/ without any dataset face.

FER-2013 and RAF-DB may not be redistributed, so a published run keeps only what shows no
face: metrics.json, the training histories, the figures named in FIGURES_WITHOUT_FACES,
and the executed notebook with every picture removed except in cells tagged FACE_FREE_TAG.
Everything else (the model, the checkpoint, face figures, pseudo-label files with their
dataset labels) stays in the run folder. A published folder is never overwritten.
"""

import logging
import shutil
import tempfile
from pathlib import Path

import nbformat

from fer_utils.runs import METRICS_FILE, project_root

logger = logging.getLogger(__name__)

FACE_FREE_TAG = "figure-without-faces"
"""Cell tag that marks a figure cell whose image shows no face (curves, matrices, counts)."""

FIGURES_WITHOUT_FACES = ("training_curves.png", "confusion_matrix.png", "class_distribution.png")
"""Figure files a notebook writes that show no face. Every other PNG stays behind."""

TABLES = ("metrics.json", "history.csv", "labelled/history.csv", "pseudo_labelled/history.csv")
"""Text files of a run, relative to its folder, that are copied when present."""

TEXT_TYPES = ("text/html", "text/markdown", "text/latex")
PICTURE_MARKS = ("data:image", "<img", "<svg", "<object", "<embed")
REMOVED_NOTE = ("[Figure removed from the published copy: it may show dataset faces, which may not be "
                "redistributed. Run the notebook to see it.]\n")


def shows_picture(mime_type: str, value) -> bool:
    """Return whether one entry of an output's MIME bundle may contain a picture.

    Plain text never does, HTML, Markdown and LaTeX only when they embed one, and every
    other type (image/*, application/pdf, JSON, widget views) is treated as a picture.
    """
    if mime_type == "text/plain":
        return False
    if mime_type in TEXT_TYPES:
        text = "".join(value) if isinstance(value, list) else str(value)
        return any(mark in text.lower() for mark in PICTURE_MARKS)
    return True


def face_free_sources(notebook: nbformat.NotebookNode) -> set[str]:
    """Return the source code of the notebook's cells tagged FACE_FREE_TAG."""
    return {cell.source for cell in notebook.cells if FACE_FREE_TAG in cell.metadata.get("tags", [])}


def _strip_outputs(outputs: list) -> tuple[list, int]:
    outputs_kept, removed = [], 0
    for output in outputs:
        data = output.get("data", {})
        pictures = [mime_type for mime_type, value in data.items() if shows_picture(mime_type, value)]
        if not pictures:
            outputs_kept.append(output)
            continue
        removed += 1
        outputs_kept.append(nbformat.v4.new_output("stream", name="stdout", text=REMOVED_NOTE))
    return outputs_kept, removed


def strip_face_outputs(notebook: nbformat.NotebookNode, also_face_free: set[str] = frozenset()) -> int:
    """Remove, in place, every picture from cells that are not known to show no face.

    A code cell shows no face when it is tagged FACE_FREE_TAG or when its source is exactly
    one of also_face_free (the tagged cells of the project's copy of the notebook, for runs
    executed before a tag was added). Elsewhere each output with a picture becomes
    REMOVED_NOTE. Markdown and raw cells lose their attachments and any outputs, and the
    notebook loses its widget state. Raises ValueError naming the cell when a Markdown or
    raw cell's source embeds a picture. Returns the number of outputs and attachments removed.
    """
    notebook.metadata.pop("widgets", None)
    removed = 0
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            if any(mark in cell.source.lower() for mark in PICTURE_MARKS):
                raise ValueError(f"Cell {index} ({cell.cell_type}) embeds a picture in its source. Remove it "
                                 "from the notebook before publishing.")
            removed += len(cell.pop("attachments", {}) or {}) + len(cell.pop("outputs", []) or [])
            continue
        if FACE_FREE_TAG in cell.metadata.get("tags", []) or cell.source in also_face_free:
            continue
        cell.outputs, count = _strip_outputs(cell.get("outputs", []))
        removed += count
    return removed


def project_face_free_sources(notebook_name: str) -> set[str]:
    """Return face_free_sources of notebooks/<notebook_name> in this checkout, or an empty set without one."""
    root = project_root()
    path = root / "notebooks" / notebook_name if root else None
    if path is None or not path.is_file():
        return set()
    return face_free_sources(nbformat.read(path, as_version=4))


def find_executed_notebook(run_dir: Path) -> Path:
    """Return the one .ipynb file of a run folder, or raise FileNotFoundError (none) or ValueError (several)."""
    notebooks = sorted(run_dir.glob("*.ipynb"))
    if len(notebooks) != 1:
        found = ", ".join(path.name for path in notebooks) or "none"
        problem = FileNotFoundError if not notebooks else ValueError
        raise problem(f"{run_dir} should contain exactly one executed notebook (.ipynb); found {found}. "
                      "Pass the notebook with --notebook, or the notebook's own folder of a run_all run, "
                      "such as runs/run_all-real-<time>/05_improved_se.")
    return notebooks[0]


def _check_run_dir(run_dir: Path) -> None:
    if not run_dir.is_dir():
        raise FileNotFoundError(f"Run folder {run_dir} does not exist.")
    if not (run_dir / METRICS_FILE).is_file():
        raise FileNotFoundError(f"{run_dir} contains no {METRICS_FILE}: the run did not finish, or this is not "
                                "a notebook's run folder. Publish only finished runs.")


def _copy_files(run_dir: Path, target: Path) -> list[str]:
    """Copy TABLES and FIGURES_WITHOUT_FACES that exist in run_dir into target; return their names.

    A symbolic link is never followed, because it could point at a face figure.
    """
    copied = []
    for name in TABLES + FIGURES_WITHOUT_FACES:
        source = run_dir / name
        if source.is_symlink():
            logger.warning("Left out %s: it is a symbolic link, and only regular files are published.", source)
        elif source.is_file():
            (target / name).parent.mkdir(exist_ok=True)
            shutil.copy2(source, target / name)
            copied.append(name)
    return copied


def _read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read and validate a notebook file, or raise ValueError naming it."""
    try:
        content = nbformat.read(path, as_version=4)
        nbformat.validate(content)
    except (ValueError, KeyError, AttributeError, TypeError, nbformat.ValidationError) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise ValueError(f"{path} is not a valid Jupyter notebook ({reason}). Pass the executed .ipynb "
                         "file of the run with --notebook.") from error
    return content


def publish_run(run_dir: str | Path, report_dir: str | Path, notebook: str | Path | None = None) -> list[Path]:
    """Copy a finished run's face-free files into report_dir, a new folder, and return them.

    run_dir is one notebook's run folder with its metrics.json. The executed notebook is
    `notebook` when given, else the one .ipynb file in run_dir. Raises FileNotFoundError
    when the folder, its metrics.json or the notebook is missing, ValueError when the
    notebook is not a valid notebook file, and FileExistsError when report_dir already
    exists, so earlier published results are never replaced. The files are written into
    a temporary folder first, so a failure leaves no report_dir.
    """
    run_dir, report_dir = Path(run_dir), Path(report_dir)
    _check_run_dir(run_dir)
    executed = Path(notebook) if notebook is not None else find_executed_notebook(run_dir)
    if not executed.is_file():
        raise FileNotFoundError(f"Executed notebook {executed} does not exist.")
    if report_dir.exists() or report_dir.is_symlink():
        raise FileExistsError(f"{report_dir} already exists, and a published run is never overwritten. "
                              "Choose a new report folder.")
    content = _read_notebook(executed)
    removed = strip_face_outputs(content, project_face_free_sources(executed.name))
    report_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{report_dir.name}-", dir=report_dir.parent))
    try:
        staging.chmod(0o755)
        nbformat.write(content, staging / executed.name)
        names = [executed.name, *_copy_files(run_dir, staging)]
        staging.rename(report_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    left = sorted(path.name for path in run_dir.glob("*.png") if path.name not in FIGURES_WITHOUT_FACES)
    logger.info("Published %s to %s: %d files, %d pictures removed from the notebook, figures left out: %s",
                run_dir, report_dir, len(names), removed, ", ".join(left) or "none")
    return [report_dir / name for name in names]
