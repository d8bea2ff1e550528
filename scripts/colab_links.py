"""Point every notebook's Colab setup cell and the README's Colab links at a GitHub repository.

    .venv/bin/python scripts/colab_links.py my-user/fer-se [--branch main]

Run it once after publishing the project on GitHub, then commit the changed files. The
setup cells install the package from the repository's default branch, whatever --branch is.
"""

import argparse
import sys
from pathlib import Path

import nbformat

from fer_utils.colab import check_branch, check_repository, links_markdown, replace_links, set_repository

ROOT = Path(__file__).resolve().parents[1]


def planned_changes(repository: str, branch: str) -> dict[Path, str]:
    """Return the new text of every notebook and of the README, without writing anything.

    Raises ValueError naming the file that lacks its REPOSITORY line or link markers.
    """
    changes = {}
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        try:
            set_repository(notebook, repository)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error
        changes[path] = nbformat.writes(notebook) + "\n"
    readme = ROOT / "README.md"
    try:
        changes[readme] = replace_links(readme.read_text(), links_markdown(repository, [p.name for p in paths], branch))
    except ValueError as error:
        raise ValueError(f"{readme}: {error}") from error
    return changes


def main(argv: list[str] | None = None) -> int:
    """Rewrite the notebooks' REPOSITORY lines and the README's link list; return 0."""
    parser = argparse.ArgumentParser(description="Write the GitHub repository into the notebooks and the README.")
    parser.add_argument("repository", help="GitHub owner/name of this project, such as my-user/fer-se")
    parser.add_argument("--branch", default="main", help="branch the Colab links open (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        changes = planned_changes(check_repository(args.repository), check_branch(args.branch))
    except ValueError as error:
        parser.error(str(error))

    for path, text in changes.items():
        if path.read_text() != text:
            path.write_text(text)
            print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
