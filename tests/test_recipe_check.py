"""The check that ties a model a notebook saved to its chapter's recipe (tools/recipe_check.py),
and the test run failing the cell that saved another recipe."""

import keras

from mnist_series import recipes, saved_models
from tests import nbharness
from tools import recipe_check


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
    assert recipe_check.differences(compiled(dropout_mlp()), recipe, trained=False) == []
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
        found = recipe_check.differences(model, recipe, trained=False)
        assert expected in found, found
    no_dropout = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10)])
    assert recipe_check.differences(compiled(no_dropout), recipe, trained=False)[0].startswith(
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
