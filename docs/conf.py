"""Sphinx configuration of the course site: `make site` builds it into _site/.

The source folder is the repository itself (so that a page's launch link and download are
the notebook's real path, notebooks/NN_*.ipynb); only the pages listed in ``include_patterns``
are read. Notebooks are executed by myst-nb through jupyter-cache: an unchanged notebook is
not run again. Nothing is fetched from the network, at build time or by a reader's browser:
MathJax is a local copy (npm's ``mathjax`` package, installed by ``make site``).
"""

import re
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
BUILD = ROOT / "_build"  # git-ignored: the execution cache and the files copied for the site
MATHJAX = DOCS / "node_modules" / "mathjax" / "es5"

# The Binder launch link of every page: the repository and ref of the README's Binder badge
_binder = re.search(r"https://mybinder\.org/v2/gh/(?P<org>[\w.-]+)/(?P<repo>[\w.-]+)/(?P<ref>[\w./-]+)\?",
                    (ROOT / "README.md").read_text(encoding="utf-8"))
if _binder is None:
    raise RuntimeError("docs/conf.py: README.md has no Binder launch URL (mybinder.org/v2/gh/ORG/REPO/REF?...)")

project = "Gated Linear Units, from a typhoon pump to the Transformer FFN"
author = "The GLU course developers"
copyright = "the GLU course developers; prose, figures and exercises CC BY 4.0, code MIT"

sys.path.insert(0, str(DOCS))  # glu_progress: `make site` says which notebook it reads, how many are left
extensions = ["myst_nb", "sphinx.ext.mathjax", "glu_progress"]
root_doc = "docs/index"
include_patterns = ["docs/index.md", "docs/references.md", "docs/PERFORMANCE.md", "notebooks/[0-9][0-9]_*.ipynb"]
exclude_patterns = [".venv", ".git", "_build", "_site", "_slides", "docs/node_modules", "**/.ipynb_checkpoints"]

# ---- notebooks: executed with a cache, every failure stops the build
nb_execution_mode = "cache"
nb_execution_cache_path = str(BUILD / "jupyter_cache")
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 600  # per cell; every notebook aims at well under a minute in all
nb_execution_in_temp = False  # run in notebooks/, as a learner does
# Widgets are not embedded (their JavaScript would come from a CDN, and a page has no kernel
# to drive them): a widget output renders as an inert placeholder, and every live figure has
# its static twin, a PNG output of its own.
nb_ipywidgets_js = {}
# A panel that carries its static twin in its own output (Panel.twin_in_output: a widget view
# and an image/png) shows the image here: PNG first, then the widget view as before.
nb_mime_priority_overrides = [("html", "image/png", 5)]
nb_merge_streams = True

myst_enable_extensions = ["dollarmath", "amsmath", "html_image"]
myst_heading_anchors = 3

# ---- math, offline: MathJax 3 from a local copy, copied into _static/mathjax/
_static = BUILD / "site-static"
if not (MATHJAX / "tex-mml-chtml.js").is_file():
    raise RuntimeError(f"docs/conf.py: no local MathJax at {MATHJAX}: run `make site` (it installs it with npm ci)")
if not (_static / "mathjax" / "tex-mml-chtml.js").is_file():
    shutil.copytree(MATHJAX, _static / "mathjax", dirs_exist_ok=True)
html_static_path = [str(_static)]
mathjax_path = "mathjax/tex-mml-chtml.js"
html_extra_path = [str(DOCS / "_extra")]  # index.html: the site's root leads to the front page

# ---- the theme: sidebar in course order, search, previous/next, launch and download buttons
html_theme = "sphinx_book_theme"
html_title = "Gated Linear Units"
html_copy_source = True
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": f"https://github.com/{_binder['org']}/{_binder['repo']}",
    "repository_branch": _binder["ref"],
    "path_to_docs": "",
    "use_download_button": True,
    "use_repository_button": True,
    "use_fullscreen_button": False,
    "show_prev_next": True,
    "show_toc_level": 2,
    # Binder and Colab, side by side on every notebook page (Colab: the notebook's first cell sets it up)
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "colab_url": "https://colab.research.google.com",
                       "notebook_interface": "jupyterlab"},
}
# The theme's light/dark switch starts in light mode (an unset mode logs an error in the console)
html_context = {"default_mode": "light"}
html_favicon = str(DOCS / "favicon.svg")  # without one, the browser asks for /favicon.ico (a 404)

