"""A Sphinx extension of the course site: `make site` runs quietly (``-q``), and a cold build
runs every notebook (minutes); this prints which notebook is read now and how many are left.
A notebook whose cached run is current is read without running again."""

import sys


def notebooks_to_read(app, env, docnames):
    """``env-before-read-docs``: remember the notebooks among the pages to read, in order."""
    app.glu_notebooks = [d for d in docnames if d.startswith("notebooks/")]
    if app.glu_notebooks:
        print(f"make site: {len(app.glu_notebooks)} notebook(s) to read; a changed one runs "
              "(seconds to a minute each), an unchanged one comes from the cache", file=sys.stdout, flush=True)


def reading(app, docname, source):
    """``source-read``: one line per notebook, before it is run."""
    todo = getattr(app, "glu_notebooks", [])
    if docname in todo:
        n = todo.index(docname) + 1
        print(f"make site: notebook {n} of {len(todo)}: {docname}.ipynb ({len(todo) - n} left after it)",
              file=sys.stdout, flush=True)


def setup(app):
    app.connect("env-before-read-docs", notebooks_to_read)
    app.connect("source-read", reading)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
