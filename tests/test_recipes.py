"""The recipes table, and the check that ties each notebook's saved model to its recipe."""

import keras
import pytest

from mnist_series import recipes, saved_models, series
from tests import nbharness

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
    assert recipes.differences(recipe.build(), recipe, trained=False) == []


def test_the_schedule_follows_epochs_batches_and_images():
    cnn = recipes.recipe("cnn")
    schedule = cnn.build().optimizer.learning_rate  # the schedule's current value
    assert float(schedule) == pytest.approx(0.006)
    config = cnn.build().optimizer.get_config()["learning_rate"]["config"]
    assert config["decay_steps"] == 12 * 188  # ceil(48,000 / 256) batches a epoch
    plus = recipes.recipe("cnn_plus").build(images=2000).optimizer.get_config()
    # one cycle over 9 epochs of ceil(2,000 / 128) = 16 batches: 21 steps up, 123 down
    assert plus["learning_rate"]["config"]["warmup_steps"] == 21
    assert plus["learning_rate"]["config"]["decay_steps"] == 123
    assert plus["learning_rate"]["config"]["warmup_target"] == pytest.approx(0.1)
    assert plus["learning_rate"]["config"]["initial_learning_rate"] == 0.0
    assert plus["nesterov"] and plus["weight_decay"] == pytest.approx(5e-4)


def dropout_mlp(rate=0.2):
    return keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(128, activation="relu", name="mine"),
            keras.layers.Dropout(rate),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(rate),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def compiled(model, learning_rate=None, loss="sparse_categorical_crossentropy", steps=7035):
    if learning_rate is None:
        learning_rate = keras.optimizers.schedules.CosineDecay(0.001, decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=loss,
        metrics=["accuracy"],
    )
    return model


def test_differences_name_what_changed():
    recipe = recipes.recipe("dropout_mlp")
    assert recipes.differences(compiled(dropout_mlp()), recipe, trained=False) == []
    cases = {
        "layer 2 (Dropout): rate: 0.3 != 0.2": compiled(dropout_mlp(0.3)),
        "optimizer Adam: learning_rate.config.decay_steps: 5625 != 7035": compiled(
            dropout_mlp(), steps=5625
        ),
        "optimizer: SGD != recipe's Adam": dropout_mlp(),
        "loss: value: 'mse' != 'sparse_categorical_crossentropy'": compiled(
            dropout_mlp(), loss="mse"
        ),
    }
    cases["optimizer: SGD != recipe's Adam"].compile(optimizer="sgd", loss="mse")
    for expected, model in cases.items():
        found = recipes.differences(model, recipe, trained=False)
        assert expected in found, found
    no_dropout = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10)])
    assert recipes.differences(compiled(no_dropout), recipe, trained=False)[0].startswith(
        "layers: ['input', 'Dense'] != recipe's ['input', 'Dense', 'Dropout'"
    )


def saved(folder, name, steps, model=None):
    """Save a model of ``name``'s recipe as if it had trained ``steps`` batches."""
    model = model or recipes.recipe(name).build()
    model.optimizer.build(model.trainable_variables)
    model.optimizer.iterations.assign(steps)
    with saved_models.saving(name, 1.0, folder) as path:
        model.save(path)


def test_the_test_run_fails_the_cell_that_saves_another_recipe(tmp_path, monkeypatch):
    monkeypatch.setenv(saved_models.ENV_VAR, str(tmp_path))
    notebook = "03_dropout_and_optimizers.ipynb"
    stamp = nbharness.model_stamp(notebook)
    assert stamp is None and nbharness.recipe_failure(notebook, stamp) is None  # nothing saved
    saved(tmp_path, "dropout_mlp", 15 * 469)
    assert nbharness.recipe_failure(notebook, stamp) is None
    stamp = nbharness.model_stamp(notebook)
    assert nbharness.recipe_failure(notebook, stamp) is None  # unchanged since: not checked
    saved(tmp_path, "dropout_mlp", 10 * 469)
    message = nbharness.recipe_failure(notebook, stamp)
    assert message.startswith(f"{notebook} saved a model that is not the recipe of dropout_mlp")
    assert "training steps: 4,690 != recipe's 7,035 (15 epochs x 469 batches" in message
    assert "mnist_series/recipes.py" in message
    saved(tmp_path, "dropout_mlp", 15 * 469, model=compiled(dropout_mlp(0.5)))
    assert "rate: 0.5 != 0.2" in nbharness.recipe_failure(notebook, stamp)


def test_notebook_7_can_leave_out_the_dropout_of_notebook_4s_cnn():
    plain, dropped = recipes.small_cnn(dropout=0), recipes.small_cnn()
    assert "Dropout" not in [type(layer).__name__ for layer in plain.layers]
    assert [type(layer).__name__ for layer in dropped.layers].count("Dropout") == 1
    assert plain.count_params() == dropped.count_params() == PARAMETERS["cnn"]


def test_on_torch_each_worker_gets_its_share_of_the_cores(monkeypatch):
    import os

    import keras

    from tests import nbharness

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    nbharness.share_the_cores(2)
    assert "OMP_NUM_THREADS" not in os.environ
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    nbharness.share_the_cores(2)
    assert os.environ["OMP_NUM_THREADS"] == "2"
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # one set by hand is kept
    nbharness.share_the_cores(8)
    assert os.environ["OMP_NUM_THREADS"] == "3"
