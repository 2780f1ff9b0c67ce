"""Where the notebooks of the series keep their trained models, and what they know of them.

Each chapter that trains a model saves it, in Keras's ``.keras`` format, to the
``models/`` folder at the top of the project (git ignores it: models are made
by running the notebooks, not downloaded). Beside each model a small JSON file
records how long it took to train and which notebook made it, so that the
closing notebook can compare models without training them again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "SERIES",
    "MODELS_DIR",
    "Chapter",
    "MissingModelError",
    "path_for",
    "record",
    "model_path",
    "info",
]

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


@dataclass(frozen=True)
class Chapter:
    name: str  # file name of the saved model, without ".keras"
    notebook: str  # the notebook that trains and saves it
    title: str  # how the closing notebook names it


SERIES = (
    Chapter("softmax", "01_softmax_regression.ipynb", "softmax regression"),
    Chapter("mlp", "02_multilayer_perceptron.ipynb", "MLP"),
    Chapter("dropout_mlp", "03_dropout_and_optimizers.ipynb", "MLP + dropout"),
    Chapter("cnn", "04_convolutional_network.ipynb", "CNN"),
    Chapter("cnn_plus", "05_beyond_99.ipynb", "CNN + BN + augmentation"),
)


class MissingModelError(FileNotFoundError):
    """A model of the series has not been saved yet; the message says which notebook to run."""


def chapter(name: str) -> Chapter:
    for entry in SERIES:
        if entry.name == name:
            return entry
    raise KeyError(f"no model called {name!r} in the series: {[c.name for c in SERIES]}")


def model_path(name: str, folder: Path | None = None) -> Path:
    """The path of a saved model; raises MissingModelError if it is not there yet."""
    entry = chapter(name)
    path = (folder or MODELS_DIR) / f"{name}.keras"
    if not path.is_file():
        raise MissingModelError(
            f"models/{path.name} is missing: run notebooks/{entry.notebook} "
            "(Restart & Run All) to train and save it, then run this cell again"
        )
    return path


def path_for(name: str, folder: Path | None = None) -> Path:
    """Where to save the model NAME (models/NAME.keras); creates the folder."""
    chapter(name)
    folder = folder or MODELS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.keras"


def record(name: str, training_seconds: float, folder: Path | None = None) -> None:
    """Write down beside the saved model how long it took to train."""
    facts = {
        "notebook": chapter(name).notebook,
        "training_seconds": round(float(training_seconds), 1),
    }
    path_for(name, folder).with_suffix(".json").write_text(json.dumps(facts, indent=1) + "\n")


def info(name: str, folder: Path | None = None) -> dict:
    """What was recorded when the model was saved (notebook, training seconds)."""
    path = model_path(name, folder).with_suffix(".json")
    if not path.is_file():
        return {"notebook": chapter(name).notebook, "training_seconds": float("nan")}
    return json.loads(path.read_text())
