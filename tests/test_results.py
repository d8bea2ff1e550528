import json
import math

import pandas as pd
import pytest

from fer_utils.pipeline import collect
from fer_utils.results import figure_sources, find_results, phase_name, results_table, to_markdown, write_results

SYSTEM_CPU = {"cpu": "Test CPU 3000", "cpu_cores": 2, "gpus": []}
SYSTEM_GPU = {"cpu": "Test CPU 3000", "cpu_cores": 16, "gpus": ["NVIDIA H200"], "precision_policy": "mixed_float16"}
RECIPE = {"learning_rate": 1e-4, "epochs": 30, "batch_size": 32, "decay": True, "decay_steps": 100000,
          "decay_rate": 0.96, "patience": None}


def _test_metrics(accuracy, macro_f1, origins=None):
    return {"n": 100, "accuracy": accuracy, "macro_f1": macro_f1,
            "accuracy_by_origin": {name: {"n": 50, "accuracy": value} for name, value in (origins or {}).items()},
            "per_class": {}, "confusion_matrix": [[0] * 7 for _ in range(7)]}


def _training(epochs, best_val, seconds):
    return {"epochs_run": epochs, "best_epoch": epochs, "best_val_accuracy": best_val, "seconds_per_epoch": seconds}


def _write_run(folder, metrics, figures=()):
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(metrics))
    for name in figures:
        (folder / name).write_bytes(f"png of {folder.name}/{name}".encode())


@pytest.fixture
def run_dir(tmp_path):
    """A run_all folder with the data notebook, the SE network and the pseudo-labelling notebook."""
    root = tmp_path / "run_all-test"
    _write_run(root / "01_data_augmentation", {"notebook": "01_data_augmentation", "class_counts": {}},
               ["class_samples.png", "augmentations.png"])
    _write_run(root / "04_se", {
        "notebook": "04_se", "model": "se", "dataset": "FER-2013", "parameter_count": 7954695,
        "recipe": RECIPE, "training": _training(30, 0.62, 35.5),
        "test": _test_metrics(0.615, 0.55, {"PublicTest": 0.61, "PrivateTest": 0.62}), "system": SYSTEM_GPU,
    }, ["training_curves.png", "confusion_matrix.png", "prediction_grid.png"])
    _write_run(root / "06_rafdb_pseudolabel", {
        "notebook": "06_rafdb_pseudolabel", "model": "improved_se", "dataset": "RAF-DB", "parameter_count": 5235335,
        "training": _training(10, 0.74, 12.0), "test": _test_metrics(0.764, 0.66, {"test": 0.764}),
        "phases": {
            "labelled": {"training": _training(25, 0.71, 10.0), "recipe": RECIPE,
                         "test": _test_metrics(0.75, 0.64, {"test": 0.75})},
            "pseudo_labelled": {"training": _training(10, 0.74, 12.0), "recipe": RECIPE,
                                "test": _test_metrics(0.764, 0.66, {"test": 0.764})},
        },
        "pseudo_labels": {"threshold": 0.9, "pool_size": 2400, "kept": 1423},
        "system": SYSTEM_CPU,
    }, ["training_curves.png", "confusion_matrix.png"])
    return root


def test_table_has_row_per_model_and_phase(run_dir):
    table = results_table(find_results([run_dir]))
    assert table["model"].tolist() == ["se", "improved_se (labelled only)", "improved_se (+ 1,423 pseudo-labels)"]
    assert table["notebook"].tolist() == ["04_se", "06_rafdb_pseudolabel", "06_rafdb_pseudolabel"]


@pytest.mark.parametrize(("pseudo_labels", "expected"), [
    ({"kept": 0}, "+ 0 pseudo-labels"),
    ({"kept": 1}, "+ 1 pseudo-label"),
    ({}, "+ pseudo-labels"),
    (None, "+ pseudo-labels"),
])
def test_phase_name_counts_kept_labels(pseudo_labels, expected):
    assert phase_name("pseudo_labelled", {"pseudo_labels": pseudo_labels}) == expected


def test_phase_name_of_other_phases():
    assert phase_name("labelled", {}) == "labelled only"
    assert phase_name("fine_tuned", {}) == "fine_tuned"


def test_table_values_of_single_run(run_dir):
    se = results_table(find_results([run_dir]), relative_to=run_dir).iloc[0]
    assert se["parameters"] == 7954695
    assert se["epochs_run"] == 30
    assert se["best_val_accuracy"] == 0.62
    assert se["test_accuracy"] == 0.615
    assert se["test_accuracy_PublicTest"] == 0.61
    assert se["test_accuracy_PrivateTest"] == 0.62
    assert se["macro_f1"] == 0.55
    assert se["seconds_per_epoch"] == 35.5
    assert se["hardware"] == "NVIDIA H200"
    assert se["recipe"] == "Adam 0.0001 (decay 0.96 every 100,000 steps), batch 32, 30 epochs"
    assert se["precision"] == "mixed_float16"
    assert se["report"].startswith("61.6% validation")
    assert se["source"] == "04_se/metrics.json"


def test_table_values_of_each_phase(run_dir):
    table = results_table(find_results([run_dir]), relative_to=run_dir)
    before, after = table.iloc[1], table.iloc[2]
    assert (before["epochs_run"], before["test_accuracy"], before["best_val_accuracy"]) == (25, 0.75, 0.71)
    assert (after["epochs_run"], after["test_accuracy"], after["macro_f1"]) == (10, 0.764, 0.66)
    assert math.isnan(after["test_accuracy_PublicTest"])
    assert after["hardware"] == "CPU: Test CPU 3000 (2 cores)"
    assert after["precision"] == ""
    assert after["source"] == "06_rafdb_pseudolabel/metrics.json"


def test_markdown_formats_percentages(run_dir):
    markdown = to_markdown(results_table(find_results([run_dir])))
    lines = markdown.splitlines()
    assert lines[0].startswith("| notebook | model | dataset | parameters |")
    assert "| 04_se | se | FER-2013 | 7,954,695 |" in lines[2]
    assert "| 61.5% | 61.0% | 62.0% | 0.550 | 35.5 |" in lines[2]
    assert "| 76.4% |  |  | 0.660 |" in lines[4]


def test_write_results_files_and_figures(run_dir):
    table = write_results(find_results([run_dir]), run_dir)
    assert len(table) == 3
    csv = pd.read_csv(run_dir / "results.csv")
    assert csv["test_accuracy"].tolist() == [0.615, 0.75, 0.764]
    figures = sorted(path.name for path in (run_dir / "figures").iterdir())
    assert figures == [
        "confusion_matrix_04_se.png", "confusion_matrix_06_rafdb_pseudolabel.png", "data_augmentations.png",
        "data_class_samples.png", "figure_3_se_training_curves.png", "figure_5_pseudolabel_training_curves.png",
    ]
    assert (run_dir / "figures" / "figure_3_se_training_curves.png").read_bytes() == b"png of 04_se/training_curves.png"
    assert "04_se/metrics.json" in (run_dir / "results.md").read_text()


def test_collect_rebuilds_without_stale_figures(run_dir):
    collect(run_dir)
    (run_dir / "figures" / "figure_1_shallow_training_curves.png").write_bytes(b"stale")
    collect(run_dir, overwrite=True)
    assert not (run_dir / "figures" / "figure_1_shallow_training_curves.png").exists()
    assert (run_dir / "figures" / "figure_3_se_training_curves.png").exists()


def test_collect_from_single_notebook_runs(tmp_path, run_dir):
    alone = tmp_path / "runs" / "02_shallow-20250101-120000"
    _write_run(alone, {"model": "shallow", "training": _training(30, 0.41, 5.0), "test": _test_metrics(0.4, 0.3),
                       "system": SYSTEM_CPU}, ["training_curves.png"])
    results = tmp_path / "results"
    collect(alone, run_dir / "04_se", results_dir=results)
    table = pd.read_csv(results / "results.csv")
    assert table["notebook"].tolist() == ["02_shallow", "04_se"]
    assert (results / "figures" / "figure_1_shallow_training_curves.png").exists()


def test_figures_keeps_files_it_did_not_write(run_dir):
    figures = run_dir / "figures"
    figures.mkdir()
    (figures / "notes.txt").write_text("keep me")
    (figures / "my_plot.png").write_bytes(b"mine")
    (figures / "confusion_matrix_02_shallow.png").write_bytes(b"stale")
    write_results(find_results([run_dir]), run_dir, overwrite=True)
    assert (figures / "notes.txt").read_text() == "keep me"
    assert (figures / "my_plot.png").read_bytes() == b"mine"
    assert not (figures / "confusion_matrix_02_shallow.png").exists()


@pytest.mark.parametrize("earlier", ["results.md", "results.csv", "figures/figure_1_shallow_training_curves.png"])
def test_collect_keeps_earlier_results_without_overwrite(run_dir, earlier):
    path = run_dir / earlier
    path.parent.mkdir(exist_ok=True)
    path.write_text("earlier")
    with pytest.raises(FileExistsError, match="would be replaced or deleted: .*Pass --overwrite"):
        collect(run_dir)
    assert path.read_text() == "earlier"
    assert not (run_dir / "figures" / "figure_3_se_training_curves.png").exists()


def test_collect_of_several_runs_needs_results_dir(tmp_path, run_dir):
    with pytest.raises(ValueError, match="2 run folders were given: pass --results-dir"):
        collect(run_dir / "04_se", run_dir / "06_rafdb_pseudolabel")
    assert not (run_dir / "04_se" / "results.md").exists()


@pytest.mark.parametrize(("content", "message"), [
    ("[1, 2]", "must contain a JSON object"),
    (json.dumps({"model": "deep", "test": 5}), "does not have the layout that the notebooks write"),
    (json.dumps({"model": "deep", "test": {}, "recipe": {**RECIPE, "learning_rate": "fast"}}),
     "does not have the layout that the notebooks write"),
])
def test_malformed_metrics_is_error(tmp_path, content, message):
    folder = tmp_path / "03_deep"
    folder.mkdir()
    (folder / "metrics.json").write_text(content)
    with pytest.raises(ValueError, match=f"03_deep/metrics.json .*{message}"):
        results_table(find_results([tmp_path]))


def test_bad_value_writes_nothing(tmp_path):
    folder = tmp_path / "03_deep"
    _write_run(folder, {"model": "deep", "training": _training(3, 0.3, 1.0),
                        "test": _test_metrics("high", 0.2)}, ["training_curves.png"])
    with pytest.raises(ValueError, match="03_deep/metrics.json: test_accuracy must be a number, got 'high'"):
        collect(folder)
    assert sorted(path.name for path in folder.iterdir()) == ["metrics.json", "training_curves.png"]


def test_figures_come_from_last_path_in_any_order(tmp_path, run_dir):
    second = tmp_path / "z_later" / "04_se"
    _write_run(second, json.loads((run_dir / "04_se" / "metrics.json").read_text()), ["training_curves.png"])
    for order in ([run_dir / "04_se", second], [second, run_dir / "04_se"]):
        sources = figure_sources(find_results(order))
        assert sources["figure_3_se_training_curves.png"] == second / "training_curves.png"


def test_collect_into_one_folder_keeps_tables(tmp_path, run_dir):
    folder = tmp_path / "collected"
    collect(run_dir, results_dir=folder, figures_dir=folder)
    collect(run_dir, results_dir=folder, figures_dir=folder, overwrite=True)
    assert pd.read_csv(folder / "results.csv")["test_accuracy"].tolist() == [0.615, 0.75, 0.764]
    assert (folder / "figure_3_se_training_curves.png").is_file()


def test_run_folder_that_is_file_is_error(tmp_path):
    (tmp_path / "metrics.json").write_text("{}")
    with pytest.raises(NotADirectoryError, match="metrics.json is a file; pass the folder"):
        find_results([tmp_path / "metrics.json"])


def test_figures_folder_that_is_file_is_error(run_dir, tmp_path):
    (tmp_path / "figures.png").write_bytes(b"png")
    with pytest.raises(NotADirectoryError, match="figures.png is a file"):
        write_results(find_results([run_dir]), run_dir, tmp_path / "figures.png")


def test_unknown_notebook_folder_is_error(tmp_path):
    _write_run(tmp_path / "07_extra", {"test": _test_metrics(0.5, 0.5)})
    with pytest.raises(ValueError, match="names no known notebook \\(got '07_extra'\\)"):
        find_results([tmp_path])


def test_notebook_from_model_name(tmp_path):
    _write_run(tmp_path / "run", {"model": "deep", "training": _training(3, 0.3, 1.0), "test": _test_metrics(0.3, 0.2)})
    assert [result.notebook for result in find_results([tmp_path / "run"])] == ["03_deep"]


def test_folder_without_metrics_is_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="contains no metrics.json"):
        find_results([tmp_path])


def test_missing_folder_is_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="Run folder .*nowhere does not exist"):
        find_results([tmp_path / "nowhere"])


def test_invalid_json_is_error(tmp_path):
    folder = tmp_path / "05_improved_se"
    folder.mkdir()
    (folder / "metrics.json").write_text("{not json")
    with pytest.raises(ValueError, match="05_improved_se/metrics.json is not valid JSON"):
        find_results([tmp_path])


def test_collect_figures_to_own_folder(tmp_path, run_dir):
    results, figures = tmp_path / "reports", tmp_path / "figures"
    collect(run_dir / "04_se", results_dir=results, figures_dir=figures)
    assert sorted(path.name for path in figures.iterdir()) == ["confusion_matrix_04_se.png",
                                                               "figure_3_se_training_curves.png"]
    assert not (results / "figures").exists()
    assert (results / "results.csv").is_file()


def test_results_name_outside_sources_relative(tmp_path, run_dir):
    results = tmp_path / "reports"
    collect(run_dir / "04_se", results_dir=results)
    assert pd.read_csv(results / "results.csv")["source"].tolist() == ["../run_all-test/04_se/metrics.json"]


def test_results_name_sources_relative_to_results(tmp_path, run_dir):
    results = run_dir.parent
    collect(run_dir / "04_se", results_dir=results)
    assert "- run_all-test/04_se/metrics.json\n" in (results / "results.md").read_text()
    assert pd.read_csv(results / "results.csv")["source"].tolist() == ["run_all-test/04_se/metrics.json"]
