"""pytest plugin for the notebook tests (loaded by the top-level conftest.py).

- With ``MNIST_NPZ`` set, it checks that file and makes every notebook kernel
  load MNIST from it (see ``offline_mnist.py``); without it, Keras downloads.
- While nbval runs a notebook, it reads the ``Test accuracy: 0.XXXX`` line from
  the live output and fails the cell if the accuracy is below the floor.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests import floors, offline_mnist

_ipython_dir = None


def pytest_configure(config):
    global _ipython_dir
    npz = os.environ.get(offline_mnist.ENV_VAR)
    if not npz:
        return
    try:
        _ipython_dir = offline_mnist.serve_to_kernels(npz)
    except offline_mnist.BadMnistCopy as error:
        pytest.exit(f"{offline_mnist.ENV_VAR}={npz}: {error}", returncode=2)


def pytest_unconfigure(config):
    if _ipython_dir:
        shutil.rmtree(_ipython_dir, ignore_errors=True)


def pytest_report_header(config):
    npz = os.environ.get(offline_mnist.ENV_VAR)
    if npz:
        return f"MNIST: local copy {npz} (checked)"
    return f"MNIST: Keras download ({offline_mnist.ENV_VAR} not set)"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    error = None
    try:
        result = yield
    except BaseException as raised:  # the cell failed; still check the floor
        error = raised
    notebook = Path(str(item.fspath)).name
    outputs = getattr(item, "test_outputs", None)
    if outputs and notebook in floors.FLOORS:
        for accuracy in floors.accuracies_in(floors.output_text(outputs)):
            message = floors.floor_failure(notebook, accuracy)
            if message:
                pytest.fail(message, pytrace=False)
    if error is not None:
        raise error
    return result
