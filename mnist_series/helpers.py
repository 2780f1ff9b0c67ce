"""Small plotting helpers shared by the notebooks of the series.

Only pictures live here. Everything about Keras (loading the data, building,
compiling, training and evaluating a model) stays in the notebooks, where you
can read it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

__all__ = [
    "show_digits",
    "show_mistakes",
    "plot_history",
    "confusion_matrix",
    "per_class_scores",
    "plot_confusion_matrix",
    "most_confident_mistakes",
]


def show_digits(images, labels=None, predictions=None, ncols=10, size=1.1, confidences=None):
    """Show images of digits in a grid, each titled with its label.

    images: array of shape (n, 28, 28), (n, 784) or (n, 28, 28, 1).
    labels: the true digit of each image (optional).
    predictions: the model's guess for each image (optional); a wrong guess is
        titled "true→guess" in red. Without labels, each image is titled with
        its guess.
    confidences: the probability the model gave its guess (optional), added to
        each title as a percentage.
    """
    images = np.asarray(images)
    count = len(images)
    if count == 0:
        raise ValueError("show_digits needs at least one image")
    side = int(round(np.sqrt(images[0].size)))
    if side * side != images[0].size:
        raise ValueError(f"cannot show images of shape {images.shape[1:]} as squares")
    named = (("labels", labels), ("predictions", predictions), ("confidences", confidences))
    for name, values in named:
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
        if labels is None and predictions is None:
            continue
        if labels is None:  # nothing to check the guess against
            title, colour = f"guess: {predictions[index]}", "black"
        else:
            title, colour = str(labels[index]), "black"
            if predictions is not None and predictions[index] != labels[index]:
                title, colour = f"{labels[index]}→{predictions[index]}", "crimson"
        if confidences is not None:
            title += f"\n{confidences[index]:.0%}"
        ax.set_title(title, color=colour, fontsize=10)
    fig.tight_layout()
    return fig


def show_mistakes(images, labels, predictions, count=20):
    """Show the first ``count`` images whose prediction is wrong, titled true→guess.

    Returns the indices of *all* the wrong predictions, in order, so that a
    notebook can count them. Nothing is drawn when there are none.
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if len(labels) != len(predictions):
        raise ValueError(f"{len(labels)} labels but {len(predictions)} predictions")
    wrong = np.flatnonzero(predictions != labels)
    if len(wrong):
        shown = wrong[:count]
        show_digits(np.asarray(images)[shown], labels[shown], predictions[shown])
    return wrong


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


def confusion_matrix(labels, predictions, classes=10):
    """Count, for each true class (row), how often each class was predicted (column)."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.shape != predictions.shape:
        raise ValueError(f"{labels.shape} labels but {predictions.shape} predictions")
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def per_class_scores(matrix):
    """Precision, recall and F1 of each class from a confusion matrix.

    precision: of the images predicted as this class, the share that are it.
    recall: of the images of this class, the share predicted as it.
    F1: their harmonic mean. A class never predicted has precision 0.
    """
    matrix = np.asarray(matrix, dtype=float)
    correct = np.diag(matrix)
    predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
    precision = np.divide(correct, predicted, out=np.zeros_like(correct), where=predicted > 0)
    recall = np.divide(correct, actual, out=np.zeros_like(correct), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(correct), where=both > 0)
    return precision, recall, f1


def plot_confusion_matrix(matrix, title="confusion matrix"):
    """Draw a confusion matrix with its counts; the diagonal (correct) is greyed out
    so that the colours show where the mistakes are."""
    matrix = np.asarray(matrix)
    classes = len(matrix)
    mistakes = matrix.astype(float)
    np.fill_diagonal(mistakes, np.nan)
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    image = ax.imshow(mistakes, cmap="Reds")
    ax.imshow(np.where(np.eye(classes), 1.0, np.nan), cmap="Greys", vmin=0, vmax=4)
    for i in range(classes):
        for j in range(classes):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8)
    ax.set_xticks(range(classes))
    ax.set_yticks(range(classes))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="mistakes")
    fig.tight_layout()
    return fig


def most_confident_mistakes(probabilities, labels, count=10):
    """Indices of the wrong predictions the model was most sure of, surest first."""
    probabilities, labels = np.asarray(probabilities), np.asarray(labels)
    predictions = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predictions != labels)
    confidence = probabilities[wrong, predictions[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")[:count]]
