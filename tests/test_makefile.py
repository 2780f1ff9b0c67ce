"""The Makefile: which Python it accepts, which requirements a learner and a maintainer get, what
make check and make test run, and which cell timeout each backend gets."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scripts import ROOT

PROBE_VAR = "MNIST_SERIES_TIMEOUT_PROBE"


def make_dry_run(*arguments: str) -> subprocess.CompletedProcess:
    """``make -n arguments...`` in the project, without the variables of a make around it."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    # Under `make test BACKEND=jax` the parent make passes BACKEND=jax down in MAKEFLAGS, and
    # its exported KERAS_BACKEND: without them, `make -n` sees only the variables given here.
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "KERAS_BACKEND", "BACKEND", "TESTS"}
    env = {name: value for name, value in os.environ.items() if name not in drop}
    return subprocess.run(
        ["make", "-n", *arguments], cwd=ROOT, capture_output=True, text=True, env=env
    )


def pytest_command(target: str, *variables: str) -> str:
    """The pytest line that ``make -n target variables...`` would run."""
    shown = make_dry_run(target, *variables)
    assert shown.returncode == 0, shown.stderr
    (line,) = [line for line in shown.stdout.splitlines() if " -m pytest " in line]
    return line


def test_a_python_without_the_pins_wheels_is_refused_in_one_line(tmp_path):
    """A stand-in for Python 3.9 (the version question is all the Makefile asks it)."""
    old = tmp_path / "python3.9"
    old.write_text("#!/bin/sh\necho 3.9\n")
    old.chmod(0o755)
    venv = f"VENV={tmp_path / 'venv'}"  # a fresh one, whatever .venv exists here
    refused = make_dry_run("lab", f"PYTHON={old}", venv)
    assert refused.returncode != 0 and refused.stdout == ""
    (line,) = refused.stderr.strip().splitlines()
    assert "is Python 3.9" in line and "3.11 to 3.13" in line and "PYTHON=python3.12" in line
    accepted = make_dry_run("lab", f"PYTHON={sys.executable}", venv)  # this test's Python
    assert accepted.returncode == 0 and f"{sys.executable} -m venv" in accepted.stdout


def test_a_learner_gets_the_learners_file_and_a_maintainer_the_tools_too(tmp_path):
    venv = f"VENV={tmp_path / 'venv'}"
    lab = make_dry_run("lab", f"PYTHON={sys.executable}", venv).stdout
    assert "-r requirements.txt" in lab and "requirements-dev.txt" not in lab
    check = make_dry_run("check", f"PYTHON={sys.executable}", venv, "BACKEND=jax").stdout
    assert "-r requirements-jax.txt -r requirements-dev.txt" in check


def test_other_backends_give_a_cell_twice_the_time():
    assert "--nbval-cell-timeout" not in pytest_command("test")
    for backend in ("jax", "torch"):
        assert "--nbval-cell-timeout=4800" in pytest_command("test", f"BACKEND={backend}")
    assert "--nbval-cell-timeout=4800" in pytest_command("smoke", "BACKEND=jax")


def test_the_jax_smoke_runs_the_unit_tests_of_let_jax_compile():
    line = pytest_command("smoke", "BACKEND=jax")
    assert line.rstrip().endswith("tests/test_training.py")


def test_tests_variable_runs_only_what_it_names():
    line = pytest_command("test", "TESTS=notebooks/04_convolutional_network.ipynb")
    paths = [word for word in line.split() if "/" in word and not word.startswith("-")]
    assert paths[-1] == "notebooks/04_convolutional_network.ipynb"
    assert [path for path in paths if "notebooks/" in path or "tests" in path] == paths[-1:]


@pytest.mark.slow
def test_check_collects_the_unit_tests_and_no_kernel_browser_or_notebook():
    """``make check``'s pytest line, collected only: what a broken helper would fail is in it,
    and nothing that needs a kernel, a browser or a training run."""
    line = pytest_command("check")
    args = shlex.split(line.split(" -m pytest ", 1)[1])
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", *args],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]
    collected = [line for line in run.stdout.splitlines() if "::" in line]
    files = {line.split("::")[0] for line in collected}
    assert {"tests/test_mnist_helpers.py", "tests/test_training.py"} <= files
    assert {"tests/test_notebook_hygiene.py", "tests/test_prose_numbers.py"} <= files
    assert not [f for f in files if f.endswith(".ipynb") or f in ("tests/test_demo.py",)]
    assert not [line for line in collected if "kernel_that_dies" in line]


@pytest.mark.slow
def test_the_last_timeout_given_wins_over_pyproject(tmp_path):
    """pyproject.toml's addopts come first: a timeout on the command line must replace it."""
    seen = tmp_path / "timeout"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--nbval-cell-timeout=4800", f"{__file__}::test_probe"],
        cwd=ROOT, env={**os.environ, PROBE_VAR: str(seen)}, capture_output=True, check=True,
    )  # fmt: skip
    assert float(seen.read_text()) == 4800


def test_probe(request):
    """Run by the test above only: writes the cell timeout this pytest run was given."""
    if PROBE_VAR not in os.environ:
        pytest.skip("only run by test_the_last_timeout_given_wins_over_pyproject")
    Path(os.environ[PROBE_VAR]).write_text(str(request.config.getoption("nbval_cell_timeout")))
