"""Collect the notebooks' metrics.json files into one results table and one figures folder.

A results folder gets results.csv and results.md, with one row per trained model and two
for the pseudo-labelling notebook (before and after). It also gets figures/: the report's
Figures 1-6, every confusion matrix and the data figures, each copied from its run.
"""

import json
import logging
import math
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fer_utils.notebook_params import NOTEBOOK_PARAMETERS
from fer_utils.runs import METRICS_FILE

logger = logging.getLogger(__name__)

REPORT_RESULTS = {
    "02_shallow": "41.1% validation after 30 epochs",
    "03_deep": "55.7% validation after 30 epochs (best epoch 59.7%)",
    "04_se": "61.6% validation after 30 epochs (best epoch 62.0%)",
    "05_improved_se": "62.4% test; early stop at epoch 45",
    "06_rafdb_pseudolabel": "76.4% test on RAF-DB after 25 + 10 pseudo-label epochs",
}
"""The course report's result for each notebook's experiment, shown beside the reproduction."""

REPORT_FIGURES = {
    "figure_1_shallow_training_curves.png": ("02_shallow", "training_curves.png"),
    "figure_2_deep_training_curves.png": ("03_deep", "training_curves.png"),
    "figure_3_se_training_curves.png": ("04_se", "training_curves.png"),
    "figure_4_improved_se_training_curves.png": ("05_improved_se", "training_curves.png"),
    "figure_5_pseudolabel_training_curves.png": ("06_rafdb_pseudolabel", "training_curves.png"),
    "figure_6_improved_se_prediction_grid.png": ("05_improved_se", "prediction_grid.png"),
}
"""Each figure of the report, as figure file name -> (notebook, file in its run folder)."""

DATA_FIGURES = ("class_samples.png", "class_distribution.png", "augmentations.png", "augmentation_draws.png")
"""The data notebook's figures, copied as data_<name>."""

COLUMNS = (
    "notebook", "model", "dataset", "parameters", "recipe", "precision", "epochs_run", "best_val_accuracy",
    "test_accuracy", "test_accuracy_PublicTest", "test_accuracy_PrivateTest", "macro_f1",
    "seconds_per_epoch", "hardware", "report", "source",
)
ACCURACY_COLUMNS = ("best_val_accuracy", "test_accuracy", "test_accuracy_PublicTest", "test_accuracy_PrivateTest")
NUMBER_COLUMNS = ("parameters", "epochs_run", *ACCURACY_COLUMNS, "macro_f1", "seconds_per_epoch")


@dataclass(frozen=True)
class NotebookResult:
    """One notebook's metrics.json: which notebook wrote it, where, and its content."""

    notebook: str
    path: Path
    metrics: dict

    @property
    def run_dir(self) -> Path:
        """The run folder that contains the metrics.json and the notebook's figures."""
        return self.path.parent


MODEL_NOTEBOOKS = {"shallow": "02_shallow", "deep": "03_deep", "se": "04_se", "improved_se": "05_improved_se"}
"""The notebook that trains each network alone, for metrics.json files without a "notebook" field."""


def _notebook_name(path: Path, metrics: dict) -> str:
    """Return the notebook that wrote a metrics.json.

    That is its "notebook" field, else its folder's name when that is <notebook> (run_all)
    or <notebook>-<date>-<time> (a notebook run alone), else the notebook of its "model"
    (06_rafdb_pseudolabel when it has "phases").
    """
    name = metrics.get("notebook") or path.parent.name.split("-")[0]
    if name not in NOTEBOOK_PARAMETERS and "phases" in metrics:
        name = "06_rafdb_pseudolabel"
    elif name not in NOTEBOOK_PARAMETERS:
        name = MODEL_NOTEBOOKS.get(metrics.get("model"), name)
    if name not in NOTEBOOK_PARAMETERS:
        raise ValueError(
            f"{path} names no known notebook (got {name!r}); expected one of {', '.join(NOTEBOOK_PARAMETERS)}. "
            "Add a \"notebook\" field to it, or collect only run folders that the notebooks wrote."
        )
    return name


def find_results(run_dirs: Iterable[str | Path]) -> list[NotebookResult]:
    """Read every metrics.json of the given run folders, in notebook order, then path order.

    Path order compares the paths as given, character by character, so it does not
    depend on the order in which a shell's locale expands a wildcard.

    Each folder is a notebook's run folder (containing metrics.json) or a folder of them,
    as run_all writes (metrics.json one level down). Raises FileNotFoundError for a
    missing folder or one without any metrics.json, NotADirectoryError for a file, and
    ValueError for a file that is not a valid JSON object, naming the file.
    """
    results = []
    for run_dir in map(Path, run_dirs):
        if run_dir.is_file():
            raise NotADirectoryError(f"Run folder {run_dir} is a file; pass the folder that contains metrics.json.")
        if not run_dir.is_dir():
            raise FileNotFoundError(f"Run folder {run_dir} does not exist.")
        direct = run_dir / METRICS_FILE
        paths = [direct] if direct.is_file() else sorted(run_dir.glob(f"*/{METRICS_FILE}"))
        if not paths:
            raise FileNotFoundError(
                f"{run_dir} contains no {METRICS_FILE}, neither directly nor in a sub-folder: no notebook "
                "finished there. Pass a run folder of a finished notebook, or a run_all folder."
            )
        for path in paths:
            try:
                metrics = json.loads(path.read_text())
            except json.JSONDecodeError as error:
                raise ValueError(f"{path} is not valid JSON ({error}).") from error
            if not isinstance(metrics, dict):
                raise ValueError(f"{path} must contain a JSON object, as the notebooks write; got {type(metrics).__name__}.")
            results.append(NotebookResult(_notebook_name(path, metrics), path, metrics))
    order = list(NOTEBOOK_PARAMETERS)
    return sorted(results, key=lambda result: (order.index(result.notebook), str(result.path)))


def describe_hardware(system: dict) -> str:
    """Return the GPUs of a run's system_info(), or its CPU model and core count when it had none."""
    if system.get("gpus"):
        return ", ".join(system["gpus"])
    return f"CPU: {system.get('cpu', 'unknown')} ({system.get('cpu_cores', '?')} cores)"


def describe_recipe(recipe: dict | None) -> str:
    """Return a recipe dict (Recipe.to_dict()) in a few words: optimizer, batch, epochs, stopping."""
    if not recipe:
        return ""
    words = f"Adam {recipe['learning_rate']:g}"
    if recipe.get("decay"):
        words += f" (decay {recipe['decay_rate']:g} every {recipe['decay_steps']:,} steps)"
    words += f", batch {recipe['batch_size']}, {recipe['epochs']} epochs"
    if recipe.get("patience") is not None:
        words += f" max, patience {recipe['patience']}"
    return words


def _row(result: NotebookResult, model: str, training: dict, test: dict, recipe: dict | None, source: Path) -> dict:
    by_origin = test.get("accuracy_by_origin", {})
    return {
        "notebook": result.notebook,
        "model": model,
        "dataset": result.metrics.get("dataset"),
        "parameters": result.metrics.get("parameter_count"),
        "recipe": describe_recipe(recipe),
        "precision": result.metrics.get("system", {}).get("precision_policy", ""),
        "epochs_run": training.get("epochs_run"),
        "best_val_accuracy": training.get("best_val_accuracy"),
        "test_accuracy": test.get("accuracy"),
        "test_accuracy_PublicTest": by_origin.get("PublicTest", {}).get("accuracy"),
        "test_accuracy_PrivateTest": by_origin.get("PrivateTest", {}).get("accuracy"),
        "macro_f1": test.get("macro_f1"),
        "seconds_per_epoch": training.get("seconds_per_epoch"),
        "hardware": describe_hardware(result.metrics.get("system", {})),
        "report": REPORT_RESULTS.get(result.notebook, ""),
        "source": str(source),
    }


def phase_name(name: str, metrics: dict) -> str:
    """Return how the table names a pseudo-labelling phase: "labelled only", or
    "+ N pseudo-labels" with the number kept when metrics records it. Other phase names
    are returned unchanged.
    """
    if name == "labelled":
        return "labelled only"
    if name != "pseudo_labelled":
        return name
    kept_count = (metrics.get("pseudo_labels") or {}).get("kept")
    if kept_count is None:
        return "+ pseudo-labels"
    plural = "" if kept_count == 1 else "s"
    return f"+ {kept_count:,} pseudo-label{plural}"


def shown_path(path: Path, relative_to: Path | None) -> Path:
    """Return path relative to the folder `relative_to` (with ../ where needed), or unchanged for None."""
    if relative_to is None:
        return path
    return Path(os.path.relpath(path.resolve(), relative_to.resolve()))


def result_rows(result: NotebookResult, relative_to: Path | None = None) -> list[dict]:
    """Return the table rows of one metrics.json: none for a run without a test evaluation,
    one per phase for the pseudo-labelling notebook, one otherwise.

    source is the metrics.json path, relative to `relative_to` when it lies below it.
    """
    metrics = result.metrics
    if "test" not in metrics:
        return []
    source = shown_path(result.path, relative_to)
    model = metrics.get("model", "")
    phases = metrics.get("phases")
    if not phases:
        return [_row(result, model, metrics.get("training") or {}, metrics["test"], metrics.get("recipe"), source)]
    return [
        _row(result, f"{model} ({phase_name(name, metrics)})", phase.get("training") or {}, phase["test"],
             phase.get("recipe"), source)
        for name, phase in phases.items()
    ]


def results_table(results: Iterable[NotebookResult], relative_to: Path | None = None) -> pd.DataFrame:
    """Return one row per trained model (see result_rows), with the columns in COLUMNS.

    Accuracies and macro-F1 are fractions in [0, 1], and seconds_per_epoch is wall-clock
    seconds. A value that a run did not record (such as PublicTest accuracy on RAF-DB) is NaN.
    """
    rows = [row for result in results for row in _checked_rows(result, relative_to)]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _checked_rows(result: NotebookResult, relative_to: Path | None) -> list[dict]:
    """Return result_rows(result), or raise ValueError naming the file when its layout or a number is invalid."""
    advice = "Run its notebook again, or leave this run out."
    try:
        rows = result_rows(result, relative_to)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{result.path} does not have the layout that the notebooks write ({error!r}). "
                         + advice) from error
    for row in rows:
        for column in NUMBER_COLUMNS:
            value = row[column]
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValueError(f"{result.path}: {column} must be a number, got {value!r}. " + advice)
    return rows


def _markdown_cell(column: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column in ACCURACY_COLUMNS:
        return f"{value:.1%}"
    if column == "macro_f1":
        return f"{value:.3f}"
    if column == "seconds_per_epoch":
        return f"{value:.1f}"
    if column == "parameters":
        return f"{int(value):,}"
    return str(value).replace("|", "\\|")


def to_markdown(table: pd.DataFrame) -> str:
    """Return the table as a GitHub Markdown table: accuracies as percentages with one
    decimal, macro-F1 as a fraction with three.
    """
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    lines = [header, rule]
    for _, row in table.iterrows():
        lines.append("| " + " | ".join(_markdown_cell(column, row[column]) for column in table.columns) + " |")
    return "\n".join(lines) + "\n"


def _latest_by_notebook(results: Iterable[NotebookResult]) -> dict[str, NotebookResult]:
    latest = {}
    for result in results:
        if result.notebook in latest:
            logger.warning("Two runs of %s: figures come from %s, not %s.", result.notebook, result.run_dir,
                           latest[result.notebook].run_dir)
        latest[result.notebook] = result
    return latest


def collected_figure_names() -> set[str]:
    """Return every file name that figure_sources can produce, for any notebook."""
    names = set(REPORT_FIGURES) | {f"data_{name}" for name in DATA_FIGURES}
    return names | {f"confusion_matrix_{notebook}.png" for notebook in NOTEBOOK_PARAMETERS}


def figure_sources(results: Iterable[NotebookResult]) -> dict[str, Path]:
    """Map each figure file name of the results folder to the run file it is copied from.

    When one notebook has several runs, the last in find_results' order (the last path
    in character order) provides its figures. A figure whose run or file is missing is
    left out.
    """
    latest = _latest_by_notebook(results)
    expected = dict(REPORT_FIGURES)
    for notebook in latest:
        if "test" in latest[notebook].metrics:
            expected[f"confusion_matrix_{notebook}.png"] = (notebook, "confusion_matrix.png")
    expected |= {f"data_{name}": ("01_data_augmentation", name) for name in DATA_FIGURES}
    sources = {}
    for target, (notebook, file_name) in expected.items():
        if notebook in latest and (latest[notebook].run_dir / file_name).is_file():
            sources[target] = latest[notebook].run_dir / file_name
    return sources


def _present(path: Path) -> bool:
    """Return whether path exists, counting a symbolic link whose target is missing."""
    return path.exists() or path.is_symlink()


def write_results(results: list[NotebookResult], results_dir: str | Path,
                  figures_dir: str | Path | None = None, overwrite: bool = False) -> pd.DataFrame:
    """Write results.csv and results.md into results_dir and the figures into figures_dir
    (default results_dir/figures), and return the table.

    Raises FileExistsError naming the files when results_dir already has results.csv or
    results.md, or figures_dir a file with a collected figure's name
    (collected_figure_names), unless overwrite is True. Then such figures that these
    runs do not provide are deleted and logged, so the folder shows only these runs.
    Every other file is left alone. Everything is checked before anything is written:
    NotADirectoryError when figures_dir is a file, ValueError for a value the table
    cannot show.
    """
    results_dir = Path(results_dir)
    figures_dir = Path(figures_dir) if figures_dir is not None else results_dir / "figures"
    if figures_dir.exists() and not figures_dir.is_dir():
        raise NotADirectoryError(f"Figures folder {figures_dir} is a file; pass a folder.")
    table = results_table(results, relative_to=results_dir.resolve())
    listed = sorted({str(shown_path(result.path, results_dir)) for result in results})
    markdown = (
        "# Results\n\nAccuracies are on each run's test split; `source` is the metrics.json every number "
        "of its row comes from.\n\n" + to_markdown(table) + "\nCollected from:\n\n"
        + "".join(f"- {source}\n" for source in listed)
    )
    earlier_tables = [path for path in (results_dir / "results.csv", results_dir / "results.md") if _present(path)]
    earlier_figures = [figures_dir / name for name in sorted(collected_figure_names()) if _present(figures_dir / name)]
    earlier = earlier_tables + earlier_figures
    if earlier and not overwrite:
        raise FileExistsError(
            f"{len(earlier)} file(s) of an earlier collection would be replaced or deleted: "
            f"{', '.join(map(str, earlier))}. Pass --overwrite (overwrite=True) to rebuild them, or choose "
            "another --results-dir and --figures-dir."
        )
    sources = figure_sources(results)
    results_dir.mkdir(parents=True, exist_ok=True)
    figures_dir.mkdir(parents=True, exist_ok=True)
    for path in earlier_figures:
        if path.name not in sources:
            logger.info("Deleting %s: no collected run provides it now.", path)
            path.unlink()
    for target, source in sources.items():
        shutil.copyfile(source, figures_dir / target)
    table.to_csv(results_dir / "results.csv", index=False)
    (results_dir / "results.md").write_text(markdown)
    return table
