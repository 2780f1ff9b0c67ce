"""Where the notebooks of the series keep their trained models, and what they know of them.

Each chapter that trains a model saves it, in Keras's ``.keras`` format, to the
``models/`` folder at the top of the project (git ignores it: models are made
by running the notebooks, not downloaded). Beside each model a small JSON file
records how long it took to train and which notebook made it, so that the
closing notebook can compare models without training them again.

The environment variable ``MNIST_SERIES_MODELS`` names another folder: the test
run uses a temporary one, so that it never replaces a learner's models.

Saving is atomic: :func:`saving` gives Keras a temporary file in the same
folder and moves it over the old model only once the save has finished, so an
interrupted save (a stopped kernel, a full disk) leaves the previous model whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

from mnist_series.series import CHAPTERS, Chapter, chapter_of
from mnist_series.training import let_jax_compile

__all__ = [
    "SERIES",
    "MODELS_DIR",
    "ENV_VAR",
    "MissingModelError",
    "UnusableModelError",
    "load",
    "models_dir",
    "copy_models",
    "path_for",
    "saving",
    "save",
    "check_writable",
    "replacing",
    "record",
    "model_path",
    "info",
]

ENV_VAR = "MNIST_SERIES_MODELS"
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"

# The chapters that save a model, in the order of the series.
SERIES: tuple[Chapter, ...] = tuple(chapter for chapter in CHAPTERS if chapter.name)


class MissingModelError(FileNotFoundError):
    """A model of the series has not been saved yet; the message says which notebook to run."""


class UnusableModelError(ValueError):
    """A saved model cannot be read, or does not read MNIST; the message says what to re-run."""


# What a model of the series reads (flat or as a grid) and what it answers (ten probabilities).
INPUT_SHAPES = ((784,), (28, 28, 1))
CLASSES = 10


def models_dir() -> Path:
    """The folder of saved models: ``$MNIST_SERIES_MODELS`` if set, else ``models/``."""
    folder = os.environ.get(ENV_VAR)
    return Path(folder).expanduser() if folder else MODELS_DIR


def copy_models(folder: Path) -> None:
    """Copy the saved models and their training times into ``folder`` (made if missing).

    A test run or a run kept apart starts from a copy, so that it never replaces, or
    half-writes, the models a learner trained.
    """
    folder.mkdir(parents=True, exist_ok=True)
    source = models_dir()
    if source.is_dir():
        for path in [*source.glob("*.keras"), *source.glob("*.json")]:
            shutil.copy2(path, folder / path.name)


def chapter(name: str) -> Chapter:
    """The chapter that saves the model ``name`` (a notebook's file name is refused)."""
    found = chapter_of(name)
    if found.name != name:
        raise KeyError(f"{name!r} is a notebook; the models are {[c.name for c in SERIES]}")
    return found


def model_path(name: str, folder: Path | None = None) -> Path:
    """The path of a saved model; raises MissingModelError if it is not there yet."""
    entry = chapter(name)
    path = (folder or models_dir()) / f"{name}.keras"
    if not path.is_file():
        raise MissingModelError(
            f"models/{path.name} is missing: run notebooks/{entry.notebook} "
            "(Restart & Run All) to train and save it, then run this cell again"
        )
    return path


_NO_JIT_WARNING = "Model doesn't support `jit_compile=True`"


def load(name: str, folder: Path | None = None):
    """``keras.models.load_model`` of the saved model NAME, checked to be a model of the series.

    Raises MissingModelError if it was never saved, and UnusableModelError if the
    file is damaged (an interrupted copy, another program's file) or holds a model
    that does not read 28 x 28 digits into ten classes; both name the notebook to
    re-run, so that a caller can report it in one line and go on with the others.
    On JAX a compiled model is compiled again after loading, its augmentation layers
    included (``training.let_jax_compile``), whatever backend saved it.
    """
    import keras

    path = model_path(name, folder)
    rerun = f"run notebooks/{chapter(name).notebook} again to save a new one"
    if not zipfile.is_zipfile(path):  # Keras would say "File not found", which misleads
        size = path.stat().st_size
        raise UnusableModelError(
            f"models/{path.name} is damaged: not a .keras archive ({size:,} bytes): {rerun}"
        )
    try:
        with warnings.catch_warnings():
            # A model compiled on JAX after training.let_jax_compile is saved with
            # jit_compile=True; its augmentation layers load with Keras's own flag again,
            # and Keras warns that it will not compile them. Marked again below, on JAX.
            warnings.filterwarnings("ignore", message=_NO_JIT_WARNING)
            model = keras.models.load_model(path)
    except Exception as error:  # Keras raises many kinds for a file it cannot read
        reason = str(error).strip().splitlines()[0][:120] if str(error).strip() else ""
        raise UnusableModelError(
            f"models/{path.name} cannot be read ({type(error).__name__}"
            f"{': ' + reason if reason else ''}): {rerun}"
        ) from error
    shape_in = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else None
    shape_out = tuple(model.output_shape[1:]) if hasattr(model, "output_shape") else None
    if shape_in not in INPUT_SHAPES or shape_out != (CLASSES,):
        raise UnusableModelError(
            f"models/{path.name} is not a model of this series (it reads {shape_in} and"
            f" answers {shape_out}; expected {INPUT_SHAPES[0]} or {INPUT_SHAPES[1]} and"
            f" ({CLASSES},)): {rerun}"
        )
    if keras.backend.backend() == "jax" and getattr(model, "compiled", False):
        let_jax_compile(model).jit_compile = True  # as compiled on JAX before it was saved
    return model


def path_for(name: str, folder: Path | None = None) -> Path:
    """Where to save the model NAME (models/NAME.keras); creates the folder."""
    chapter(name)
    folder = folder or models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.keras"


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Write ``path`` whole or not at all: ``with replacing(path) as partial: write(partial)``.

    ``partial`` is a temporary name beside ``path``, with the same suffix (Keras saves only to
    a ``.keras`` name). When the block ends without an error, the file written there replaces
    ``path`` in one step; when it fails, or writes nothing, ``path`` stays as it was and no
    temporary file is left. A reader of ``path`` never sees half a file.
    """
    partial = path.with_name(f".{path.stem}-partial-{os.getpid()}{path.suffix}")
    try:
        yield partial
        if not partial.is_file():
            raise RuntimeError(f"nothing was saved to {partial.name} inside the with block")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _not_writable(folder: Path) -> str | None:
    """Why ``folder`` cannot take a saved model (it is created if missing); None if it can."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".write-test-")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        return error.strerror or type(error).__name__
    return None


def _unwritable_message(folder: Path, reason: str) -> str:
    return (
        f"{folder} cannot be written ({reason}), so this notebook cannot save its model: make"
        f" the folder writable, or set {ENV_VAR} to a folder you can write, and restart the kernel"
    )


def check_writable(folder: Path | None = None) -> bool:
    """Say now, before any training, if the models folder cannot be written.

    A chapter calls this at its start: a read-only ``models/`` (a shared classroom
    copy, a full disk) is reported in one line then, not after minutes of training.
    Prints nothing and returns True when the folder can be written.
    """
    folder = folder or models_dir()
    reason = _not_writable(folder)
    if reason:
        print(f"Warning: {_unwritable_message(folder, reason)}.")
    return reason is None


@contextlib.contextmanager
def saving(name: str, training_seconds: float, folder: Path | None = None) -> Iterator[Path]:
    """Save the model NAME atomically: ``with saving(name, s) as path: model.save(path)``.

    ``path`` is a temporary ``.keras`` file beside models/NAME.keras. When the
    block ends without an error, it replaces the old model and the training time
    is recorded; when it fails, the old model and record stay as they were. A
    folder that cannot be written raises PermissionError, in one line, before
    the block runs.
    """
    chapter(name)
    folder = folder or models_dir()
    reason = _not_writable(folder)
    if reason:
        raise PermissionError(_unwritable_message(folder, reason))
    with replacing(folder / f"{name}.keras") as partial:
        yield partial
    record(name, training_seconds, folder)


def save(model, name: str, training_seconds: float, folder: Path | None = None) -> None:
    """``model.save`` into models/NAME.keras, atomically, with the training time beside it.

    What notebook 1 writes out with :func:`saving`, in one call for the later
    chapters; prints where the model went. Returns None, so that a notebook cell
    ending with it shows that line and no path of this machine.
    """
    with saving(name, training_seconds, folder) as partial:
        model.save(partial)
    print(f"Saved models/{name}.keras")


def record(name: str, training_seconds: float, folder: Path | None = None) -> None:
    """Write down beside the saved model how long it took to train."""
    facts = {
        "notebook": chapter(name).notebook,
        "training_seconds": round(float(training_seconds), 1),
    }
    with replacing(path_for(name, folder).with_suffix(".json")) as partial:
        partial.write_text(json.dumps(facts, indent=1) + "\n")


def info(name: str, folder: Path | None = None) -> dict:
    """What was recorded when the model was saved (notebook, training seconds)."""
    path = model_path(name, folder).with_suffix(".json")
    if not path.is_file():
        return {"notebook": chapter(name).notebook, "training_seconds": float("nan")}
    return json.loads(path.read_text())
