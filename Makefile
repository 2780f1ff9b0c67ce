# In a fresh clone (see README.md):
#   make lab    set up a learner's .venv and open the series in JupyterLab
#   make check  lint, unit tests, notebook hygiene and prose numbers: no kernel, under a minute
#   make test   all of make check, every notebook under nbval and the browser tests
#   make smoke BACKEND=jax  three chapters on JAX (what CI adds to make test)
#   make student  student copies (no outputs, no solutions) in student/ and student.zip
#   make site   the series as a static site with slides in site/ (open site/index.html)
#   make demo   the draw-a-digit page on http://127.0.0.1:8000/ (PORT=8001 for another port)
# Set MNIST_NPZ=/path/to/mnist.npz to test without internet (see data/README.md).
# BACKEND=jax or BACKEND=torch (make lab BACKEND=jax, make test BACKEND=torch): Keras on JAX or
# PyTorch, in .venv-jax or .venv-torch.

PYTHON ?= python3
# The Pythons that every pinned package has wheels for: TensorFlow 2.21.0 has none for 3.14,
# NumPy 2.4, Matplotlib 3.11 and Pillow 13 none for 3.10. pyproject.toml's requires-python
# says the same.
PYTHON_VERSIONS := 3.11 3.12 3.13
PYTHON_VERSION = $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
WRONG_PYTHON = $(if $(PYTHON_VERSION),$(PYTHON) is Python $(PYTHON_VERSION),there is no $(PYTHON)),\
	and the series needs Python $(firstword $(PYTHON_VERSIONS)) to $(lastword $(PYTHON_VERSIONS)):\
	run make $(or $(MAKECMDGOALS),setup) PYTHON=python3.12 (say)
# Keras's backend: tensorflow (requirements.txt, in .venv), jax (requirements-jax.txt, in
# .venv-jax) or torch (requirements-torch.txt, in .venv-torch). Every command below runs with
# KERAS_BACKEND set to it.
BACKEND ?= tensorflow
ifeq ($(BACKEND),tensorflow)
VENV := .venv
REQUIREMENTS := requirements.txt
else
VENV := .venv-$(BACKEND)
REQUIREMENTS := requirements-$(BACKEND).txt
endif
ifeq ($(wildcard $(REQUIREMENTS)),)
$(error BACKEND=$(BACKEND): there is no $(REQUIREMENTS); the backends are tensorflow, jax and torch)
endif
export KERAS_BACKEND := $(BACKEND)
BIN := $(VENV)/bin
# JupyterLab refuses to start as root (containers, some classroom servers) unless told to.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab lint check test smoke setup dev-setup student site demo
PORT ?= 8000

# reveal.js for the slides, pinned in package-lock.json (Node.js's npm; see CONTRIBUTING.md).
REVEAL := node_modules/.package-lock.json
NPM := $(shell command -v npm)

PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

# A learner's environment: what the chapters need (requirements.txt or a backend's file, each
# with requirements-common.txt), then the series' own package mnist_series/ (editable: edits
# take effect). A Python the pins have no wheels for stops it at once, in one line.
setup: $(VENV)/.installed

$(VENV)/.installed: $(REQUIREMENTS) requirements-common.txt pyproject.toml
	$(if $(filter $(PYTHON_VERSION),$(PYTHON_VERSIONS)),,$(error $(WRONG_PYTHON)))
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r $(REQUIREMENTS)
	$(PIP) --no-deps -e .
	touch $@

# A maintainer's: the learner's, with the test and build tools of requirements-dev.txt.
dev-setup: $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) -r $(REQUIREMENTS) -r requirements-dev.txt
	touch $@

lab: setup
	$(BIN)/jupyter lab $(LAB_FLAGS) notebooks/

$(REVEAL): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# A cell may run for 40 minutes (--nbval-cell-timeout in pyproject.toml, a guard against hangs).
# On JAX and PyTorch, where notebook 5's final training takes 842 s and 1296 s beside another
# worker (benchmarks/backends.md), a cell gets 80.
CELL_TIMEOUT := $(if $(filter tensorflow,$(BACKEND)),,--nbval-cell-timeout=4800)
# TESTS: what to run instead of everything,
# e.g. make test TESTS=notebooks/04_convolutional_network.ipynb
TESTS ?=

# Ruff's lint and format check, on the .py files and the notebooks (pyproject.toml).
lint: dev-setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The fast tier, for every change: the tests not marked slow (conftest.py), so no kernel,
# browser, server or training run.
check: lint
	$(BIN)/python -m pytest -m "not slow" tests

# Everything: make check's tests, the slow ones and every notebook, in one pytest run whose
# two workers take the notebooks as two chains side by side (see tests/nbharness.py) and the
# other test files in between. Without npm the slides' test is skipped (CI has npm: there it
# must run).
test: lint $(if $(NPM),$(REVEAL))
	$(BIN)/python -m pytest -n 2 $(CELL_TIMEOUT) $(TESTS)

# A short check of another backend, which CI runs on JAX (make smoke BACKEND=jax): notebook
# 1 (its loss differs by backend), the introduction and notebook 2, against the same stored
# outputs, and tests/test_training.py, whose let_jax_compile and validation_in_step act only
# on JAX (the second on PyTorch too). Notebooks 3 to 7 are left to make test BACKEND=jax:
# notebook 6 reads the models that only the whole run trains.
SMOKE := $(sort $(wildcard notebooks/0[012]_*.ipynb)) tests/test_training.py

smoke: dev-setup
	$(BIN)/python -m pytest -n 2 $(CELL_TIMEOUT) $(SMOKE)

# Student copies and the site, for a class: see tools/classroom.py.
student: dev-setup
	$(BIN)/python -m tools.classroom student student

site: dev-setup $(REVEAL)
	$(BIN)/python -m tools.classroom site site

# Draw a digit and watch the saved models read it (see mnist_series/demo.py).
demo: setup
	$(BIN)/python -m mnist_series.demo --port $(PORT)
