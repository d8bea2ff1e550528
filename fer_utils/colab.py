"""Colab links for the notebooks and the repository name in their setup cell.

Each notebook's first code cell installs fer_utils on Colab from the GitHub repository
named in its REPOSITORY line. Once the project is published, scripts/colab_links.py
writes that name into every notebook and the Colab links into the README.
"""

import re

import nbformat

REPOSITORY_LINE = re.compile(r'^REPOSITORY = "[^"\n]*"', re.MULTILINE)
# GitHub user and organization names are letters, digits and single inner hyphens, at most 39 characters.
REPOSITORY_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/[A-Za-z0-9_.-]+$")
BRANCH_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
LINKS_START = "<!-- colab-links:start -->"
LINKS_END = "<!-- colab-links:end -->"


def check_repository(repository: str) -> str:
    """Return repository when it is a GitHub "owner/name", else raise ValueError."""
    parts = repository.split("/")
    if not REPOSITORY_NAME.fullmatch(repository) or any(part in (".", "..") for part in parts) \
            or repository.endswith(".git"):
        raise ValueError(f"Repository {repository!r} is not a GitHub owner/name, such as 'my-user/fer-se'. "
                         "The owner has letters, digits and single inner hyphens, at most 39 characters.")
    return repository


def check_branch(branch: str) -> str:
    """Return branch when it is a plausible Git branch name for a URL, else raise ValueError."""
    if not BRANCH_NAME.fullmatch(branch) or ".." in branch or branch.endswith((".", "/", ".lock")):
        raise ValueError(f"Branch {branch!r} is not a valid branch name for a Colab link, such as 'main'.")
    return branch


def colab_url(repository: str, notebook: str, branch: str = "main") -> str:
    """Return the URL that opens notebooks/<notebook> of a GitHub repository in Colab."""
    return (f"https://colab.research.google.com/github/{check_repository(repository)}/blob/{check_branch(branch)}/"
            f"notebooks/{notebook}")


def set_repository(notebook: nbformat.NotebookNode, repository: str) -> bool:
    """Write repository into the REPOSITORY line of the notebook's setup cell, in place.

    Returns whether the line changed. Raises ValueError when no code cell has that line.
    """
    line = f'REPOSITORY = "{check_repository(repository)}"'
    for cell in notebook.cells:
        if cell.cell_type == "code" and REPOSITORY_LINE.search(cell.source):
            updated = REPOSITORY_LINE.sub(line, cell.source, count=1)
            changed, cell.source = updated != cell.source, updated
            return changed
    raise ValueError("The notebook has no setup cell with a line starting REPOSITORY = \"...\".")


def links_markdown(repository: str, notebooks: list[str], branch: str = "main") -> str:
    """Return a Markdown list of "Open in Colab" links, one per notebook file name."""
    return "".join(f"- [{name.removesuffix('.ipynb')}]({colab_url(repository, name, branch)})\n"
                   for name in notebooks)


def replace_links(readme: str, links: str) -> str:
    """Return readme with the text between LINKS_START and LINKS_END replaced by links.

    Raises ValueError when the markers are missing, naming them.
    """
    start, end = readme.find(LINKS_START), readme.find(LINKS_END)
    if start < 0 or end < start:
        raise ValueError(f"The README has no {LINKS_START} ... {LINKS_END} section to write the links into.")
    return readme[:start + len(LINKS_START)] + "\n" + links + readme[end:]
