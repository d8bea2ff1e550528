"""Run the notebooks one after another with papermill, from one config file, into one run folder.

A config file is JSON with an optional "description", optional "defaults" (parameters
given to every notebook that accepts them) and "notebooks", mapping each notebook to run
to its own parameters, which override the defaults:

    {"defaults": {"seed": 42},
     "notebooks": {"01_data_augmentation": {}, "05_improved_se": {"epochs": 2}}}

Each notebook writes into <run folder>/<notebook>/, together with its executed copy.
Afterwards the run folder gets results.csv, results.md and figures/ (see
fer_utils.results). A relative data_dir is taken relative to the current folder.
"""

import argparse
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import papermill

from fer_utils.data.kaggle import is_kaggle_source
from fer_utils.notebook_params import NOTEBOOK_PARAMETERS, check_parameter_value
from fer_utils.results import find_results, write_results
from fer_utils.runs import default_runs_dir, project_root, write_json

logger = logging.getLogger(__name__)

RUNNER_PARAMETERS = ("output_dir", "overwrite")
"""Parameters the runner sets itself: each notebook writes into a new folder of the run."""
CONFIG_KEYS = ("description", "defaults", "notebooks")
RUN_RECORD_FILE = "run_all.json"


@dataclass(frozen=True)
class RunConfig:
    """A parsed config file: each notebook to run, in notebook order, with its parameters."""

    path: Path
    notebooks: dict[str, dict]


def _check_parameters(where: str, notebook: str | None, parameters) -> None:
    """Check that `parameters` is an object of known parameters with valid values."""
    if not isinstance(parameters, dict):
        raise ValueError(f"{where} must be a JSON object of parameter names and values, got {parameters!r}.")
    known = NOTEBOOK_PARAMETERS[notebook] if notebook else {n for names in NOTEBOOK_PARAMETERS.values() for n in names}
    for name, value in parameters.items():
        if name in RUNNER_PARAMETERS:
            raise ValueError(f"{where} sets {name}, which the runner sets itself (a new folder per notebook). "
                             "Remove it; use --runs-dir to choose where run folders go.")
        if name not in known:
            accepted = ", ".join(sorted(set(known) - set(RUNNER_PARAMETERS)))
            raise ValueError(f"{where} has unknown parameter {name!r}. Accepted: {accepted}.")
        try:
            check_parameter_value(name, value)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from error


def _absolute_data_dir(parameters: dict) -> dict:
    data_dir = parameters.get("data_dir")
    if data_dir is None or is_kaggle_source(data_dir):
        return parameters
    return {**parameters, "data_dir": str(Path(data_dir).expanduser().resolve())}


def parse_config(content: dict, path: str | Path = "<config>") -> RunConfig:
    """Check a config's content and merge its defaults into each notebook's parameters.

    Raises ValueError naming the config `path` for an unknown top-level key, an unknown
    notebook name, a parameter that the notebook does not accept or that the runner sets
    (output_dir, overwrite), and a value outside the parameter's range.
    """
    path = Path(path)
    if not isinstance(content, dict):
        raise ValueError(f"Config {path} must be a JSON object with the keys {', '.join(CONFIG_KEYS)}.")
    unknown = sorted(set(content) - set(CONFIG_KEYS))
    if unknown:
        raise ValueError(f"Config {path} has unknown key(s) {', '.join(unknown)}; expected {', '.join(CONFIG_KEYS)}.")
    defaults = content.get("defaults", {})
    _check_parameters(f"Config {path}: \"defaults\"", None, defaults)
    notebooks = content.get("notebooks")
    if not isinstance(notebooks, dict) or not notebooks:
        raise ValueError(f"Config {path} needs \"notebooks\": an object mapping notebook names to parameters.")
    for name in notebooks:
        if name not in NOTEBOOK_PARAMETERS:
            raise ValueError(f"Config {path} names unknown notebook {name!r}; expected one of "
                             f"{', '.join(NOTEBOOK_PARAMETERS)}.")
    merged = {}
    for name in NOTEBOOK_PARAMETERS:
        if name not in notebooks:
            continue
        _check_parameters(f"Config {path}: notebook {name}", name, notebooks[name])
        inherited = {key: value for key, value in defaults.items() if key in NOTEBOOK_PARAMETERS[name]}
        merged[name] = _absolute_data_dir(inherited | notebooks[name])
    return RunConfig(path, merged)


def load_config(path: str | Path) -> RunConfig:
    """Read and check a JSON config file; see parse_config for what is checked.

    Raises FileNotFoundError for a missing file, IsADirectoryError for a folder and
    ValueError for invalid JSON, with the line and column.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"Config {path} is a folder; pass a JSON file such as configs/fixture.json.")
    if not path.is_file():
        raise FileNotFoundError(f"Config file {path} does not exist. See configs/ for examples.")
    try:
        content = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"Config {path} is not valid JSON: {error.msg} at line {error.lineno}, "
                         f"column {error.colno}.") from error
    return parse_config(content, path)


def check_data_dirs(notebooks: dict[str, dict]) -> None:
    """Raise FileNotFoundError listing every notebook whose data_dir path does not exist.

    Run before the first notebook starts, so a missing dataset for the last notebook does
    not surface only after the others have trained for hours.
    """
    missing = [
        f"{name}: {parameters['data_dir']}" for name, parameters in notebooks.items()
        if parameters.get("data_dir") is not None and not is_kaggle_source(parameters["data_dir"])
        and not Path(parameters["data_dir"]).expanduser().exists()
    ]
    if missing:
        raise FileNotFoundError(
            f"data_dir not found for {'; '.join(missing)}. Put the dataset there (see the README's sections on FER-2013 and RAF-DB), "
            "change data_dir in the config, or leave the notebook out with --only."
        )


def select_notebooks(config: RunConfig, only: Sequence[str] | None) -> dict[str, dict]:
    """Return the config's notebooks, or only the named ones; ValueError for a name not in the config."""
    if not only:
        return config.notebooks
    missing = [name for name in only if name not in config.notebooks]
    if missing:
        raise ValueError(f"--only names {', '.join(missing)}, which config {config.path} does not list; "
                         f"it lists {', '.join(config.notebooks)}.")
    return {name: parameters for name, parameters in config.notebooks.items() if name in only}


def new_run_dir(runs_dir: str | Path, label: str) -> Path:
    """Create and return a new folder runs_dir/run_all-<label>-<YYYYmmdd-HHMMSS>.

    A folder of that name that already exists is never reused: a counter is appended.
    """
    base = Path(runs_dir) / f"run_all-{label}-{time.strftime('%Y%m%d-%H%M%S')}"
    candidate, counter = base, 1
    while True:
        try:
            candidate.mkdir(parents=True)
            return candidate
        except FileExistsError:
            if not candidate.is_dir():
                raise NotADirectoryError(f"Cannot create run folder {candidate}: {runs_dir} or a path in it is a "
                                         "file or a broken link. Pass another --runs-dir.") from None
            counter += 1
            candidate = base.with_name(f"{base.name}-{counter}")


def notebooks_dir() -> Path:
    """Return the checkout's notebooks/ folder; FileNotFoundError when the package is not in a checkout."""
    root = project_root()
    if root is None or not (root / "notebooks").is_dir():
        raise FileNotFoundError("The notebooks/ folder was not found: run_all needs a source checkout of this "
                                "project, with fer_utils installed from it (pip install -e .).")
    return root / "notebooks"


def run_notebook(name: str, parameters: dict, run_dir: Path, source_dir: Path) -> dict:
    """Execute one notebook with papermill into run_dir/<name>/ and return its record.

    The record contains the notebook, its parameters, status ("finished" or "failed"),
    wall-clock seconds and, on failure, the error's first line. The executed copy,
    outputs included, is run_dir/<name>/<name>.ipynb in both cases.
    """
    output_dir = run_dir / name
    output_dir.mkdir()
    executed = output_dir / f"{name}.ipynb"
    record = {"notebook": name, "parameters": parameters, "executed_notebook": str(executed)}
    logger.info("Starting %s with %s", name, parameters or "its default parameters")
    started = time.perf_counter()
    try:
        papermill.execute_notebook(str(source_dir / f"{name}.ipynb"), str(executed), kernel_name="python3",
                                   parameters={**parameters, "output_dir": str(output_dir)}, progress_bar=False)
        record["status"] = "finished"
    except papermill.PapermillExecutionError as error:
        record.update(status="failed", error=f"{error.ename}: {error.evalue}".splitlines()[0])
        logger.error("%s failed: %s (see %s)", name, record["error"], executed)
    record["seconds"] = round(time.perf_counter() - started, 1)
    if record["status"] == "finished":
        logger.info("Finished %s in %.0f s", name, record["seconds"])
    return record


def run_all(config: RunConfig, runs_dir: str | Path, only: Sequence[str] | None = None) -> tuple[Path, list[dict]]:
    """Run the selected notebooks of a config one at a time, then collect their results.

    A failed notebook is logged and the next one still runs. Returns the new run folder
    and one record per notebook (see run_notebook), also written to run_all.json there.
    """
    selected = select_notebooks(config, only)
    source_dir = notebooks_dir()
    run_dir = new_run_dir(runs_dir, config.path.stem)
    logger.info("Running %s into %s", ", ".join(selected), run_dir)
    records = []
    for name, parameters in selected.items():
        records.append(run_notebook(name, parameters, run_dir, source_dir))
        write_json(run_dir / RUN_RECORD_FILE, {"config": str(config.path), "notebooks": records})
    finished = [record for record in records if record["status"] == "finished"]
    if finished:
        collect(run_dir)
    return run_dir, records


def collect(run_dir: str | Path, *more_run_dirs: str | Path, results_dir: str | Path | None = None,
            figures_dir: str | Path | None = None, overwrite: bool = False) -> Path:
    """Rebuild results.csv, results.md and the figures from finished runs, without training.

    The results go to results_dir, by default the run folder when only one is given, and
    the figures to figures_dir, by default results_dir/figures. Raises ValueError when
    several run folders are given without results_dir, and FileExistsError when an
    earlier collection's files are there and overwrite is False (see write_results).
    Returns results_dir.
    """
    if results_dir is None and more_run_dirs:
        raise ValueError(f"{1 + len(more_run_dirs)} run folders were given: pass --results-dir (results_dir) "
                         "to say where their common results go.")
    results = find_results([run_dir, *more_run_dirs])
    target = Path(results_dir) if results_dir is not None else Path(run_dir)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"Results folder {target} is a file; pass a folder.")
    table = write_results(results, target, figures_dir, overwrite)
    logger.info("Wrote %d result rows of %d runs to %s and their figures to %s", len(table), len(results), target,
                figures_dir if figures_dir is not None else target / "figures")
    return target


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser of scripts/run_all.py."""
    parser = argparse.ArgumentParser(
        description="Run the notebooks with papermill from one config file into a new run folder, then "
                    "collect results.md, results.csv and figures/ there.")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--config", type=Path, help="JSON config: per-notebook parameters (see configs/)")
    action.add_argument("--collect-only", type=Path, nargs="+", metavar="RUN_DIR",
                        help="rebuild the results and figures from existing run folders, without training")
    parser.add_argument("--runs-dir", type=Path, default=default_runs_dir(),
                        help="folder in which the new run folder is made (default: %(default)s)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these notebooks of the config")
    parser.add_argument("--results-dir", type=Path,
                        help="with --collect-only: where to write the results (default: RUN_DIR, when only one is given)")
    parser.add_argument("--figures-dir", type=Path,
                        help="with --collect-only: where to write the figures (default: RESULTS_DIR/figures)")
    parser.add_argument("--overwrite", action="store_true",
                        help="with --collect-only: replace the results and figures of an earlier collection")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return 0 when every notebook finished, 1 otherwise."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.collect_only:
        if args.only:
            parser.error("--only goes with --config, not with --collect-only.")
        try:
            collect(*args.collect_only, results_dir=args.results_dir, figures_dir=args.figures_dir,
                    overwrite=args.overwrite)
        except (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError) as error:
            parser.error(str(error))
        return 0
    if args.results_dir or args.figures_dir or args.overwrite:
        parser.error("--results-dir, --figures-dir and --overwrite go with --collect-only; a run writes its "
                     "results into its new run folder.")
    if (args.runs_dir.exists() or args.runs_dir.is_symlink()) and not args.runs_dir.is_dir():
        parser.error(f"--runs-dir {args.runs_dir} is a file or a broken link; pass a folder.")
    try:
        config = load_config(args.config)
        check_data_dirs(select_notebooks(config, args.only))
        notebooks_dir()
    except (ValueError, FileNotFoundError, IsADirectoryError) as error:
        parser.error(str(error))
    run_dir, records = run_all(config, args.runs_dir, args.only)
    failed = [record["notebook"] for record in records if record["status"] == "failed"]
    if failed:
        logger.error("%d notebook(s) failed: %s. Their executed copies in %s show the error.",
                     len(failed), ", ".join(failed), run_dir)
        return 1
    logger.info("All %d notebooks finished; results in %s", len(records), run_dir)
    return 0
