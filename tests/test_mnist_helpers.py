"""Unit tests for the plotting helpers the notebooks share."""

import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notebooks"))

import matplotlib.pyplot as plt  # noqa: E402
from mnist_helpers import plot_history, show_digits  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_digits_titles_and_marks_mistakes():
    images = np.zeros((12, 784), np.uint8)
    labels = np.arange(12) % 10
    predictions = labels.copy()
    predictions[3] = 8
    fig = show_digits(images, labels, predictions, ncols=5)
    axes = fig.axes
    assert len(axes) == 15  # 3 rows of 5; the last 3 stay empty
    assert [ax.get_title() for ax in axes[:4]] == ["0", "1", "2", "3→8"]
    assert axes[3].title.get_color() == "crimson"
    assert axes[0].images[0].get_array().shape == (28, 28)
    assert not axes[14].images


def test_show_digits_accepts_channel_axis_and_no_labels():
    fig = show_digits(np.ones((3, 28, 28, 1)))
    assert [ax.get_title() for ax in fig.axes] == ["", "", ""]


@pytest.mark.parametrize(
    "images, labels, message",
    [
        (np.zeros((0, 28, 28)), None, "at least one image"),
        (np.zeros((2, 10)), None, "as squares"),
        (np.zeros((2, 28, 28)), [1], "2 images but 1 labels"),
    ],
)
def test_show_digits_rejects_bad_input(images, labels, message):
    with pytest.raises(ValueError, match=message):
        show_digits(images, labels)


def fake_history(epochs=4, offset=0.0):
    ramp = list(np.linspace(0.5, 0.9, epochs) + offset)
    return {"loss": ramp[::-1], "accuracy": ramp, "val_loss": ramp[::-1], "val_accuracy": ramp}


def test_plot_history_single_run():
    fig = plot_history(fake_history())
    loss_ax, accuracy_ax = fig.axes
    assert loss_ax.get_title() == "loss" and accuracy_ax.get_title() == "accuracy"
    training, validation = accuracy_ax.lines
    assert list(training.get_xdata()) == [1, 2, 3, 4]
    fig.canvas.draw()
    assert all(tick == int(tick) for tick in accuracy_ax.get_xticks()), "epochs are whole"
    assert validation.get_linestyle() == "--"
    assert [t.get_text() for t in accuracy_ax.get_legend().get_texts()] == [
        "training",
        "validation",
    ]


def test_plot_history_compares_named_runs_and_keras_histories():
    class History:  # what model.fit returns: the values are in .history
        history = fake_history(offset=0.05)

    fig = plot_history({"SGD": fake_history(), "Adam": History()}, metrics=("val_accuracy",))
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.lines] == ["SGD: training", "Adam: training"]
    assert ax.lines[0].get_color() != ax.lines[1].get_color()


def test_plot_history_names_missing_metric():
    with pytest.raises(KeyError, match="no 'auc' in the history"):
        plot_history(fake_history(), metrics=("auc",))
