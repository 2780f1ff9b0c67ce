"""The series table: finding a chapter, reading printed accuracies and judging them against
the floors."""

import pytest

from mnist_series import saved_models, series
from tests.scripts import ROOT


def test_reads_only_exact_accuracy_lines():
    text = (
        "Epoch 1/2\nTest accuracy: 0.9254\n"
        "Unscaled test accuracy: 0.8000\n"  # not at the start of a line
        "Test accuracy: 0.93\n"  # not four decimals
        "Test accuracy: 0.9911"
    )
    assert series.accuracies_in(text) == [0.9254, 0.9911]


def test_output_text_joins_streams_and_results():
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": ["Test accuracy: ", "0.9900\n"]},
        {"output_type": "execute_result", "data": {"text/plain": "42"}},
        {"output_type": "display_data", "data": {"image/png": "..."}},
    ]
    assert series.output_text(outputs) == "Test accuracy: 0.9900\n42\n"


def test_a_line_printed_after_a_figure_is_still_found():
    outputs = [
        {"output_type": "display_data", "data": {"text/plain": "<Figure size 640x480>"}},
        {"output_type": "stream", "name": "stdout", "text": "Test accuracy: 0.9237\n"},
    ]
    assert series.accuracies_in(series.output_text(outputs)) == [0.9237]


def test_floor_failure_names_notebook_floor_and_accuracy():
    assert series.floor_failure("04_convolutional_network.ipynb", 0.9900) is None
    message = series.floor_failure("04_convolutional_network.ipynb", 0.9876)
    assert "04_convolutional_network.ipynb" in message
    assert "0.9876" in message and "0.9900" in message


def test_comparison_has_no_floor():
    assert series.FLOORS["06_comparison.ipynb"] is None
    assert series.floor_failure("06_comparison.ipynb", 0.1) is None
    floor = series.FLOORS["05_beyond_99.ipynb"]
    assert "below its floor" in series.floor_failure("05_beyond_99.ipynb", floor - 0.0001)


def test_every_floor_sits_below_its_measured_seed_spread():
    # benchmarks/seeds.md: run_notebooks.py --seeds; a floor above a measured minimum
    # would fail on that seed (and on CPUs that differ from ours as much).

    table = ROOT / "benchmarks" / "seeds.md"
    rows = [line.split("|") for line in table.read_text().splitlines() if line.startswith("| 0")]
    names = {row[1].strip() for row in rows}
    assert {name for name, floor in series.FLOORS.items() if floor} - names == {
        "00_introduction.ipynb"  # NumPy with fixed seeds of its own: no Keras seed to vary
    }
    for row in rows:
        name, seeds, low = row[1].strip(), int(row[2]), float(row[3])
        # Notebook 5 varies most: eight seeds for it, five for the others.
        assert seeds >= (8 if name == "05_beyond_99.ipynb" else 5), f"{name}: too few seeds"
        assert series.FLOORS[name] < low, f"{name}: floor {series.FLOORS[name]} >= min {low}"


def test_every_chapter_runs_on_every_backend_but_the_appendix_on_torch():
    for chapter in series.CHAPTERS:
        for backend in series.BACKENDS:
            why = series.backend_failure(chapter.notebook, backend)
            if (chapter.notebook, backend) == ("07_data_parallel.ipynb", "torch"):
                assert why == "07_data_parallel.ipynb runs on tensorflow and jax only, not on torch"
            else:
                assert why is None, why


def test_a_backend_floor_sits_below_that_backends_measured_spread():
    # Only where a backend measured lower than TensorFlow's floor allows does it get its own:
    # benchmarks/seeds-BACKEND.md, run_notebooks.py --seeds on that backend.

    benchmarks = ROOT / "benchmarks"
    own = [(c.notebook, b, f) for c in series.CHAPTERS for b, f in c.backend_floors]
    assert own, "no backend has a floor of its own: drop this test, or the field"
    for notebook, backend, floor in own:
        assert floor < series.FLOORS[notebook], f"{notebook}: not lower on {backend}"
        assert series.floor_of(notebook, backend) == floor
        table = (benchmarks / f"seeds-{backend}.md").read_text().splitlines()
        row = next(line.split("|") for line in table if line.startswith(f"| {notebook} "))
        seeds, low = int(row[2]), float(row[3])
        assert seeds >= 5 and floor < low, f"{notebook} on {backend}: floor {floor}, min {low}"
        message = series.floor_failure(notebook, floor - 0.0001, backend)
        assert f"below its floor on {backend} of {floor:.4f}" in message
    assert (
        series.floor_of("01_softmax_regression.ipynb", "jax")
        == series.FLOORS["01_softmax_regression.ipynb"]
    )


def test_each_backends_floors_sit_below_its_measured_spread():
    # A notebook without a floor of its own on JAX or PyTorch keeps TensorFlow's, so that floor
    # must hold over the seeds measured there too (benchmarks/seeds-jax.md, seeds-torch.md).

    benchmarks = ROOT / "benchmarks"
    for backend in ("jax", "torch"):
        table = (benchmarks / f"seeds-{backend}.md").read_text().splitlines()
        rows = [line.split("|") for line in table if line.startswith("| 0")]
        assert len(rows) >= 4, f"seeds-{backend}.md: notebooks 1 to 4 at least"
        for row in rows:
            name, seeds, low = row[1].strip(), int(row[2]), float(row[3])
            floor = series.floor_of(name, backend)
            assert seeds >= 5, f"{name} on {backend}: {seeds} seeds"
            assert floor < low, f"{name} on {backend}: floor {floor} >= min {low}"
            # The table's floor column is the floor the tests enforce there.
            assert float(row[6]) == floor, f"seeds-{backend}.md: {name}'s floor is stale"


def test_one_lookup_finds_a_chapter_by_notebook_or_by_model():
    cnn = series.chapter_of("cnn")
    assert series.chapter_of("04_convolutional_network.ipynb") is cnn
    assert saved_models.chapter("cnn") is cnn
    with pytest.raises(KeyError, match="softmax"):  # the message names the models
        series.chapter_of("resnet")
    with pytest.raises(KeyError):  # a chapter without a model is not found by its missing name
        series.chapter_of(None)
    with pytest.raises(KeyError, match="is a notebook"):  # models/04_....ipynb.keras: never
        saved_models.chapter("04_convolutional_network.ipynb")
