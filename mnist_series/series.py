"""The series in one table, and how a notebook's printed accuracy is read.

Every place that lists the series reads :data:`CHAPTERS`: the saved models
(``saved_models.SERIES``), the closing notebook, the accuracy floors that the
test run enforces, the test run's schedule (``tests/nbharness.py``), and the
benchmark (which names its runs by ``name`` and compares each of our models
with the classic runs in ``compared_with``).

Every notebook that trains a model prints exactly one line
``Test accuracy: 0.XXXX`` for its main model. The test run reads that line from
the live output of the notebook and fails when the number is below the
notebook's floor; a notebook that trains nothing has the floor None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Keras's backends, as KERAS_BACKEND names them; every chapter runs on all three but the appendix.
BACKENDS = ("tensorflow", "jax", "torch")


@dataclass(frozen=True)
class Chapter:
    notebook: str  # file name in notebooks/
    name: str | None  # its saved model (models/NAME.keras) and benchmark key; None: saves none
    title: str  # how the closing notebook and the benchmark name the model
    floor: float | None  # the lowest test accuracy the test run accepts; None: reports none
    compared_with: tuple[tuple[str, str], ...] = ()  # (name, who) of the benchmark's classic runs
    backends: tuple[str, ...] = BACKENDS  # the Keras backends it runs on (see backend_failure)
    # Lower floors on other backends, only where one is measured lower (benchmarks/seeds-*.md).
    backend_floors: tuple[tuple[str, float], ...] = ()
    # How `make test`'s two workers run it (tests/nbharness.py). Each worker runs one chain, its
    # notebooks in file order: chain 1 is chapters 0 to 4 and the appendix, chain 2 chapters 5
    # and 6, each about 9 minutes of the stored runs.
    chain: int = 1
    # It loads models that chapters before it save: its first cell that loads one waits until
    # those chapters have finished on the other worker.
    loads_models: bool = False
    # It trains only small dense networks, whose steps gain nothing from a second TensorFlow
    # thread: beside another worker its kernel gets one.
    dense_only: bool = False


# Each floor sits below the lowest accuracy that `tools/run_notebooks.py --seeds` measured
# over seeds 42 and 1 to 4 (1 to 7 for notebook 5, which varies most; benchmarks/seeds.md says
# on which CPU); the comment gives that minimum and the margin. A learner's CPU changes the last
# digits as much as a seed does, so a floor must hold over the spread.
CHAPTERS = (
    # NumPy with fixed seeds: 0.9289 on two CPUs; 2.9 points below.
    Chapter("00_introduction.ipynb", None, "NumPy perceptron", 0.900),
    # min 0.9226 over 5 seeds: 0.26 points below. On PyTorch (benchmarks/seeds-torch.md) min
    # 0.9151, mean 0.9209 over 5 seeds, lower and wider than on TensorFlow: its own floor, 0.51
    # points below.
    Chapter(
        "01_softmax_regression.ipynb", "softmax", "softmax regression", 0.920,
        compared_with=(("softmax", "classic"),), backend_floors=(("torch", 0.910),),
        dense_only=True,
    ),
    # min 0.9766 over 5 seeds: 0.36 points below.
    Chapter(
        "02_multilayer_perceptron.ipynb", "mlp", "MLP", 0.973,
        compared_with=(("mlp", "classic"),), dense_only=True,
    ),
    # min 0.9805 over 5 seeds: 0.15 points below.
    Chapter(
        "03_dropout_and_optimizers.ipynb", "dropout_mlp", "MLP + dropout", 0.979,
        compared_with=(("dropout_mlp", "classic"),), dense_only=True,
    ),
    # min 0.9915 over 5 seeds: 0.15 points below.
    Chapter(
        "04_convolutional_network.ipynb", "cnn", "CNN", 0.990,
        compared_with=(("cnn", "classic"), ("cnn", "fchollet"), ("cnn", "batch 128")),
    ),
    # min 0.9955 over 8 seeds on TensorFlow: 0.25 points below, a margin for JAX and PyTorch,
    # where this recipe has not been measured over seeds. Compared with the classic Keras CNNs,
    # judged against this higher floor. Its exercise 4 lets notebook 4's CNN vote with it.
    Chapter(
        "05_beyond_99.ipynb", "cnn_plus", "CNN + BN + augmentation", 0.993,
        compared_with=(("cnn", "classic"), ("cnn", "fchollet")), chain=2, loads_models=True,
    ),
    # Compares the saved models; trains nothing.
    Chapter(
        "06_comparison.ipynb", None, "the series side by side", None, chain=2, loads_models=True,
    ),
    # An appendix: trains notebook 4's CNN briefly on two simulated devices; prints no test
    # accuracy and saves no model. Keras 3.15 has no distribution API for PyTorch.
    Chapter(
        "07_data_parallel.ipynb", None, "data-parallel training (appendix)", None,
        backends=("tensorflow", "jax"),
    ),
)  # fmt: skip

FLOORS: dict[str, float | None] = {chapter.notebook: chapter.floor for chapter in CHAPTERS}


def chapter_of(key: str) -> Chapter:
    """The chapter whose notebook file or saved model is called ``key``."""
    for chapter in CHAPTERS:
        if key and key in (chapter.notebook, chapter.name):
            return chapter
    known = [chapter.name for chapter in CHAPTERS if chapter.name]
    raise KeyError(f"no notebook or model called {key!r} in the series (models: {known})")


def backend_failure(notebook: str, backend: str) -> str | None:
    """Why ``notebook`` cannot run on the Keras ``backend`` (None: it can)."""
    chapter = chapter_of(notebook)
    if backend in chapter.backends:
        return None
    return f"{notebook} runs on {' and '.join(chapter.backends)} only, not on {backend}"


ACCURACY_LINE = re.compile(r"^Test accuracy: (\d\.\d{4})$", re.MULTILINE)


def accuracies_in(text: str) -> list[float]:
    """All accuracies printed as ``Test accuracy: 0.XXXX`` lines in ``text``."""
    return [float(value) for value in ACCURACY_LINE.findall(text)]


def output_text(outputs) -> str:
    """The printed text of a cell's outputs (streams and plain-text results).

    A rich result such as a figure ends without a newline, so one is added after
    it: the next printed line must still start a line.
    """
    text = ""
    for output in outputs:
        if output.get("output_type") == "stream":
            part = output.get("text", "")
        else:
            part = output.get("data", {}).get("text/plain", "")
        part = "".join(part) if isinstance(part, list) else part
        if text and not text.endswith("\n"):
            text += "\n"
        text += part
    return text


def floor_of(notebook: str, backend: str = "tensorflow") -> float | None:
    """The floor of ``notebook`` on the Keras ``backend`` (its own, where one is set, else the
    TensorFlow floor that every backend shares)."""
    return dict(chapter_of(notebook).backend_floors).get(backend, FLOORS[notebook])


def floor_failure(notebook: str, accuracy: float, backend: str = "tensorflow") -> str | None:
    """A message if ``accuracy`` is below the floor of ``notebook`` on ``backend``, else None."""
    floor = floor_of(notebook, backend)
    if floor is None or accuracy >= floor:
        return None
    on = "" if backend == "tensorflow" else f" on {backend}"
    return (
        f"{notebook}: test accuracy {accuracy:.4f} is below its floor{on} of {floor:.4f}"
        f" ({accuracy:.2%} < {floor:.1%})"
    )
