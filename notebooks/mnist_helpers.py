"""Small plotting helpers shared by the notebooks of the series.

Only pictures live here. Everything about Keras (loading the data, building,
compiling, training and evaluating a model) stays in the notebooks, where you
can read it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

__all__ = ["show_digits", "plot_history"]


def show_digits(images, labels=None, predictions=None, ncols=10, size=1.1):
    """Show images of digits in a grid, each titled with its label.

    images: array of shape (n, 28, 28), (n, 784) or (n, 28, 28, 1).
    labels: the true digit of each image (optional).
    predictions: the model's guess for each image (optional); a wrong guess is
        titled "true→guess" in red.
    """
    images = np.asarray(images)
    count = len(images)
    if count == 0:
        raise ValueError("show_digits needs at least one image")
    side = int(round(np.sqrt(images[0].size)))
    if side * side != images[0].size:
        raise ValueError(f"cannot show images of shape {images.shape[1:]} as squares")
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and len(values) != count:
            raise ValueError(f"{count} images but {len(values)} {name}")

    ncols = min(ncols, count)
    nrows = -(-count // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15))
    for index, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if index >= count:
            continue
        ax.imshow(images[index].reshape(side, side), cmap="gray_r")
        if labels is None:
            continue
        title, colour = str(labels[index]), "black"
        if predictions is not None and predictions[index] != labels[index]:
            title, colour = f"{labels[index]}→{predictions[index]}", "crimson"
        ax.set_title(title, color=colour, fontsize=10)
    fig.tight_layout()
    return fig


def _as_series(history):
    """The dict of per-epoch values in a Keras History (or such a dict itself)."""
    return getattr(history, "history", history)


def plot_history(histories, metrics=("loss", "accuracy")):
    """Plot learning curves: training solid, validation dashed, one panel per metric.

    histories: what ``model.fit`` returned (a History), or a dict that maps a
        name to a History, to compare several runs in one picture.
    """
    series = _as_series(histories)
    if all(isinstance(value, (list, tuple, np.ndarray)) for value in series.values()):
        runs = {None: series}  # a single run
    else:
        runs = {name: _as_series(history) for name, history in histories.items()}

    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.6))
    axes = np.atleast_1d(axes)
    for ax, metric in zip(axes, metrics, strict=True):
        for index, (name, run) in enumerate(runs.items()):
            if metric not in run:
                raise KeyError(f"no '{metric}' in the history; it has {sorted(run)}")
            colour = f"C{index}"
            epochs = np.arange(1, len(run[metric]) + 1)
            prefix = f"{name}: " if name is not None else ""
            ax.plot(epochs, run[metric], color=colour, label=f"{prefix}training")
            if f"val_{metric}" in run:
                ax.plot(
                    epochs,
                    run[f"val_{metric}"],
                    color=colour,
                    linestyle="--",
                    label=f"{prefix}validation",
                )
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
