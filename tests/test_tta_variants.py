"""The test-time augmentation benchmark: its sets of moves, its scoring and its report."""

import json

import numpy as np

from benchmarks import beyond_99_candidates as candidates
from benchmarks import tta_variants


def test_the_notebooks_reads_are_one_of_the_variants():
    assert tta_variants.VARIANTS["5 reads (the notebook)"] == candidates.SHIFTS
    assert tta_variants.VARIANTS["plain"] == [(0, 0)]
    for moves in tta_variants.VARIANTS.values():
        assert len(set(moves)) == len(moves) and moves[0] == (0, 0)


def test_scores_average_the_probabilities_of_each_variants_moves():
    labels = np.array([0, 1])
    probabilities = {
        (0, 0): np.array([[0.6, 0.4], [0.6, 0.4]]),  # right on the first digit only
        (1, 0): np.array([[0.3, 0.7], [0.1, 0.9]]),  # right on the second only, and surer
    }
    variants = {"plain": [(0, 0)], "moved": [(1, 0)], "both": [(0, 0), (1, 0)]}
    result = tta_variants.scores(probabilities, labels, variants)
    assert result == {"plain": 0.5, "moved": 0.5, "both": 0.5}
    probabilities[(1, 0)][0] = [0.45, 0.55]  # now the mean keeps the first digit right
    assert tta_variants.scores(probabilities, labels, variants)["both"] == 1.0


def test_moved_probabilities_reads_each_move_once():
    class Counting:
        calls = []

        def predict(self, images, batch_size, verbose):
            self.calls.append(images.copy())
            return images.reshape(len(images), -1)[:, :2]

    images = np.arange(2 * 3 * 3, dtype="float32").reshape(2, 3, 3, 1)
    model = Counting()
    result = tta_variants.moved_probabilities(model, images, [(0, 0), (1, 0)])
    assert list(result) == [(0, 0), (1, 0)] and len(model.calls) == 2
    assert np.array_equal(model.calls[1], np.roll(images, (1, 0), axis=(1, 2)))


def test_report_gives_each_variants_spread(tmp_path):
    runs = tmp_path / "runs.jsonl"
    names = list(tta_variants.VARIANTS)
    lines = [
        {"seed": 5, "accuracy": dict(zip(names, [0.9940, 0.9950, 0.9952, 0.9949], strict=True))},
        {"seed": 42, "accuracy": dict(zip(names, [0.9941, 0.9948, 0.9951, 0.9953], strict=True))},
    ]
    runs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    table = tta_variants.report(runs).splitlines()
    assert len(table) == 2 + len(names)
    assert table[3] == (
        "| 5 reads (the notebook) | 2 | 0.9948 | 0.9949 | 0.9950 | 1 of 2 | 5: 0.9950, 42: 0.9948 |"
    )
