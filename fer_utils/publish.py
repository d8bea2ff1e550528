"""Copy a finished real-data run into reports/ without any dataset face.

FER-2013 and RAF-DB may not be redistributed, so a published run keeps only what shows no
face: metrics.json, the training histories, the figures named in FIGURES_WITHOUT_FACES,
and the executed notebook with every image output removed except those of cells tagged
FACE_FREE_TAG. Everything else (the model, the checkpoint, face figures) stays in the run
folder. A published folder is never overwritten.
"""

import logging
import shutil
from pathlib import Path

import nbformat

from fer_utils.runs import METRICS_FILE, project_root

logger = logging.getLogger(__name__)

FACE_FREE_TAG = "figure-without-faces"
"""Cell tag that marks a figure cell whose image shows no face (curves, matrices, counts)."""

FIGURES_WITHOUT_FACES = ("training_curves.png", "confusion_matrix.png", "class_distribution.png")
"""Figure files a notebook writes that show no face. Every other PNG stays behind."""

TABLES = ("metrics.json", "history.csv", "labelled/history.csv", "pseudo_labelled/history.csv",
          "pseudo_labelled/pseudo_labels.csv")
"""Text files of a run, relative to its folder, that are copied when present."""

IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
REMOVED_NOTE = ("[Figure removed from the published copy because it shows dataset faces, which may not be "
                "redistributed. Run the notebook to see it.]\n")


def find_executed_notebook(run_dir: Path) -> Path:
    """Return the one .ipynb file of a run folder, or raise FileNotFoundError (none) or ValueError (several)."""
    notebooks = sorted(run_dir.glob("*.ipynb"))
    if len(notebooks) != 1:
        found = ", ".join(path.name for path in notebooks) or "none"
        problem = FileNotFoundError if not notebooks else ValueError
        raise problem(f"{run_dir} should contain exactly one executed notebook (.ipynb); found {found}. "
                      "Pass the notebook's own folder of a run_all run, such as runs/run_all-real-<time>/05_improved_se.")
    return notebooks[0]


def face_free_sources(notebook: nbformat.NotebookNode) -> set[str]:
    """Return the source code of the notebook's cells tagged FACE_FREE_TAG."""
    return {cell.source for cell in notebook.cells if FACE_FREE_TAG in cell.metadata.get("tags", [])}


def strip_face_outputs(notebook: nbformat.NotebookNode, also_face_free: set[str] = frozenset()) -> int:
    """Remove image outputs, in place, from every code cell that is not known to show no face.

    A cell shows no face when it is tagged FACE_FREE_TAG or when its source is exactly one
    of also_face_free (the tagged cells of the project's copy of the notebook, for runs
    executed before a tag was added). Each removed image is replaced by REMOVED_NOTE, so
    a reader sees where a figure was. Returns the number of images removed.
    """
    removed = 0
    for cell in notebook.cells:
        tagged = FACE_FREE_TAG in cell.metadata.get("tags", [])
        if cell.cell_type != "code" or tagged or cell.source in also_face_free:
            continue
        outputs = []
        for output in cell.get("outputs", []):
            images = [kind for kind in output.get("data", {}) if kind in IMAGE_TYPES]
            if not images:
                outputs.append(output)
                continue
            removed += len(images)
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=REMOVED_NOTE))
        cell.outputs = outputs
    return removed


def project_face_free_sources(notebook_name: str) -> set[str]:
    """Return face_free_sources of notebooks/<notebook_name> in this checkout, or an empty set without one."""
    root = project_root()
    path = root / "notebooks" / notebook_name if root else None
    if path is None or not path.is_file():
        return set()
    return face_free_sources(nbformat.read(path, as_version=4))


def publish_run(run_dir: str | Path, report_dir: str | Path) -> list[Path]:
    """Copy a finished run's face-free files into report_dir, a new folder, and return them.

    run_dir is one notebook's run folder: metrics.json and exactly one executed notebook.
    Raises FileNotFoundError when either is missing and FileExistsError when report_dir
    already exists, so earlier published results are never replaced.
    """
    run_dir, report_dir = Path(run_dir), Path(report_dir)
    if not (run_dir / METRICS_FILE).is_file():
        raise FileNotFoundError(f"{run_dir} contains no {METRICS_FILE}: the run did not finish, or this is not "
                                "a notebook's run folder. Publish only finished runs.")
    executed = find_executed_notebook(run_dir)
    if report_dir.exists():
        raise FileExistsError(f"{report_dir} already exists, and a published run is never overwritten. "
                              "Choose a new report folder.")
    notebook = nbformat.read(executed, as_version=4)
    removed = strip_face_outputs(notebook, project_face_free_sources(executed.name))
    report_dir.mkdir(parents=True)
    written = [report_dir / executed.name]
    nbformat.write(notebook, written[0])
    for name in TABLES + FIGURES_WITHOUT_FACES:
        if (run_dir / name).is_file():
            (report_dir / name).parent.mkdir(exist_ok=True)
            written.append(Path(shutil.copy2(run_dir / name, report_dir / name)))
    left = sorted(path.name for path in run_dir.glob("*.png") if path.name not in FIGURES_WITHOUT_FACES)
    logger.info("Published %s to %s: %d files, %d face images removed from the notebook, figures left out: %s",
                run_dir, report_dir, len(written), removed, ", ".join(left) or "none")
    return written
