import re

import pytest

from fer_utils.runs import METRICS_FILE, prepare_run_dir, system_info


def test_default_run_dir_is_new_and_timestamped(tmp_path, monkeypatch):
    monkeypatch.setattr("fer_utils.runs.default_runs_dir", lambda: tmp_path)
    path = prepare_run_dir("05_improved_se")
    assert path.parent == tmp_path
    assert re.fullmatch(r"05_improved_se-\d{8}-\d{6}", path.name)
    assert path.is_dir()


def test_runs_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_RUNS_DIR", str(tmp_path / "elsewhere"))
    assert prepare_run_dir("02_shallow").parent == tmp_path / "elsewhere"


def test_finished_run_is_not_overwritten(tmp_path):
    (tmp_path / METRICS_FILE).write_text("{}")
    with pytest.raises(FileExistsError, match="already contains a finished run .* set overwrite=True"):
        prepare_run_dir("05_improved_se", tmp_path)
    assert (tmp_path / METRICS_FILE).read_text() == "{}"


def test_overwrite_allows_finished_run(tmp_path):
    (tmp_path / METRICS_FILE).write_text("{}")
    assert prepare_run_dir("05_improved_se", tmp_path, overwrite=True) == tmp_path


def test_unfinished_run_dir_is_reused(tmp_path):
    (tmp_path / "checkpoint").mkdir()
    assert prepare_run_dir("05_improved_se", tmp_path) == tmp_path


def test_system_info_records_versions():
    info = system_info()
    assert info["cpu_cores"] >= 1
    assert info["keras_backend"] == "tensorflow"
    assert info["versions"]["keras"].startswith("3.")
    assert info["precision_policy"] == "float32"
