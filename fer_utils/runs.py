"""Run folders and the facts recorded with every run: hardware, versions, parameters.

Keras is imported only by the functions that query the backend, so tools that
only read or copy run folders start without loading TensorFlow.
"""

import json
import os
import platform
import time
from importlib import metadata
from pathlib import Path

from fer_utils.params import check_writable_dir

METRICS_FILE = "metrics.json"
PACKAGES = ("keras", "tensorflow", "jax", "numpy", "scikit-learn", "fer-se")


def project_root() -> Path | None:
    """Return the source checkout that contains this package, or None for a plain install."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").exists() else None


def default_runs_dir() -> Path:
    """Return $FER_RUNS_DIR if set, else runs/ in the checkout, else ./runs."""
    configured = os.environ.get("FER_RUNS_DIR")
    if configured:
        return Path(configured).expanduser()
    root = project_root()
    return (root if root else Path.cwd()) / "runs"


def prepare_run_dir(name: str, output_dir: str | Path | None = None, overwrite: bool = False) -> Path:
    """Return the folder a run writes to, creating it.

    output_dir=None makes a new folder runs/<name>-<YYYYmmdd-HHMMSS>. A given folder
    is reused: an unfinished run there resumes from its checkpoint, but a folder with
    a finished run (a metrics.json) raises FileExistsError unless overwrite=True, so
    one run never silently replaces another's results.
    """
    if output_dir is None:
        output_dir = default_runs_dir() / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    path = check_writable_dir("output_dir", output_dir)
    if (path / METRICS_FILE).exists() and not overwrite:
        raise FileExistsError(
            f"output_dir {path} already contains a finished run ({METRICS_FILE}). Choose a new "
            "output_dir, or set overwrite=True to replace its results."
        )
    return path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def accelerators() -> list[str]:
    """Return the names of the GPUs visible to the Keras backend (empty on a CPU-only machine)."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return [tf.config.experimental.get_device_details(d).get("device_name", d.name)
                for d in tf.config.list_physical_devices("GPU")]
    if backend == "jax":
        import jax

        return [d.device_kind for d in jax.devices() if d.platform == "gpu"]
    return []


def system_info() -> dict:
    """Describe the machine and software of this run: CPU, cores, GPUs, backend, versions."""
    import keras

    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {
        "cpu": _cpu_model(),
        "cpu_cores": os.cpu_count(),
        "gpus": accelerators(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "keras_backend": keras.backend.backend(),
        "precision_policy": keras.config.dtype_policy().name,
        "versions": versions,
    }


def write_json(path: str | Path, content: dict) -> Path:
    """Write a dict as indented JSON, creating parent folders; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2, default=str) + "\n")
    return path
