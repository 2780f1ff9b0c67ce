"""pytest plugin for the notebook tests (loaded by conftest.py). What it adds to nbval, in the
order of this file:

1. Set-up: every kernel loads MNIST from ``MNIST_NPZ`` when it is set (offline_mnist), and the
   notebooks save their models into a temporary copy of ``models/``, so that a test run reads
   a learner's models but never replaces them.
2. A notebook that cannot run on this run's Keras backend is skipped, with the reason.
3. Two workers (``make test`` runs ``pytest -n 2``): each runs one chain of notebooks, in file
   order (``series.Chapter.chain``); the unit-test files go to whichever worker is free. A
   notebook that loads models saved on the other chain waits, at its first cell that loads
   one, until those notebooks have finished. Kernels get their share of the cores.
4. Each notebook cell is checked as it runs: a printed ``Test accuracy`` line against the
   notebook's floor, and a model it saved against its recipe (mnist_series/recipes.py, which
   the benchmark trains, so it must be what the chapter trains).
5. A kernel that dies fails its cell within seconds, with its exit status and the end of its
   stderr, instead of after nbval's cell timeout.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from queue import Empty

import pytest

from mnist_series import offline_mnist, recipes, saved_models, series
from tools import recipe_check

# ------------------------------------------------------------------------------ 1. set-up

DONE_DIR_VAR = "MNIST_SERIES_TEST_DONE_DIR"  # where workers mark finished notebooks
# The temporary folders this process made. A pytest started by a test inherits the run's
# folders, which the run still needs: it removes only its own.
_made: list[Path] = []
_workers = 1


def _temporary_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    _made.append(folder)
    return folder


def pytest_configure(config):
    global _workers
    fail_fast_when_a_kernel_dies()
    if hasattr(config, "workerinput"):  # a worker: the controller made the folders
        _workers = int(config.workerinput["workercount"])
        share_the_cores(_workers)
    else:
        models = _temporary_folder("mnist-series-models-")
        saved_models.copy_models(models)
        os.environ[saved_models.ENV_VAR] = str(models)  # workers and kernels inherit it
        if config.getoption("dist", "no") != "no" and config.getoption("tx", None):
            os.environ[DONE_DIR_VAR] = str(_temporary_folder("mnist-series-test-"))
    npz = os.environ.get(offline_mnist.ENV_VAR)
    if npz:
        try:
            _made.append(offline_mnist.serve_to_kernels(npz))
        except offline_mnist.BadMnistCopy as error:
            pytest.exit(f"{offline_mnist.ENV_VAR}={npz}: {error}", returncode=2)


def pytest_unconfigure(config):
    for folder in _made:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_report_header(config):
    npz = os.environ.get(offline_mnist.ENV_VAR)
    if npz:
        return f"MNIST: local copy {npz} (checked)"
    return f"MNIST: Keras download ({offline_mnist.ENV_VAR} not set)"


# ------------------------------------------------------------------ 2. which notebooks run


def _notebook(item) -> str | None:
    return item.path.name if item.path.suffix == ".ipynb" else None


def chapter(notebook: str | None) -> series.Chapter | None:
    """The series' entry for ``notebook`` (None: not a notebook of the series)."""
    try:
        return series.chapter_of(notebook)
    except KeyError:
        return None


def pytest_collection_modifyitems(config, items):
    import keras  # the backend the kernels get: KERAS_BACKEND, else ~/.keras/keras.json

    backend = keras.backend.backend()
    for item in items:
        notebook = _notebook(item)
        if chapter(notebook) and (reason := series.backend_failure(notebook, backend)):
            item.add_marker(pytest.mark.skip(reason=reason))
    config._series_notebooks = {
        _notebook(item) for item in items if not item.get_closest_marker("skip")
    } - {None}


# ------------------------------------------------------------------------ 3. two workers


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: only called with -n
def pytest_xdist_make_scheduler(config, log):
    """Send each chain of notebooks, cell after cell, to one worker; test files as units."""
    from xdist.scheduler import LoadScopeScheduling

    class ChainScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            entry = chapter(Path(file).name)
            return f"chain-{entry.chain}" if entry else file

    return ChainScheduling(config, log)


WAIT_SECONDS = 1800  # for the other worker's notebooks to finish
# A cell that reads a saved model: where a notebook that loads models waits for them.
LOADS_A_MODEL = ("saved_models.load(", "keras.models.load_model(")
_waited: set[str] = set()


def models_read_by(notebook: str) -> list[str]:
    """The notebooks whose saved models ``notebook`` waits for: the chapters before it that
    save one, if it loads models (series.Chapter.loads_models)."""
    if not (entry := chapter(notebook)) or not entry.loads_models:
        return []
    before = series.CHAPTERS[: series.CHAPTERS.index(entry)]
    return [other.notebook for other in before if other.name]


def wait_for_models(item, notebook: str) -> None:
    """Before the first cell of ``notebook`` that loads a model, wait until the notebooks that
    save those models, if this run has them, have finished (only in a run with workers)."""
    done = os.environ.get(DONE_DIR_VAR)
    if not done or notebook in _waited or not models_read_by(notebook):
        return
    if not any(call in getattr(item, "cell", {}).get("source", "") for call in LOADS_A_MODEL):
        return
    _waited.add(notebook)
    done = Path(done)
    earlier = [name for name in models_read_by(notebook) if name in item.config._series_notebooks]
    deadline = time.monotonic() + WAIT_SECONDS
    while missing := [name for name in earlier if not (done / name).exists()]:
        if not done.is_dir():  # nothing can mark a notebook finished any more
            pytest.fail(f"{notebook}: the folder {done} was removed while it waited", False)
        if time.monotonic() > deadline:
            pytest.fail(f"{notebook} waited {WAIT_SECONDS} s for {missing}", pytrace=False)
        time.sleep(2)


def share_the_cores(workers: int) -> None:
    """On PyTorch, let each worker's kernels use only their share of the cores.

    PyTorch starts as many OpenMP threads as there are cores, and OpenMP threads wait for work
    by spinning: two kernels on two cores, two threads each, trained 12 times slower than one
    (17.9 against 1.5 s per epoch of a small MLP; 1.7 s with one thread each). TensorFlow and
    JAX slowed by about a third, as two processes sharing two cores must, so they keep their
    defaults. A value already set is kept.
    """
    import keras

    if keras.backend.backend() == "torch" and "OMP_NUM_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))


INTRA_OP = "TF_NUM_INTRAOP_THREADS"
_intra_op_by_hand = os.environ.get(INTRA_OP)  # a value set by hand is kept for every notebook


def kernel_threads(notebook: str, backend: str, workers: int) -> str | None:
    """TensorFlow's intra-op threads for the kernel of ``notebook`` (None: TensorFlow's default).

    With two workers, a notebook of small dense networks (``series.Chapter.dense_only``) trains
    while the other worker trains a CNN. A step of those MLPs is a handful of small matrix
    products: with TensorFlow's default (a thread per core) its threads spend their time
    waiting for each other and for the CNN's threads. With one thread, notebook 3 beside
    notebook 5's CNN (AMD EPYC, 2 cores, two runs each, ``benchmarks/test-runs.md``) ran in 369
    and 383 s instead of 453 and 495 s, and the CNN beside it took 176 to 194 ms a step instead
    of 186 to 206. The CNNs keep the default: alone at the end of a run they need both cores,
    and beside each other one thread each was no faster.
    """
    entry = chapter(notebook)
    if backend == "tensorflow" and workers > 1 and entry and entry.dense_only:
        return "1"
    return None


def set_kernel_threads(notebook: str | None) -> None:
    """Set ``TF_NUM_INTRAOP_THREADS`` for the kernel about to start (it inherits the variable);
    None: back to the value the run started with, for the tests that follow the notebook."""
    import keras

    threads = _intra_op_by_hand
    if threads is None and notebook is not None:
        threads = kernel_threads(notebook, keras.backend.backend(), _workers)
    if threads is None:
        os.environ.pop(INTRA_OP, None)
    else:
        os.environ[INTRA_OP] = threads


# ---------------------------------------------------------- 4. checks on each notebook cell


def model_stamp(notebook: str):
    """When and how big the saved model of ``notebook`` is now (None: none saved, or none made)."""
    name = entry.name if (entry := chapter(notebook)) else None
    path = saved_models.models_dir() / f"{name}.keras"
    if not name or not path.is_file():
        return None
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def recipe_failure(notebook: str, before) -> str | None:
    """If ``notebook`` saved its model since ``before`` (a stamp) and it is not the recipe, why."""
    if model_stamp(notebook) in (None, before):
        return None
    name = chapter(notebook).name
    try:
        model = saved_models.load(name)
    except (saved_models.MissingModelError, saved_models.UnusableModelError) as error:
        return f"{notebook}: {error}"
    found = recipe_check.differences(model, recipes.recipe(name))
    if not found:
        return None
    return (
        f"{notebook} saved a model that is not the recipe of {name} in mnist_series/recipes.py"
        " (change both, or neither):\n  " + "\n  ".join(found)
    )


_stamps: dict[str, object] = {}  # each notebook's saved model before its first cell ran
_recipe_checked: set[str] = set()


@pytest.hookimpl(tryfirst=True)  # before nbval starts the notebook's kernel
def pytest_runtest_setup(item):
    notebook = _notebook(item)
    if notebook and notebook not in _stamps:  # its first cell
        _stamps[notebook] = model_stamp(notebook)
        set_kernel_threads(notebook)
    if notebook:
        wait_for_models(item, notebook)


def pytest_runtest_teardown(item, nextitem):
    notebook = _notebook(item)
    if notebook and (nextitem is None or _notebook(nextitem) != notebook):  # its last cell
        set_kernel_threads(None)
        if done := os.environ.get(DONE_DIR_VAR):
            (Path(done) / notebook).touch()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    error = None
    try:
        result = yield
    except BaseException as raised:  # the cell failed; still check the floor
        error = raised
    notebook = _notebook(item)
    outputs = getattr(item, "test_outputs", None)
    if outputs and chapter(notebook):
        import keras  # already imported: the floor may depend on the backend

        backend = keras.backend.backend()
        for accuracy in series.accuracies_in(series.output_text(outputs)):
            message = series.floor_failure(notebook, accuracy, backend)
            if message:
                pytest.fail(message, pytrace=False)
    if notebook in _stamps and notebook not in _recipe_checked:  # even if its output differs
        if model_stamp(notebook) != _stamps[notebook]:
            _recipe_checked.add(notebook)
            message = recipe_failure(notebook, _stamps[notebook])
            if message:
                pytest.fail(message, pytrace=False)
    if error is not None:
        raise error
    return result


# ------------------------------------------------------------------ 5. a kernel that dies

KERNEL_POLL_SECONDS = 5.0
# The line that says why a process aborted: absl/glog's fatal lines ("F1203 00:41:07.1 file.cc:12]
# ..."), a failed check, C++'s terminate, Python's own fatal error. An abort's stderr ends in a
# stack trace, whose last lines say nothing, so the reason is looked for above them.
FATAL_LINE = re.compile(
    r"^F\d{4} |Check failed|terminate called|Fatal Python error|Termination timeout"
)


def _exit_status(kernel) -> str:
    """' (exit status N)' for a kernel process that has ended, where jupyter_client tells."""
    process = getattr(getattr(kernel.km, "provisioner", None), "process", None)
    code = process.poll() if process is not None else None
    return f" (exit status {code})" if code is not None else ""


def _last_words(kernel, lines: int = 3, chars: int = 400) -> str:
    """'; it said: ...; its stderr ended: ... (all of it: FILE)': the last fatal line of a dead
    kernel's stderr (``FATAL_LINE``), its last ``lines`` lines, and a file that keeps it all."""
    log = getattr(kernel.km, "stderr_log", None)
    if log is None:
        return ""
    log.seek(0)  # the kernel is dead: nothing writes to the file any more
    whole = log.read().decode("utf-8", "replace")
    text = [line.strip() for line in whole.splitlines() if line.strip()]
    if not text:
        return ""
    fatal = [line for line in text if FATAL_LINE.search(line)]
    said = f"; it said: {fatal[-1][:chars]}" if fatal else ""
    tail = " | ".join(text[-lines:])[-chars:]
    handle, path = tempfile.mkstemp(prefix="mnist-series-dead-kernel-", suffix=".log")
    with os.fdopen(handle, "w") as out:
        out.write(whole)
    return f"{said}; its stderr ended: {tail} (all of it: {path})"


def fail_fast_when_a_kernel_dies() -> None:
    """Make nbval notice a dead kernel between messages, not only at the cell timeout.

    nbval 0.11 waits for a cell's reply for the whole ``--nbval-cell-timeout`` (40 minutes
    here) without asking whether the kernel still lives, and sends the kernel's stderr to
    /dev/null; tests/test_nbharness.py shows both. So this wraps two of its functions: every
    wait is cut into slices of a few seconds, between which a dead kernel raises, with its
    exit status and the end of its stderr, which goes to an unnamed temporary file.
    """
    from nbval import kernel as nbval_kernel

    if getattr(nbval_kernel.RunningKernel.get_message, "fails_fast", False):
        return
    wait = nbval_kernel.RunningKernel.get_message
    start = nbval_kernel.start_new_kernel

    def start_new_kernel(**options):
        log = tempfile.TemporaryFile()
        options["stderr"] = log
        manager, client = start(**options)
        manager.stderr_log = log
        return manager, client

    def get_message(self, stream, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = KERNEL_POLL_SECONDS if deadline is None else deadline - time.monotonic()
            try:
                return wait(self, stream, timeout=max(0.0, min(KERNEL_POLL_SECONDS, left)))
            except Empty:
                if not self.is_alive():
                    raise RuntimeError(
                        f"the kernel died{_exit_status(self)}{_last_words(self)}"
                    ) from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    get_message.fails_fast = True
    nbval_kernel.start_new_kernel = start_new_kernel
    nbval_kernel.RunningKernel.get_message = get_message
