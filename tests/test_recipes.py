"""The recipes table: one recipe per chapter model, each one builds as the chapters train it."""

import pytest

from mnist_series import recipes, series
from tools import recipe_check

# Parameter counts that the notebooks print in their model summaries.
PARAMETERS = {
    "softmax": 7_850,
    "mlp": 118_282,
    "dropout_mlp": 118_282,
    "cnn": 34_826,
    "cnn_plus": 75_866,
}


def test_every_chapter_model_has_one_recipe_and_every_recipe_a_chapter():
    names = {chapter.name for chapter in series.CHAPTERS if chapter.name}
    ours = [r.key for r in recipes.RECIPES if r.who == "ours"]
    assert sorted(ours) == sorted(names)
    assert {r.key for r in recipes.RECIPES} <= names
    pairs = [(r.key, r.who) for r in recipes.RECIPES]
    assert len(pairs) == len(set(pairs))
    for chapter in series.CHAPTERS:
        for key, who in chapter.compared_with:
            assert recipes.recipe(key, who).key == key
    with pytest.raises(KeyError, match="no recipe"):
        recipes.recipe("cnn", "nobody")


@pytest.mark.parametrize("recipe", recipes.RECIPES, ids=lambda r: f"{r.key}-{r.who}")
def test_each_recipe_builds_and_matches_a_second_build(recipe):
    model = recipe.build()
    if recipe.who == "ours" and recipe.key in PARAMETERS:
        assert model.count_params() == PARAMETERS[recipe.key]
    assert model.output_shape == (None, 10)
    # A second build has other layer names (dense_7 ...): names are not part of a recipe.
    assert recipe_check.differences(recipe.build(), recipe, trained=False) == []


def test_the_schedule_follows_epochs_batches_and_images():
    cnn = recipes.recipe("cnn")
    schedule = cnn.build().optimizer.learning_rate  # the schedule's current value
    assert float(schedule) == pytest.approx(0.006)
    config = cnn.build().optimizer.get_config()["learning_rate"]["config"]
    assert config["decay_steps"] == 12 * 188  # ceil(48,000 / 256) batches a epoch
    plus = recipes.recipe("cnn_plus").build(images=2000).optimizer.get_config()
    # one cycle over 10 epochs of ceil(2,000 / 128) = 16 batches: 24 steps up, 136 down
    assert plus["learning_rate"]["config"]["warmup_steps"] == 24
    assert plus["learning_rate"]["config"]["decay_steps"] == 136
    assert plus["learning_rate"]["config"]["warmup_target"] == pytest.approx(0.1)
    assert plus["learning_rate"]["config"]["initial_learning_rate"] == 0.0
    assert plus["nesterov"] and plus["weight_decay"] == pytest.approx(5e-4)


def test_notebook_7_can_leave_out_the_dropout_of_notebook_4s_cnn():
    plain, dropped = recipes.small_cnn(dropout=0), recipes.small_cnn()
    assert "Dropout" not in [type(layer).__name__ for layer in plain.layers]
    assert [type(layer).__name__ for layer in dropped.layers].count("Dropout") == 1
    assert plain.count_params() == dropped.count_params() == PARAMETERS["cnn"]
