import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("jax")

JOB = Path(__file__).with_name("training_job.py")


def test_training_runs_on_jax_backend(tmp_path):
    environment = dict(os.environ, KERAS_BACKEND="jax")
    completed = subprocess.run([sys.executable, "-u", str(JOB), str(tmp_path), "2", "32"],
                               env=environment, capture_output=True, text=True, check=True, timeout=600)
    assert completed.stdout.startswith("backend jax\n")
    assert "epoch 2/2" in completed.stdout
    history = (tmp_path / "history.csv").read_text().splitlines()
    assert len(history) == 3
    assert "nan" not in history[2]
    assert (tmp_path / "model.keras").exists()
    assert (tmp_path / "final.npz").exists()
