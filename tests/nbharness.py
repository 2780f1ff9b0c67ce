"""pytest plugin for the notebook tests (loaded by the top-level conftest.py).

- With ``MNIST_NPZ`` set, it checks that file and makes every notebook kernel
  load MNIST from it (see ``mnist_series/offline_mnist.py``); without it, Keras
  downloads.
- Notebooks save their models into a temporary folder (``MNIST_SERIES_MODELS``,
  see ``mnist_series/saved_models.py``) that starts as a copy of ``models/``: a
  test run reads the learner's models but never replaces them.
- While nbval runs a notebook, it reads the ``Test accuracy: 0.XXXX`` line from
  the live output and fails the cell if the accuracy is below the floor.
- When a notebook saves its model, the cell that saved it is checked against the
  notebook's recipe in ``mnist_series/recipes.py`` (layers, optimizer and
  schedule, loss, training steps) and fails if they differ: the benchmark
  trains the recipe, so it must be what the chapter trains.
- ``make test`` runs two workers (``pytest -n 2``, pytest-xdist). The notebooks
  form two chains, each run in order by one worker: 00-04 with the appendix 07,
  and 05-06, about equally long (notebook 5 alone is as long as 0 to 4 together). A notebook
  that loads models saved by others (``series.Chapter.loads_models``) waits, at its first
  cell that loads a saved model, until the notebooks that save them have
  finished. Without ``-n`` everything runs in file order.
- A kernel that dies (a crash in native code, say) fails its cell within seconds, with its
  exit status, instead of leaving nbval waiting for a reply until the cell timeout.
- With workers, the kernels of the notebooks that train only dense networks get one
  TensorFlow thread (``kernel_threads``); on PyTorch every kernel gets its share of the cores
  (``share_the_cores``).
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

_ipython_dir = None
_models_dir = None
_done_dir_made = None  # the finished-notebooks folder this process made (not one it inherited)


def chapter(notebook: str | None) -> series.Chapter | None:
    """The series' entry for ``notebook`` (None: not a notebook of the series)."""
    try:
        return series.chapter_of(notebook)
    except KeyError:
        return None


def models_read_by(notebook: str) -> list[str]:
    """The notebooks whose saved models ``notebook`` waits for: the chapters before it that
    save one, if it loads models (series.Chapter.loads_models)."""
    if not (entry := chapter(notebook)) or not entry.loads_models:
        return []
    before = series.CHAPTERS[: series.CHAPTERS.index(entry)]
    return [other.notebook for other in before if other.name]


WAIT_SECONDS = 1800  # for the other worker's notebooks to finish
# A cell that reads a saved model: where a notebook that loads models waits for them.
LOADS_A_MODEL = ("saved_models.load(", "keras.models.load_model(")
_waited: set[str] = set()


def _notebook(item) -> str | None:
    path = Path(str(item.fspath))
    return path.name if path.suffix == ".ipynb" else None


DONE_DIR_VAR = "MNIST_SERIES_TEST_DONE_DIR"


def _done_dir() -> Path | None:
    """The folder where workers mark finished notebooks (only in a run with workers)."""
    folder = os.environ.get(DONE_DIR_VAR)
    return Path(folder) if folder else None


def pytest_collection_modifyitems(config, items):
    """Skip, with the reason, a notebook that cannot run on this run's Keras backend."""
    import keras  # the backend the kernels get: KERAS_BACKEND, else ~/.keras/keras.json

    backend = keras.backend.backend()
    for item in items:
        notebook = _notebook(item)
        if notebook in series.FLOORS and (reason := series.backend_failure(notebook, backend)):
            item.add_marker(pytest.mark.skip(reason=reason))
    config._series_notebooks = {
        _notebook(item) for item in items if not item.get_closest_marker("skip")
    } - {None}


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


def model_stamp(notebook: str):
    """When and how big the saved model of ``notebook`` is now (None: none saved, or none made)."""
    try:
        name = series.chapter_of(notebook).name
    except KeyError:  # a notebook outside the series
        return None
    path = saved_models.models_dir() / f"{name}.keras"
    if not name or not path.is_file():
        return None
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def recipe_failure(notebook: str, before) -> str | None:
    """If ``notebook`` saved its model since ``before`` (a stamp) and it is not the recipe, why."""
    if model_stamp(notebook) in (None, before):
        return None
    name = series.chapter_of(notebook).name
    try:
        model = saved_models.load(name)
    except (saved_models.MissingModelError, saved_models.UnusableModelError) as error:
        return f"{notebook}: {error}"
    found = recipes.differences(model, recipes.recipe(name))
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
    if notebook and notebook not in _stamps:
        _stamps[notebook] = model_stamp(notebook)
        set_kernel_threads(notebook)
    done = _done_dir()
    if not models_read_by(notebook) or done is None or notebook in _waited:
        return
    source = getattr(item, "cell", {}).get("source", "")
    if not any(call in source for call in LOADS_A_MODEL):
        return  # the cells before the first that loads a model run at once
    _waited.add(notebook)
    earlier = [name for name in models_read_by(notebook) if name in item.config._series_notebooks]
    deadline = time.monotonic() + WAIT_SECONDS
    while missing := [name for name in earlier if not (done / name).exists()]:
        if not done.is_dir():  # nothing can mark a notebook finished any more
            pytest.fail(f"{notebook}: the folder {done} was removed while it waited", False)
        if time.monotonic() > deadline:
            pytest.fail(f"{notebook} waited {WAIT_SECONDS} s for {missing}", pytrace=False)
        time.sleep(2)


def pytest_runtest_teardown(item, nextitem):
    notebook = _notebook(item)
    done = _done_dir()
    if notebook and (nextitem is None or _notebook(nextitem) != notebook):
        set_kernel_threads(None)
        if done is not None:
            (done / notebook).touch()


KERNEL_POLL_SECONDS = 5.0


def _exit_status(kernel) -> str:
    """' (exit status N)' for a kernel process that has ended, where jupyter_client tells."""
    process = getattr(getattr(kernel.km, "provisioner", None), "process", None)
    code = process.poll() if process is not None else None
    return f" (exit status {code})" if code is not None else ""


# The line that says why a process aborted: absl/glog's fatal lines ("F1203 00:41:07.1 file.cc:12]
# ..."), a failed check, C++'s terminate, Python's own fatal error. An abort's stderr ends in a
# stack trace, whose last lines say nothing, so the reason is looked for above them.
FATAL_LINE = re.compile(
    r"^F\d{4} |Check failed|terminate called|Fatal Python error|Termination timeout"
)


def _last_words(kernel, lines: int = 3, chars: int = 400) -> str:
    """'; its stderr ended: ...': why a dead kernel ended, from its stderr, if it said.

    Quotes the last fatal line (``FATAL_LINE``) if there is one, then the last ``lines``
    lines, and keeps the whole stderr in a file in the temporary folder, whose path it names.
    """
    log = getattr(kernel.km, "stderr_log", None)
    if log is None:
        return ""
    log.seek(0)  # the kernel is dead: nothing writes to the file any more
    whole = log.read().decode("utf-8", "replace")
    text = [line.strip() for line in whole.strip().splitlines() if line.strip()]
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

    nbval waits for each cell's reply for up to ``--nbval-cell-timeout`` (40 minutes here):
    when the kernel died, no reply ever comes. Here every wait is cut into slices of a few
    seconds, and between them a dead kernel raises, with its exit status and the last lines
    of its stderr. nbval sends a kernel's stderr to /dev/null; here it goes to an unnamed
    temporary file, read only after a crash, so that the reason is not lost.
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

    nbval_kernel.start_new_kernel = start_new_kernel

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
    nbval_kernel.RunningKernel.get_message = get_message


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
_workers = 1
_intra_op_by_hand = os.environ.get(INTRA_OP)  # a value set by hand is kept for every notebook


def kernel_threads(notebook: str, backend: str, workers: int) -> str | None:
    """TensorFlow's intra-op threads for the kernel of ``notebook`` (None: TensorFlow's default).

    With two workers, a notebook of small dense networks trains while the other worker trains
    a CNN. A step of those MLPs is a handful of small matrix products: with TensorFlow's
    default (a thread per core) its threads spend their time waiting for each other and for
    the CNN's threads. With one thread, notebook 3 beside notebook 5's CNN (AMD EPYC, 2 cores,
    two runs each, ``benchmarks/test-runs.md``) ran in 369 and 383 s instead of 453 and 495 s,
    and the CNN beside it took 176 to 194 ms a step instead of 186 to 206. The CNNs keep the
    default: alone at the end of a run they need both cores, and beside each other one thread
    each was no faster.
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


def pytest_configure(config):
    global _ipython_dir, _models_dir, _done_dir_made, _workers
    fail_fast_when_a_kernel_dies()
    if not hasattr(config, "workerinput"):  # the controller, or a run without workers
        _models_dir = Path(tempfile.mkdtemp(prefix="mnist-series-models-"))
        saved_models.copy_models(_models_dir)
        os.environ[saved_models.ENV_VAR] = str(_models_dir)  # workers and kernels inherit it
        distributed = config.getoption("dist", "no") != "no" and config.getoption("tx", None)
        if distributed:
            _done_dir_made = tempfile.mkdtemp(prefix="mnist-series-test-")
            os.environ[DONE_DIR_VAR] = _done_dir_made
    if hasattr(config, "workerinput"):
        _workers = int(config.workerinput["workercount"])
        share_the_cores(_workers)
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
    if _models_dir:
        shutil.rmtree(_models_dir, ignore_errors=True)
        os.environ.pop(saved_models.ENV_VAR, None)
    # Only the folder this process made: a pytest started by a test (test_makefile.py does)
    # inherits the run's folder, which the notebooks still waiting on it need.
    if _done_dir_made:
        shutil.rmtree(_done_dir_made, ignore_errors=True)
        os.environ.pop(DONE_DIR_VAR, None)


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
    if outputs and notebook in series.FLOORS:
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
