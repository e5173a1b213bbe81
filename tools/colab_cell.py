"""The first code cell of every notebook: on Google Colab only, it fetches and sets up the course.

    python tools/colab_cell.py          # puts the cell in every notebook (or brings it up to date)

The cell is the same in every notebook and tagged ``colab-setup`` (and ``remove-cell``: the
course site leaves it out); the slide decks skip it. Anywhere but Colab it does nothing.
tests/test_colab.py runs its logic with and without Colab.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAG = "colab-setup"


def repository(readme=ROOT / "README.md"):
    """(org, repo) of the README's Binder badge: the same repository the Colab badges open."""
    m = re.search(r"https://mybinder\.org/v2/gh/([\w.-]+)/([\w.-]+)/", Path(readme).read_text(encoding="utf-8"))
    if m is None:
        raise RuntimeError("tools/colab_cell.py: README.md has no Binder badge naming the repository")
    return m.group(1), m.group(2)


def source(org_repo=None):
    org, repo = org_repo or repository()
    where = f"/content/{repo}"
    return (
        "# On Google Colab only (anywhere else this cell does nothing): fetch the course, its code\n"
        "# and data, and set it up without replacing Colab's own packages (tools/colab.py).\n"
        "import sys\n"
        "\n"
        "if \"google.colab\" in sys.modules:\n"
        "    import runpy\n"
        "    import subprocess\n"
        "\n"
        f"    subprocess.run(\"test -d {where} || git clone --quiet --depth 1 \"\n"
        f"                   \"https://github.com/{org}/{repo} {where}\", shell=True, check=True)\n"
        f"    runpy.run_path(\"{where}/tools/colab.py\", run_name=\"__main__\")"
    )


def is_colab_cell(cell):
    return TAG in cell.get("metadata", {}).get("tags", [])


def put(path, text=None):
    """Insert the cell before the first code cell of the notebook at ``path``, or update it.
    Returns True when the file changed."""
    import nbformat

    text = text or source()
    nb = nbformat.read(path, as_version=4)
    cell = next((c for c in nb.cells if is_colab_cell(c)), None)
    if cell is None:
        cell = nbformat.v4.new_code_cell(text)
        cell.metadata["tags"] = [TAG, "remove-cell"]
        cell.metadata["slideshow"] = {"slide_type": "skip"}
        first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        nb.cells.insert(first, cell)
    elif cell.source == text:
        return False
    cell.source = text
    nbformat.write(nb, path)
    return True


def main():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if put(path):
            print(f"{path.name}: Colab cell written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
