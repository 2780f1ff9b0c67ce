"""The test harness (tests/nbharness.py): a kernel that died fails in seconds, the workers' folder
of finished notebooks lives as long as the run that made it, and how the run shares the cores."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from queue import Empty
from types import SimpleNamespace

import pytest
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, RunningKernel

from tests import nbharness
from tests.scripts import ROOT


@pytest.mark.slow
def test_a_kernel_that_dies_fails_its_cell_within_seconds():
    nbharness.fail_fast_when_a_kernel_dies()
    kernel = RunningKernel(CURRENT_ENV_KERNEL_NAME)
    try:
        # An abort as XLA's ends a process: the reason, then a stack trace below it.
        crash = (
            "import os, signal\n"
            "os.write(2, b'F1203 00:41:07.5 rendezvous.cc:9] Termination timeout: the reason\\n')\n"
            "os.write(2, b'*** Check failure stack trace: ***\\n' + b'    @ 0x7f00 frame\\n' * 4)\n"
            "os.kill(os.getpid(), signal.SIGKILL)"
        )
        msg_id = kernel.execute_cell_input(crash, allow_stdin=False)
        start = time.monotonic()
        died = (
            r"the kernel died \(exit status -9\); it said: F1203 .*Termination timeout: the reason;"
            r" its stderr ended: @ 0x7f00 frame \| @ 0x7f00 frame \| @ 0x7f00 frame"
            r" \(all of it: (?P<path>\S+)\)$"
        )
        with pytest.raises(RuntimeError, match=died) as failure:
            kernel.await_reply(msg_id, timeout=600)  # nbval passes the 40-minute cell timeout
        assert time.monotonic() - start < 30
        kept = Path(re.search(died, str(failure.value))["path"])
        assert "the reason" in kept.read_text() and kept.read_text().count("frame") == 4
        kept.unlink()
    finally:
        kernel.stop()


@pytest.mark.slow
def test_a_live_kernel_still_answers_and_still_times_out():
    nbharness.fail_fast_when_a_kernel_dies()
    kernel = RunningKernel(CURRENT_ENV_KERNEL_NAME)
    try:
        kernel.await_reply(kernel.execute_cell_input("x = 1", allow_stdin=False), timeout=60)
        slow = kernel.execute_cell_input("import time\ntime.sleep(20)", allow_stdin=False)
        start = time.monotonic()
        with pytest.raises(Empty):  # what nbval expects at its cell timeout
            kernel.await_reply(slow, timeout=7)
        assert 6 < time.monotonic() - start < 15
    finally:
        kernel.stop()


PROBE_VAR = "MNIST_SERIES_NESTED_PROBE"


@pytest.mark.slow
def test_a_pytest_started_by_a_test_leaves_the_runs_folder_alone(tmp_path):
    """A nested pytest inherits the folder where workers mark finished notebooks; it must not
    remove it at its end, or a notebook waiting for others waits until its deadline."""
    done = tmp_path / "done"
    done.mkdir()
    (done / "04_convolutional_network.ipynb").touch()
    env = {**os.environ, nbharness.DONE_DIR_VAR: str(done), PROBE_VAR: "1"}
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         f"{__file__}::test_probe"],
        cwd=ROOT, env=env, capture_output=True, check=True,
    )  # fmt: skip
    assert (done / "04_convolutional_network.ipynb").exists()


def test_probe():
    """Run by the test above only."""
    if PROBE_VAR not in os.environ:
        pytest.skip("only run by test_a_pytest_started_by_a_test_leaves_the_runs_folder_alone")


def test_a_notebook_waiting_on_a_removed_folder_fails_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv(nbharness.DONE_DIR_VAR, str(tmp_path / "gone"))
    monkeypatch.setattr(nbharness, "_waited", set())
    monkeypatch.setattr(nbharness, "_stamps", {})
    monkeypatch.setattr(nbharness, "WAIT_SECONDS", 3)  # without the check: "waited 3 s"
    item = SimpleNamespace(
        path=tmp_path / "05_beyond_99.ipynb",
        cell={"source": "other = keras.models.load_model(path)"},
        config=SimpleNamespace(_series_notebooks={"04_convolutional_network.ipynb"}),
    )
    start = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match="was removed while it waited"):
        nbharness.pytest_runtest_setup(item)
    assert time.monotonic() - start < 5


def test_dense_notebooks_get_one_tensorflow_thread_only_beside_another_worker(monkeypatch):
    dense, cnn = "02_multilayer_perceptron.ipynb", "05_beyond_99.ipynb"
    assert nbharness.kernel_threads(dense, "tensorflow", workers=2) == "1"
    assert nbharness.kernel_threads(dense, "tensorflow", workers=1) is None  # alone: both cores
    assert nbharness.kernel_threads(cnn, "tensorflow", workers=2) is None
    assert nbharness.kernel_threads(dense, "jax", workers=2) is None

    import keras

    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    monkeypatch.setattr(nbharness, "_workers", 2)
    monkeypatch.setattr(nbharness, "_intra_op_by_hand", None)
    monkeypatch.setenv(nbharness.INTRA_OP, "-")  # so that monkeypatch puts back what was there
    monkeypatch.delenv(nbharness.INTRA_OP)
    nbharness.set_kernel_threads(dense)
    assert os.environ[nbharness.INTRA_OP] == "1"
    nbharness.set_kernel_threads(cnn)  # the next notebook's kernel gets the default again
    assert nbharness.INTRA_OP not in os.environ
    nbharness.set_kernel_threads(dense)
    nbharness.set_kernel_threads(None)  # after the notebook: the tests after it get the default
    assert nbharness.INTRA_OP not in os.environ
    monkeypatch.setattr(nbharness, "_intra_op_by_hand", "2")  # one set by hand is kept
    nbharness.set_kernel_threads(dense)
    assert os.environ[nbharness.INTRA_OP] == "2"


@pytest.mark.slow
def test_two_workers_start_each_kernel_with_its_threads(tmp_path):
    """As ``make test`` runs them: a dense notebook's kernel gets one TensorFlow thread, the
    next notebook's kernel (a CNN's) TensorFlow's default again."""
    import keras
    import nbformat

    if nbharness.INTRA_OP in os.environ:
        pytest.skip(f"{nbharness.INTRA_OP} is set by hand: every kernel keeps it")
    dense = "02_multilayer_perceptron.ipynb"  # "1" on TensorFlow, None on the other backends
    one = nbharness.kernel_threads(dense, keras.backend.backend(), workers=2)
    expected = {dense: repr(one), "04_convolutional_network.ipynb": "None"}
    for name, value in expected.items():
        check = f"import os\nassert os.environ.get({nbharness.INTRA_OP!r}) == {value}"
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(check)])
        nbformat.write(notebook, tmp_path / name)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", "pyproject.toml",
         f"--rootdir={tmp_path}", "-p", "tests.nbharness", "-n", "2",
         *(str(tmp_path / name) for name in expected)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]
    assert "2 passed" in run.stdout


def test_a_notebook_waits_only_for_the_earlier_chapters_that_save_models():
    from mnist_series import series

    saving = [chapter.notebook for chapter in series.CHAPTERS if chapter.name]
    assert nbharness.models_read_by("06_comparison.ipynb") == saving  # it compares them all
    assert "04_convolutional_network.ipynb" in nbharness.models_read_by("05_beyond_99.ipynb")
    assert "05_beyond_99.ipynb" not in nbharness.models_read_by("05_beyond_99.ipynb")
    assert nbharness.models_read_by("04_convolutional_network.ipynb") == []
    assert nbharness.models_read_by("elsewhere.ipynb") == []


def test_on_torch_each_worker_gets_its_share_of_the_cores(monkeypatch):
    import keras

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    nbharness.share_the_cores(2)
    assert "OMP_NUM_THREADS" not in os.environ
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    nbharness.share_the_cores(2)
    assert os.environ["OMP_NUM_THREADS"] == "2"
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # one set by hand is kept
    nbharness.share_the_cores(8)
    assert os.environ["OMP_NUM_THREADS"] == "3"
