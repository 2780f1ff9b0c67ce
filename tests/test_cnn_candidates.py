"""The CNN candidate script: its "nb4" candidate is notebook 4's recipe, and its report."""

import json

from benchmarks import cnn_candidates as candidates
from mnist_series import recipes
from tools import recipe_check


def test_the_nb4_candidate_is_the_notebooks_recipe_and_the_others_change_only_numbers():
    recipe = recipes.recipe("cnn")
    assert (
        recipe_check.differences(candidates.CANDIDATES["nb4"].build(), recipe, trained=False) == []
    )
    for name, each in candidates.CANDIDATES.items():
        assert each.network is recipe.network, name
        assert (each.optimizer.kind, each.optimizer.schedule) == ("Adam", "cosine"), name
        assert each.train_on == recipe.train_on, name


def test_summary_finds_the_first_epoch_at_the_floor_and_its_seconds():
    run = candidates.summary("e6", 1, [0.98, 0.9899, 0.99, 0.9895, 0.9921], [10, 12, 14, 9, 9])
    assert candidates.FLOOR == 0.99
    assert (run["first_at_floor"], run["seconds_to_floor"], run["final"]) == (3, 36, 0.9921)
    never = candidates.summary("e6", 2, [0.98, 0.985], [10, 10])
    assert (never["first_at_floor"], never["seconds_to_floor"]) == (None, None)


def test_report_gives_each_seed_and_the_final_spread(tmp_path):
    runs = [
        candidates.summary("nb4", 42, [0.985, 0.9901, 0.9925], [10.0, 20.0, 12.0]),
        candidates.summary("nb4", 1, [0.985, 0.9889, 0.9911], [11.0, 11.0, 30.0]),
    ]
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps(run) + "\n" for run in runs))
    table = candidates.report(path).splitlines()
    assert len(table) == 3
    assert table[2] == (
        "| nb4 | 12 epochs, batch 256, peak 0.006 | 2 | 42: 2, 1: 3 | 30 s, 52 s |"
        " 0.9911 | 0.9918 | 0.9925 | 12.0 s |"
    )


def test_a_sweep_runs_seed_by_seed_and_appends_each_run(tmp_path, monkeypatch, capsys):
    order = []

    def fake_child(name, seed):
        order.append((seed, name))
        return candidates.summary(name, seed, [0.99], [1.0])

    monkeypatch.setattr(candidates, "in_child", fake_child)
    out = tmp_path / "runs.jsonl"
    out.write_text(json.dumps(candidates.summary("nb4", 7, [0.98], [1.0])) + "\n")
    assert candidates.main(["--run", "nb4", "e6", "--seeds", "42,1", "--out", str(out)]) == 0
    assert order == [(42, "nb4"), (42, "e6"), (1, "nb4"), (1, "e6")]
    runs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(run["seed"], run["name"]) for run in runs] == [(7, "nb4"), *order]
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_the_stored_page_shows_the_table_of_the_stored_runs():
    page = (candidates.ROOT / "benchmarks" / "cnn_candidates.md").read_text()
    assert candidates.report(candidates.ROOT / "benchmarks" / "cnn_candidates.jsonl") in page
