"""The candidate script for notebook 5's earlier Adam recipe: its candidates and its report."""

import json

import pytest

from benchmarks import beyond_99_candidates as candidates
from mnist_series import recipes


def test_the_nb5_candidate_keeps_the_rate_its_runs_were_measured_with():
    # "nb5" in beyond_99.jsonl ran at the notebook's peak before 2026-12-04; only the rate differs.
    recipe = recipes.recipe("cnn_plus")
    before = candidates.compiled("nb5", recipe.steps_per_epoch())
    now = candidates.compiled("nb5_p006", recipe.steps_per_epoch())
    peaks = [m.optimizer.get_config()["learning_rate"]["config"] for m in (before, now)]
    assert [peak["warmup_target"] for peak in peaks] == [pytest.approx(0.003), pytest.approx(0.006)]
    assert [type(x).__name__ for x in before.layers] == [type(x).__name__ for x in now.layers]


def test_report_summarises_full_runs_per_candidate(tmp_path):
    runs = tmp_path / "runs.jsonl"
    lines = [
        {"name": "b256_e12", "seed": 1, "epochs": 12, "seconds": 444.2, "accuracy": 0.9949},
        {"name": "b256_e12", "seed": 7, "epochs": 12, "seconds": 410.9, "accuracy": 0.9935},
        {"name": "nb5", "seed": 42, "epochs": 1, "seconds": 28.2, "accuracy": 0.4838},
    ]
    runs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    table = candidates.report(runs).splitlines()
    assert len(table) == 3, "a one-epoch timing run is not a result"
    assert "| b256_e12 |" in table[2] and "| 2 | 0.9935 | 0.9942 | 0.9949 | 428 s |" in table[2]
    assert table[2].endswith("| 1: 0.9949, 7: 0.9935 |")


def test_report_adds_test_time_augmentation_when_measured(tmp_path):
    runs = tmp_path / "runs.jsonl"
    lines = [
        {"name": "nb5", "seed": 42, "epochs": 10, "seconds": 400, "accuracy": 0.9934,
         "tta_accuracy": 0.9946},
        {"name": "nb5", "seed": 1, "epochs": 10, "seconds": 390, "accuracy": 0.9937,
         "tta_accuracy": 0.9936},
    ]  # fmt: skip
    runs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    table = candidates.report(runs).splitlines()
    assert table[3] == ""  # the second table follows the first
    row = table[-1]
    assert row.startswith("| nb5 | 2 | 0.9934 | 0.9935 | 0.9937 | 0.9936 | 0.9941 | 0.9946 |")
    assert "| -1 / 5.5 / 12 |" in row and row.endswith("1: 0.9937 → 0.9936 |")


def test_sgd_candidates_change_only_the_optimizer():
    steps = recipes.recipe("cnn_plus").steps_per_epoch()
    sgd = candidates.compiled("nb5_sgd_p4", steps)
    adam = candidates.compiled("nb5", steps)
    assert type(sgd.optimizer).__name__ == "SGD" and sgd.optimizer.nesterov
    assert sgd.optimizer.momentum == 0.9 and sgd.optimizer.weight_decay == 5e-4
    assert type(adam.optimizer).__name__ == "Adam" and adam.optimizer.weight_decay is None
    assert [type(x).__name__ for x in sgd.layers] == [type(x).__name__ for x in adam.layers]
    assert sgd.count_params() == adam.count_params()


def test_zoom_and_adamw_candidates_change_one_thing_each():
    steps = recipes.recipe("cnn_plus").steps_per_epoch()
    notebook = candidates.compiled("nb5_p006", steps)
    zoom = candidates.compiled("nb5_zoom", steps)
    adamw = candidates.compiled("nb5_adamw", steps)
    names = [type(x).__name__ for x in notebook.layers]
    zoomed = [type(x).__name__ for x in zoom.layers]
    assert "RandomZoom" not in names
    assert zoomed == names[:3] + ["RandomZoom"] + names[3:]  # after translation and rotation
    assert zoom.layers[3].height_factor == 0.1 and zoom.layers[3].fill_mode == "constant"
    assert type(zoom.optimizer).__name__ == "Adam"
    assert type(adamw.optimizer).__name__ == "AdamW" and adamw.optimizer.weight_decay == 0.05
    assert [type(x).__name__ for x in adamw.layers] == names
    assert zoom.count_params() == adamw.count_params() == notebook.count_params()
