import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fer_utils.notebook_params import NOTEBOOK_PARAMETERS, check_parameter_value
from fer_utils.pipeline import (
    check_data_dirs,
    load_config,
    main,
    new_run_dir,
    parse_config,
    run_all,
    select_notebooks,
)

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_defaults_go_only_where_accepted():
    config = parse_config({"defaults": {"seed": 7, "preset": "report"},
                           "notebooks": {"01_data_augmentation": {}, "02_shallow": {"epochs": 3}}})
    assert config.notebooks["01_data_augmentation"] == {"seed": 7}
    assert config.notebooks["02_shallow"] == {"seed": 7, "preset": "report", "epochs": 3}


def test_notebook_values_override_defaults():
    config = parse_config({"defaults": {"seed": 7}, "notebooks": {"03_deep": {"seed": 1}}})
    assert config.notebooks["03_deep"] == {"seed": 1}


def test_notebooks_run_in_notebook_order():
    config = parse_config({"notebooks": {"05_improved_se": {}, "01_data_augmentation": {}}})
    assert list(config.notebooks) == ["01_data_augmentation", "05_improved_se"]


def test_relative_data_dir_becomes_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = parse_config({"notebooks": {"02_shallow": {"data_dir": "data/archive.zip"}}})
    assert config.notebooks["02_shallow"]["data_dir"] == str(tmp_path / "data" / "archive.zip")


def test_unknown_notebook_is_error():
    with pytest.raises(ValueError, match="names unknown notebook '07_vit'; expected one of 01_data_augmentation, "):
        parse_config({"notebooks": {"07_vit": {}}}, "my.json")


def test_unknown_parameter_is_error():
    with pytest.raises(ValueError, match="notebook 01_data_augmentation has unknown parameter 'epochs'"):
        parse_config({"notebooks": {"01_data_augmentation": {"epochs": 3}}})


def test_unknown_default_is_error():
    with pytest.raises(ValueError, match="\"defaults\" has unknown parameter 'epoch'"):
        parse_config({"defaults": {"epoch": 3}, "notebooks": {"02_shallow": {}}})


@pytest.mark.parametrize("name", ["output_dir", "overwrite"])
def test_runner_parameters_are_error(name):
    with pytest.raises(ValueError, match=f"sets {name}, which the runner sets itself"):
        parse_config({"notebooks": {"02_shallow": {name: "x"}}})


def test_invalid_value_is_error():
    with pytest.raises(ValueError, match="notebook 02_shallow: epochs must be a positive integer"):
        parse_config({"notebooks": {"02_shallow": {"epochs": 0}}})


@pytest.mark.parametrize("data_dir", [5, ["data"], ""])
def test_invalid_data_dir_is_error(data_dir):
    with pytest.raises(ValueError, match="\"defaults\": data_dir must be a path"):
        parse_config({"defaults": {"data_dir": data_dir}, "notebooks": {"02_shallow": {}}})


def test_path_data_dir_is_accepted(tmp_path):
    check_parameter_value("data_dir", tmp_path)


def test_missing_data_dirs_are_listed(tmp_path):
    present = tmp_path / "archive.zip"
    present.write_bytes(b"zip")
    notebooks = {"02_shallow": {"data_dir": str(present)}, "03_deep": {}, "05_improved_se": {"data_dir": "kagglehub:a/b"},
                 "06_rafdb_pseudolabel": {"data_dir": str(tmp_path / "rafdb")}}
    with pytest.raises(FileNotFoundError, match="data_dir not found for 06_rafdb_pseudolabel: .*rafdb\\. Put"):
        check_data_dirs(notebooks)
    check_data_dirs({name: notebooks[name] for name in ("02_shallow", "03_deep", "05_improved_se")})


def test_unknown_top_level_key_is_error():
    with pytest.raises(ValueError, match="unknown key\\(s\\) notebook;"):
        parse_config({"notebook": {"02_shallow": {}}})


def test_missing_notebooks_is_error():
    with pytest.raises(ValueError, match="needs \"notebooks\""):
        parse_config({"defaults": {}})


def test_invalid_json_names_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "notebooks": {,}\n}\n')
    with pytest.raises(ValueError, match="broken.json is not valid JSON: .* at line 2"):
        load_config(path)


def test_missing_config_is_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="Config file .*none.json does not exist"):
        load_config(tmp_path / "none.json")


@pytest.mark.parametrize("name", ["fixture.json", "real.json"])
def test_shipped_configs_list_every_notebook(name):
    assert list(load_config(CONFIGS / name).notebooks) == list(NOTEBOOK_PARAMETERS)


@pytest.mark.parametrize(("name", "notebook", "epochs", "precision"), [
    ("real-04-short.json", "04_se", 3, "float32"),
    ("real-04-bfloat16.json", "04_se", 10, "mixed_bfloat16"),
    ("real-05-capped.json", "05_improved_se", 55, "float32"),
])
def test_single_notebook_config_keeps_recipe(name, notebook, epochs, precision):
    config = load_config(CONFIGS / name)
    assert list(config.notebooks) == [notebook]
    assert config.notebooks[notebook]["epochs"] == epochs
    assert config.notebooks[notebook]["preset"] == "report"
    assert config.notebooks[notebook]["precision"] == precision


def test_short_pseudolabel_config_uses_subset():
    config = load_config(CONFIGS / "real-06-short.json")
    assert list(config.notebooks) == ["06_rafdb_pseudolabel"]
    assert config.notebooks["06_rafdb_pseudolabel"]["max_train_images"] == 12000
    assert config.notebooks["06_rafdb_pseudolabel"]["data_dir"].endswith("fer2013/archive.zip")


def test_pseudolabel_control_differs_only_in_threshold():
    short = load_config(CONFIGS / "real-06-short.json").notebooks["06_rafdb_pseudolabel"]
    control = load_config(CONFIGS / "real-06-control.json").notebooks["06_rafdb_pseudolabel"]
    assert control.pop("confidence_threshold") == 1.0
    assert control == short


def test_only_selects_and_rejects():
    config = parse_config({"notebooks": {"02_shallow": {}, "03_deep": {}}})
    assert list(select_notebooks(config, ["03_deep"])) == ["03_deep"]
    with pytest.raises(ValueError, match="--only names 04_se, which config .* does not list"):
        select_notebooks(config, ["04_se"])


def test_run_dirs_are_never_reused(tmp_path):
    first = new_run_dir(tmp_path, "fixture")
    second = new_run_dir(tmp_path, "fixture")
    assert first != second
    assert first.name.startswith("run_all-fixture-")


def test_main_reports_config_error(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"notebooks": {"08_nothing": {}}}))
    with pytest.raises(SystemExit) as stop:
        main(["--config", str(path), "--runs-dir", str(tmp_path)])
    assert stop.value.code == 2
    assert "names unknown notebook '08_nothing'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [path]


def test_main_checks_data_before_running(tmp_path, capsys):
    path = tmp_path / "real.json"
    path.write_text(json.dumps({"notebooks": {"02_shallow": {"data_dir": str(tmp_path / "missing.zip")}}}))
    with pytest.raises(SystemExit) as stop:
        main(["--config", str(path), "--runs-dir", str(tmp_path / "runs")])
    assert stop.value.code == 2
    assert "data_dir not found for 02_shallow" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_main_rejects_runs_dir_that_is_file(tmp_path, capsys):
    (tmp_path / "runs").write_text("a file")
    with pytest.raises(SystemExit):
        main(["--config", str(CONFIGS / "fixture.json"), "--runs-dir", str(tmp_path / "runs")])
    assert "--runs-dir" in capsys.readouterr().err
    assert (tmp_path / "runs").read_text() == "a file"


def test_broken_link_as_runs_dir_is_error(tmp_path):
    (tmp_path / "runs").symlink_to(tmp_path / "gone")
    with pytest.raises(NotADirectoryError, match="Cannot create run folder .* Pass another --runs-dir"):
        new_run_dir(tmp_path / "runs", "x")


def test_config_that_is_folder_is_error(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder; pass a JSON file"):
        load_config(tmp_path)


def test_collect_only_needs_overwrite(tmp_path, capsys):
    run = tmp_path / "03_deep"
    run.mkdir()
    (run / "metrics.json").write_text(json.dumps({"model": "deep", "test": {"accuracy": 0.5}}))
    assert main(["--collect-only", str(run)]) == 0
    with pytest.raises(SystemExit) as stop:
        main(["--collect-only", str(run)])
    assert stop.value.code == 2
    assert "Pass --overwrite" in capsys.readouterr().err
    assert main(["--collect-only", str(run), "--overwrite"]) == 0
    assert pd.read_csv(run / "results.csv")["test_accuracy"].tolist() == [0.5]


def test_main_rejects_overwrite_without_collect_only(capsys):
    with pytest.raises(SystemExit):
        main(["--config", str(CONFIGS / "fixture.json"), "--overwrite"])
    assert "go with --collect-only" in capsys.readouterr().err


def test_main_collect_only_reports_missing_runs(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--collect-only", str(tmp_path / "nowhere")])
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.slow
def test_run_all_two_notebooks(tmp_path):
    config = parse_config({"defaults": {"seed": 1, "max_train_images": 140},
                           "notebooks": {"01_data_augmentation": {}, "02_shallow": {"epochs": 1}}},
                          tmp_path / "tiny.json")
    run_dir, records = run_all(config, tmp_path / "runs")
    assert [r["status"] for r in records] == ["finished", "finished"]
    assert json.loads((run_dir / "run_all.json").read_text())["notebooks"][1]["parameters"]["epochs"] == 1
    table = pd.read_csv(run_dir / "results.csv")
    assert table["model"].tolist() == ["shallow"]
    assert table["epochs_run"].tolist() == [1]
    assert table["source"].tolist() == ["02_shallow/metrics.json"]
    figures = {path.name for path in (run_dir / "figures").iterdir()}
    assert {"figure_1_shallow_training_curves.png", "confusion_matrix_02_shallow.png",
            "data_augmentations.png", "data_class_distribution.png"} <= figures
    assert (run_dir / "02_shallow" / "02_shallow.ipynb").exists()


def test_run_all_command_does_not_load_keras():
    code = "import sys, fer_utils.pipeline; print(sorted({'keras', 'tensorflow'} & set(sys.modules)))"
    loaded_modules = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded_modules.strip() == "[]"
