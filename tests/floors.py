"""The test accuracy each notebook's main model must reach, and how to read it.

Every notebook that trains a model prints exactly one line
``Test accuracy: 0.XXXX`` for its main model. The test run reads that line from
the live output of the notebook and fails when the number is below the
notebook's floor. A notebook that trains nothing has the floor None and prints
no such line.
"""

from __future__ import annotations

import re

# Each floor sits below the lowest accuracy measured over seeds 42, 1, 2, 3 and 4 (and 5, 6
# and 7 for notebook 5) by `benchmarks/run_notebooks.py --seeds` (benchmarks/seeds.md, Intel Xeon,
# 2026-12-01); the comment gives that minimum and the margin. A learner's CPU changes
# the last digits as much as a seed does, so a floor must hold over the spread.
FLOORS: dict[str, float | None] = {
    "00_introduction.ipynb": 0.900,  # NumPy with fixed seeds: 0.9289 on two CPUs; 2.9 points
    "01_softmax_regression.ipynb": 0.920,  # min 0.9226 over 5 seeds: 0.26 points below
    "02_multilayer_perceptron.ipynb": 0.973,  # min 0.9766 over 5 seeds: 0.36 points below
    "03_dropout_and_optimizers.ipynb": 0.979,  # min 0.9805 over 5 seeds: 0.15 points below
    "04_convolutional_network.ipynb": 0.990,  # min 0.9915 over 5 seeds: 0.15 points below
    "05_beyond_99.ipynb": 0.992,  # min 0.9936 over 8 seeds (42, 1 to 7): 0.16 points below
    "06_comparison.ipynb": None,  # compares the saved models, trains nothing
}

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


def floor_failure(notebook: str, accuracy: float) -> str | None:
    """A message if ``accuracy`` is below the floor of ``notebook``, else None."""
    floor = FLOORS[notebook]
    if floor is None or accuracy >= floor:
        return None
    return (
        f"{notebook}: test accuracy {accuracy:.4f} is below its floor of {floor:.4f}"
        f" ({accuracy:.2%} < {floor:.1%})"
    )
