# Two commands for a fresh clone (see README.md):
#   make lab    set up .venv and open the series in JupyterLab
#   make test   set up .venv, lint, and execute every notebook as a test
# Set MNIST_NPZ=/path/to/mnist.npz to test without internet (see data/README.md).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# JupyterLab refuses to start as root (containers, some classroom servers) unless told to.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test setup

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

lab: setup
	$(BIN)/jupyter lab $(LAB_FLAGS) notebooks/

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest
