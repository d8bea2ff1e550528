"""Point every notebook's Colab setup cell and the README's Colab links at a GitHub repository.

    .venv/bin/python scripts/colab_links.py my-user/fer-se [--branch main]

Run it once after publishing the project on GitHub, then commit the changed files.
"""

import argparse
import sys
from pathlib import Path

import nbformat

from fer_utils.colab import check_repository, links_markdown, replace_links, set_repository

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    """Rewrite the notebooks' REPOSITORY lines and the README's link list; return 0."""
    parser = argparse.ArgumentParser(description="Write the GitHub repository into the notebooks and the README.")
    parser.add_argument("repository", help="GitHub owner/name of this project, such as my-user/fer-se")
    parser.add_argument("--branch", default="main", help="branch the Colab links open (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        check_repository(args.repository)
    except ValueError as error:
        parser.error(str(error))

    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        if set_repository(notebook, args.repository):
            nbformat.write(notebook, path)
            print(f"updated {path.relative_to(ROOT)}")
    readme = ROOT / "README.md"
    readme.write_text(replace_links(readme.read_text(), links_markdown(args.repository, [p.name for p in paths],
                                                                        args.branch)))
    print(f"updated {readme.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
