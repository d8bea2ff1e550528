import sys
import types
from pathlib import Path

import nbformat
import pytest

from fer_utils.colab import LINKS_END, LINKS_START, colab_url, links_markdown, replace_links, set_repository
from fer_utils.data.kaggle import download_kaggle_dataset
from fer_utils.experiment import prepare_data
from fer_utils.pipeline import parse_config
from fer_utils.fixtures import fixture_path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture
def fake_kagglehub(monkeypatch):
    """A kagglehub module whose download returns the FER-2013 fixture and records the handle."""
    requested = []

    def dataset_download(handle):
        requested.append(handle)
        return str(fixture_path("fer2013"))

    monkeypatch.setitem(sys.modules, "kagglehub", types.SimpleNamespace(dataset_download=dataset_download))
    return requested


def test_kaggle_data_dir_downloads_and_loads(fake_kagglehub):
    data = prepare_data("kagglehub:msambare/fer2013", seed=0)
    assert fake_kagglehub == ["msambare/fer2013"]
    assert len(data.train) + len(data.validation) == len(prepare_data(None, seed=0).dataset.train)


@pytest.mark.parametrize("data_dir", ["kagglehub:", "kagglehub:fer2013", "kagglehub:a/b/c", "kagglehub:/b",
                                      "kagglehub: msambare/fer2013", "kagglehub:a/b/versions/x"])
def test_kaggle_handle_without_owner_is_error(data_dir, fake_kagglehub):
    with pytest.raises(ValueError, match="owner>/<name>"):
        download_kaggle_dataset(data_dir)
    assert fake_kagglehub == []


def test_kaggle_handle_takes_version(fake_kagglehub):
    download_kaggle_dataset("kagglehub:msambare/fer2013/versions/1")
    assert fake_kagglehub == ["msambare/fer2013/versions/1"]


def test_config_rejects_invalid_kaggle_handle():
    content = {"notebooks": {"05_improved_se": {"data_dir": "kagglehub:fer2013"}}}
    with pytest.raises(ValueError, match="names no Kaggle dataset"):
        parse_config(content)


def test_config_keeps_kaggle_handle():
    content = {"notebooks": {"05_improved_se": {"data_dir": "kagglehub:msambare/fer2013"}}}
    assert parse_config(content).notebooks["05_improved_se"]["data_dir"] == "kagglehub:msambare/fer2013"


def test_kaggle_without_kagglehub_is_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "kagglehub", None)
    with pytest.raises(ModuleNotFoundError, match="pip install kagglehub"):
        download_kaggle_dataset("kagglehub:msambare/fer2013")


def test_colab_url():
    assert colab_url("me/fer-se", "05_improved_se.ipynb") == (
        "https://colab.research.google.com/github/me/fer-se/blob/main/notebooks/05_improved_se.ipynb")


@pytest.mark.parametrize("repository", ["a/b", "my-user-2/fer_se.v2", "a" * 39 + "/fer-se"])
def test_colab_url_accepts_github_names(repository):
    assert colab_url(repository, "01_data_augmentation.ipynb").endswith("/blob/main/notebooks/01_data_augmentation.ipynb")


@pytest.mark.parametrize("repository", ["", "fer-se", "me/fer se", "https://github.com/me/fer-se", "me/fer-se\n",
                                        "../..", "me/fer-se.git", "_/_", "a.b/c", "-me/fer-se", "me-/fer-se",
                                        "a--b/fer-se", "a" * 40 + "/fer-se"])
def test_colab_url_rejects_non_repository(repository):
    with pytest.raises(ValueError, match="owner/name"):
        colab_url(repository, "05_improved_se.ipynb")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_setup_cell_takes_repository(path):
    notebook = nbformat.read(path, as_version=4)
    assert set_repository(notebook, "me/fer-se")
    setup = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert 'REPOSITORY = "me/fer-se"' in setup.source
    assert "git+https://github.com/{REPOSITORY}" in setup.source
    assert not set_repository(notebook, "me/fer-se")


@pytest.mark.parametrize("branch", ["", "dev branch", "a..b", "#x", "dev/"])
def test_colab_url_rejects_invalid_branch(branch):
    with pytest.raises(ValueError, match="not a valid branch name"):
        colab_url("me/fer-se", "05_improved_se.ipynb", branch)


def test_readme_links_replaced_between_markers():
    readme = f"intro\n{LINKS_START}\nold\n{LINKS_END}\nrest\n"
    links = links_markdown("me/fer-se", ["02_shallow.ipynb"])
    updated = replace_links(readme, links)
    assert updated == (f"intro\n{LINKS_START}\n- [02_shallow](https://colab.research.google.com/github/me/fer-se/"
                       f"blob/main/notebooks/02_shallow.ipynb)\n{LINKS_END}\nrest\n")


def test_readme_without_markers_is_error():
    with pytest.raises(ValueError, match="colab-links"):
        replace_links("no markers here", "- link\n")


def test_project_readme_has_link_markers():
    readme = (ROOT / "README.md").read_text()
    assert readme.index(LINKS_START) < readme.index(LINKS_END)


def _run_setup_cell(monkeypatch, repository):
    """Execute notebook 05's setup cell as on Colab without fer_utils; return the commands it ran."""
    notebook = nbformat.read(ROOT / "notebooks" / "05_improved_se.ipynb", as_version=4)
    if repository:
        set_repository(notebook, repository)
    setup = next(cell for cell in notebook.cells if cell.cell_type == "code")
    commands = []
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *args: None)
    monkeypatch.setattr("subprocess.run", lambda command, **options: commands.append(command))
    exec(setup.source, {})
    return commands


def test_setup_cell_installs_from_repository_on_colab(monkeypatch):
    commands = _run_setup_cell(monkeypatch, "me/fer-se")
    assert len(commands) == 1
    assert commands[0][1:] == ["-m", "pip", "install", "--quiet", "git+https://github.com/me/fer-se"]


def test_setup_cell_without_repository_explains(monkeypatch):
    with pytest.raises(RuntimeError, match="set REPOSITORY"):
        _run_setup_cell(monkeypatch, None)


def test_setup_cell_names_are_not_parameters():
    notebook = nbformat.read(ROOT / "notebooks" / "05_improved_se.ipynb", as_version=4)
    setup = next(cell for cell in notebook.cells if cell.cell_type == "code")
    namespace = {}
    exec(setup.source, namespace)
    assert "REPOSITORY" not in namespace
    assert "MOUNT_DRIVE" not in namespace


def test_setup_cell_does_nothing_elsewhere(monkeypatch):
    notebook = nbformat.read(ROOT / "notebooks" / "05_improved_se.ipynb", as_version=4)
    setup = next(cell for cell in notebook.cells if cell.cell_type == "code")
    commands = []
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr("subprocess.run", lambda command, **options: commands.append(command))
    exec(setup.source, {})
    assert commands == []
