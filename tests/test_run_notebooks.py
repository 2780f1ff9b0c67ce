"""The notebook runner: the seed reaches the notebook through its parameters cell, the run stops
in time, and the tables, machine line and MNIST copy it handles."""

import nbformat
import pytest

from tests.scripts import ROOT
from tools import run_notebooks


def seeded_notebook(path, *, tagged=True):
    """A notebook like a chapter: parameters cell, setup seeding Keras, accuracy line, more."""
    parameters = nbformat.v4.new_code_cell("seed = 42")
    if tagged:
        parameters.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        parameters,
        nbformat.v4.new_code_cell(
            "import types\n"
            "keras = types.SimpleNamespace(utils=types.SimpleNamespace(\n"
            "    set_random_seed=lambda seed: print('seed', seed)))\n"
            "keras.utils.set_random_seed(seed)"
        ),
        nbformat.v4.new_code_cell('print("Test accuracy: 0.9500")'),
        nbformat.v4.new_code_cell('raise RuntimeError("ran past the accuracy line")'),
    ]
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_a_seeded_run_sets_the_seed_and_stops_at_the_accuracy_line(tmp_path):
    path = seeded_notebook(tmp_path / "seeded.ipynb")
    ran, seconds, memory = run_notebooks.run(path, timeout=60, seed=7)
    printed = [out.get("text", "") for cell in ran.cells for out in cell.get("outputs", [])]
    assert printed == ["seed 7\n", "Test accuracy: 0.9500\n"]
    assert seconds > 0 and memory > 0
    assert nbformat.read(path, as_version=4).cells[0].source == "seed = 42", "file untouched"


def test_a_notebook_without_a_parameters_cell_is_refused_before_any_kernel(tmp_path, capsys):
    path = seeded_notebook(tmp_path / "untagged.ipynb", tagged=False)
    with pytest.raises(run_notebooks.NoParametersCell, match="untagged.ipynb has no cell tagged"):
        run_notebooks.run(path, timeout=60, seed=7)
    assert run_notebooks.measure_spread([path], [7], timeout=60, out=None) == 0
    assert "untagged.ipynb: no cell tagged 'parameters'" in capsys.readouterr().out


def test_spread_row_gives_min_mean_max_and_the_margin_over_the_floor():
    row = run_notebooks.spread_row(
        "04_convolutional_network.ipynb", [(42, 0.9929, 110.0), (1, 0.9915, 100.0)]
    )
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[:8] == [
        "04_convolutional_network.ipynb",
        "2",
        "0.9915",
        "0.9922",
        "0.9929",
        "0.99",
        "+0.15 points",
        "105 s",
    ]
    assert cells[8] == "42: 0.9929, 1: 0.9915"


def test_a_bad_mnist_copy_gets_one_line_and_leaves_no_folder(tmp_path, monkeypatch, capsys):
    import tempfile

    (tmp_path / "bad.npz").write_text("not MNIST")
    monkeypatch.setenv("MNIST_NPZ", str(tmp_path / "bad.npz"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where a leftover would land
    monkeypatch.delenv("IPYTHONDIR", raising=False)  # restored after the test
    assert run_notebooks.main([str(tmp_path / "none.ipynb")]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith("MNIST_NPZ=") and "is not an .npz file" in message
    assert len(message.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.npz"]


def test_the_temporary_ipython_folder_is_removed_after_the_run(tmp_path, monkeypatch):
    import tempfile

    import numpy as np

    from mnist_series import offline_mnist

    arrays = {
        "x_train": np.zeros((60000, 28, 28), np.uint8),
        "y_train": np.repeat(np.arange(10, dtype=np.uint8), offline_mnist.LABEL_COUNTS["y_train"]),
        "x_test": np.zeros((10000, 28, 28), np.uint8),
        "y_test": np.repeat(np.arange(10, dtype=np.uint8), offline_mnist.LABEL_COUNTS["y_test"]),
    }
    np.savez(tmp_path / "copy.npz", **arrays)
    monkeypatch.setenv("MNIST_NPZ", str(tmp_path / "copy.npz"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("IPYTHONDIR", raising=False)  # serve_to_kernels sets it; restored after
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(1)")]
    nbformat.write(nb, tmp_path / "tiny.ipynb")
    monkeypatch.setattr(run_notebooks, "measure", lambda args, paths: 0)
    assert run_notebooks.main([str(tmp_path / "tiny.ipynb")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.npz", "tiny.ipynb"]


def test_the_machine_line_names_the_backend_and_its_version():
    import keras

    from tools.machine import BACKEND_NAMES

    line = run_notebooks.machine_line()
    name = BACKEND_NAMES[keras.backend.backend()]
    assert f", {name} " in line and f"Keras {keras.__version__}" in line


def test_the_machine_line_names_a_gpu_first_and_the_cpu_beside_it(monkeypatch):
    from tools import machine

    found = machine.gpu_model()  # None on a CPU; a learner's machine may have a GPU
    assert found is None or isinstance(found, str) and found
    monkeypatch.setattr(run_notebooks, "gpu_model", lambda: None)
    assert run_notebooks.machine_line().startswith(f"Measured on {machine.cpu_model()}, ")
    monkeypatch.setattr(run_notebooks, "gpu_model", lambda: "NVIDIA H200")
    line = run_notebooks.machine_line()
    assert line.startswith(f"Measured on NVIDIA H200 beside {machine.cpu_model()}, ")


def test_a_notebook_is_skipped_only_where_its_backend_is_missing(capsys, monkeypatch):
    from pathlib import Path

    import keras

    appendix = Path("notebooks/07_data_parallel.ipynb")
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    assert not run_notebooks.runs_here(appendix)
    assert "runs on tensorflow and jax only, not on torch: skipped" in capsys.readouterr().out
    assert run_notebooks.runs_here(Path("notebooks/01_softmax_regression.ipynb"))
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    assert run_notebooks.runs_here(appendix)


def test_a_run_kept_apart_saves_its_models_apart(tmp_path, monkeypatch):
    from mnist_series import saved_models

    mine = tmp_path / "models"
    mine.mkdir()
    (mine / "softmax.keras").write_text("the learner's model")
    monkeypatch.setenv(saved_models.ENV_VAR, str(mine))
    run_notebooks.keep_models_apart(tmp_path / "out" / "models")
    assert saved_models.models_dir() == tmp_path / "out" / "models"
    assert (tmp_path / "out" / "models" / "softmax.keras").read_text() == "the learner's model"


def test_the_gpu_script_parses_and_calls_the_runner_only_with_options_it_has():
    import re
    import subprocess
    from pathlib import Path

    script = ROOT / "benchmarks" / "on_gpu.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    calls = re.findall(r"python3 -m tools\.run_notebooks(.*?)2>&1", script.read_text(), re.DOTALL)
    used = {flag for call in calls for flag in re.findall(r"--[a-z]+", call)}
    assert len(calls) == 2 and used == {"--timeout", "--out", "--table", "--seeds"}
    source = Path(run_notebooks.__file__).read_text()
    assert all(f'add_argument("{flag}"' in source for flag in used)
