"""Session fixtures: the synthetic dataset, and a cache folder that keeps tests out of ~/.cache."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from fer_utils.fixtures import make_fixture


@pytest.fixture(scope="session", autouse=True)
def session_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point FER_CACHE_DIR at a temporary folder for the whole test session."""
    cache_dir = tmp_path_factory.mktemp("fer_cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FER_CACHE_DIR", str(cache_dir))
        yield cache_dir


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic dataset in every layout, made once per session: 40 train and 12 test faces
    per emotion, smaller than the notebooks' default so the loader tests stay fast."""
    return make_fixture(tmp_path_factory.mktemp("fixture") / "data", train_per_class=40, test_per_class=12)
