"""Unit tests for the plotting helpers the notebooks share."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from mnist_series.helpers import (  # noqa: E402
    confusion_matrix,
    most_confident_mistakes,
    per_class_scores,
    plot_confusion_matrix,
    plot_history,
    show_digits,
    show_mistakes,
)


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


def test_show_digits_without_labels_shows_the_guess():
    fig = show_digits(np.ones((2, 28, 28)), predictions=[4, 7], confidences=[0.97, 0.5])
    assert [ax.get_title() for ax in fig.axes] == ["guess: 4\n97%", "guess: 7\n50%"]


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


def test_show_digits_adds_confidence_to_titles():
    fig = show_digits(np.zeros((2, 28, 28)), [1, 2], [1, 7], confidences=[0.5, 0.987])
    assert [ax.get_title() for ax in fig.axes] == ["1\n50%", "2→7\n99%"]


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    matrix = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], classes=3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    with pytest.raises(ValueError, match="labels but"):
        confusion_matrix([0, 1], [0])


def test_per_class_scores_by_hand():
    matrix = [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    precision, recall, f1 = per_class_scores(matrix)
    assert np.allclose(precision, [1 / 2, 1 / 2, 1])
    assert np.allclose(recall, [1 / 2, 1, 2 / 3])
    assert np.allclose(f1, [1 / 2, 2 / 3, 0.8])


def test_per_class_scores_of_a_class_never_predicted_or_seen_are_zero():
    precision, recall, f1 = per_class_scores([[2, 0], [0, 0]])
    assert precision.tolist() == [1, 0] and recall.tolist() == [1, 0] and f1.tolist() == [1, 0]


def test_plot_confusion_matrix_writes_counts_off_and_on_the_diagonal():
    fig = plot_confusion_matrix([[5, 1], [0, 7]])
    texts = sorted(text.get_text() for text in fig.axes[0].texts)
    assert texts == ["1", "5", "7"]  # zeros are left blank


def test_most_confident_mistakes_ranks_wrong_answers_by_confidence():
    probabilities = np.array(
        [
            [0.9, 0.1],  # right
            [0.6, 0.4],  # wrong, 60 %
            [0.05, 0.95],  # wrong, 95 %
            [0.2, 0.8],  # right
        ]
    )
    labels = [0, 1, 0, 1]
    assert most_confident_mistakes(probabilities, labels).tolist() == [2, 1]
    assert most_confident_mistakes(probabilities, labels, count=1).tolist() == [2]


def test_show_mistakes_draws_the_first_wrong_ones_and_returns_them_all():
    images = np.arange(30 * 784).reshape(30, 784) % 255
    labels = np.arange(30) % 10
    predictions = labels.copy()
    predictions[[2, 5, 7, 11]] = 0
    wrong = show_mistakes(images, labels, predictions, count=3)
    assert list(wrong) == [2, 5, 7, 11]
    axes = plt.gcf().axes
    assert [ax.get_title() for ax in axes] == ["2→0", "5→0", "7→0"]
    assert np.array_equal(axes[1].images[0].get_array(), images[5].reshape(28, 28))


def test_show_mistakes_without_mistakes_draws_nothing():
    labels = np.arange(10)
    assert len(show_mistakes(np.zeros((10, 784)), labels, labels)) == 0
    assert not plt.get_fignums()
    with pytest.raises(ValueError, match="10 labels but 9 predictions"):
        show_mistakes(np.zeros((10, 784)), labels, labels[:9])
