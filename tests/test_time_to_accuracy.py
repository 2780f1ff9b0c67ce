"""The time-to-accuracy benchmark: its arithmetic, and a quick run of every recipe."""

import pytest

from benchmarks import time_to_accuracy as tta
from mnist_series import recipes, series
from tests.scripts import ROOT


def fake(key, who, accuracies, seconds_per_epoch):
    return {
        "key": key,
        "who": who,
        "accuracies": accuracies,
        "elapsed": [seconds_per_epoch * (i + 1) for i in range(len(accuracies))],
        "parameters": 1,
        "peak_rss_mib": 100.0,
    }


def test_reached_is_the_first_epoch_at_or_above_the_floor():
    result = fake("softmax", "ours", [0.90, 0.92, 0.91, 0.93], 2.0)
    assert tta.reached(result, 0.92) == {"epoch": 2, "seconds": 4.0}
    assert tta.reached(result, 0.95) is None
    assert tta.reached_text(result, 0.95) == ("never", "never (best 0.9300)")


def test_ratio_when_both_reach_and_lower_bound_when_classic_never_does():
    ours = fake("softmax", "ours", [0.93], 3.0)
    slow = fake("softmax", "classic", [0.90] * 9 + [0.921], 3.0)
    never = fake("mlp", "classic", [0.91] * 20, 3.0)
    assert tta.ratio_text(ours, slow, 0.92) == "10.0 x"
    assert tta.ratio_text(ours, never, 0.92) == "> 20.0 x (never reached)"
    short = fake("cnn", "fchollet", [0.91], 1.0)
    assert tta.ratio_text(ours, short, 0.92).startswith("never reached (its whole run is shorter")
    assert tta.ratio_text(never, ours, 0.99) == "ours never reached the floor"


def test_every_recipe_has_a_floor_and_every_model_a_comparison():
    for recipe in tta.RECIPES:
        assert tta.floor_of(recipe.key) > 0.9
    assert {r.key for r in tta.RECIPES if r.who == "ours"} == set(tta.CLASSIC_OF)
    assert tta.floor_of("cnn_plus") == series.FLOORS["05_beyond_99.ipynb"]


def test_quick_run_of_every_recipe_writes_table_and_chart(tmp_path):
    assert tta.main(["--quick", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "results.md").read_text()
    assert "QUICK MODE" in text
    for recipe in tta.RECIPES:
        assert f"| {recipe.key} ({recipe.who}) | {recipe.label} |" in text
    assert text.count("| 1 (reference) |") == 5
    assert (tmp_path / "results.png").stat().st_size > 10_000


def test_table_names_the_day_of_each_models_rows():
    ours = fake("cnn", "ours", [0.991], 1.0) | {"date": "2026-11-22"}
    classic = fake("cnn", "classic", [0.991], 4.0) | {"date": "2026-11-22"}
    kept = fake("softmax", "ours", [0.93], 1.0) | {"date": "2026-11-21"}
    assert tta.when([ours, classic]) == "2026-11-22"
    assert tta.when([kept, ours, classic]) == "2026-11-21 (softmax); 2026-11-22 (cnn)"
    header = tta.table([kept, ours, classic], quick=False)
    assert "on 2026-11-21 (softmax); 2026-11-22 (cnn), on" in header
    # Rows from two machines: each day names its CPU, and the header names none.
    epyc, xeon = kept | {"cpu": "AMD EPYC"}, [r | {"cpu": "Xeon"} for r in (ours, classic)]
    assert tta.when([epyc, *xeon]) == "2026-11-21 (softmax; AMD EPYC); 2026-11-22 (cnn; Xeon)"
    assert " cores, Python" in tta.table([epyc, *xeon], quick=False)
    assert " cores (Xeon), Python" in tta.table(xeon, quick=False)


def test_keep_needs_only_and_a_full_run(capsys):
    for argv in (["--keep", "x.json"], ["--only", "cnn", "--keep", "x.json", "--quick"]):
        with pytest.raises(SystemExit):
            tta.main(argv)
    assert "--keep goes with --only" in capsys.readouterr().err


def test_the_benchmark_defines_no_model_of_its_own():
    """Every recipe comes from mnist_series/recipes.py; the notebooks are tied to it by the
    test run (see test_recipes.py)."""
    source = (ROOT / "benchmarks" / "time_to_accuracy.py").read_text()
    for word in ("layers.", "keras.Sequential", "keras.Model(", "optimizers."):
        assert word not in source
    assert tta.RECIPES is recipes.RECIPES


def test_recipes_train_in_turns_in_child_processes():
    """The full run's path: one process per recipe, an epoch each in turn (here 1 quick epoch)."""
    pair = [r for r in tta.RECIPES if r.key == "softmax"]
    results = tta.run_in_turns(pair, quick=True)
    assert [(r["key"], r["who"]) for r in results] == [("softmax", "ours"), ("softmax", "classic")]
    for result in results:
        assert len(result["accuracies"]) == len(result["elapsed"]) == 1
        assert result["parameters"] == 7850 and result["peak_rss_mib"] > 100
    assert results[0]["accuracies"][0] > results[1]["accuracies"][0]  # SGD 0.5 beats 0.01


def on(backend, version, accuracies, seconds_per_epoch, first=None):
    result = fake("softmax", "ours", accuracies, seconds_per_epoch)
    if first is not None:  # a slower first epoch (compilation)
        result["elapsed"] = [e + first - seconds_per_epoch for e in result["elapsed"]]
    return result | {"backend": backend, "version": version}


def test_backend_table_judges_each_backend_by_its_own_floor():
    tensorflow = on("tensorflow", "TensorFlow 2.21.0", [0.91, 0.921], 2.0, first=5.0)
    jax = on("jax", "JAX 0.10.2", [0.90, 0.915, 0.922], 1.0, first=9.0)
    torch = on("torch", "PyTorch 2.13.0", [0.911], 4.0)  # notebook 1's floor there: 0.910
    assert tta.epoch_seconds(jax) == [9.0, 1.0, 1.0]
    text = tta.backend_table([tensorflow, jax, torch], quick=False)
    assert "| softmax | TensorFlow 2.21.0 | 0.920 | 2 | 7 s | 5.0 s | 2.0 s |" in text
    assert "| softmax | JAX 0.10.2 | 0.920 | 3 | 11 s | 9.0 s | 1.0 s | 100 MiB | 1.6 x |" in text
    torch_row = "| softmax | PyTorch 2.13.0 | 0.910 | 1 | 4 s | 4.0 s | - | 100 MiB |"
    assert f"{torch_row} - (another floor) |" in text  # no ratio of times to other targets
    assert text.count("| 1 (reference) |") == 1


def test_results_md_keeps_both_tables(tmp_path):
    classic = fake("softmax", "classic", [0.90, 0.93], 3.0)
    ours = fake("softmax", "ours", [0.93], 1.0)
    side = [on("tensorflow", "TensorFlow 2.21.0", [0.93], 1.0)]
    text = tta.document([ours, classic], side, quick=False)
    assert text.startswith("# Time to accuracy") and "## The backends side by side" in text
    assert tta.document([], side, quick=False).startswith("## The backends side by side")
    assert tta.stored(tmp_path / "none.json") == []


def test_each_backend_runs_in_its_own_environment(tmp_path, monkeypatch):
    import keras

    assert tta.python_for(keras.backend.backend()) == tta.python_for(None) == tta.sys.executable
    other = next(b for b in series.BACKENDS if b != keras.backend.backend())
    monkeypatch.setattr(tta, "ROOT", tmp_path)
    with pytest.raises(SystemExit, match=f"make setup BACKEND={other}"):
        tta.python_for(other)
    python = tmp_path / tta.VENVS[other] / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()
    assert tta.python_for(other) == str(python)


def test_quick_side_by_side_run_on_this_backend(tmp_path):
    """The --backends path, on the backend this test runs on: a child stopped at its floor."""
    import keras

    backend = keras.backend.backend()
    argv = ["--quick", "--backends", backend, "--only", "softmax", "--out", str(tmp_path)]
    assert tta.main(argv) == 0
    (result,) = tta.stored(tmp_path / "backends.json")
    assert result["backend"] == backend and len(result["accuracies"]) == 1
    text = (tmp_path / "results.md").read_text()
    assert "## The backends side by side" in text and "QUICK MODE" in text
    assert f"| softmax | {result['version']} |" in text
