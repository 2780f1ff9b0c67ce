"""Saving and finding the series' models, and the message when one is missing."""

import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "notebooks"))

import saved_models  # noqa: E402


def test_every_chapter_names_a_notebook_of_the_series():
    names = [entry.name for entry in saved_models.SERIES]
    assert len(set(names)) == len(names)
    for entry in saved_models.SERIES:
        assert (ROOT / "notebooks" / entry.notebook).is_file(), entry.notebook


def test_models_folder_is_ignored_by_git():
    assert saved_models.MODELS_DIR == ROOT / "models"
    assert "models/" in (ROOT / ".gitignore").read_text().splitlines()


def test_missing_model_says_which_notebook_to_run(tmp_path):
    with pytest.raises(saved_models.MissingModelError) as raised:
        saved_models.model_path("cnn", tmp_path)
    message = str(raised.value)
    assert "models/cnn.keras is missing" in message
    assert "notebooks/04_convolutional_network.ipynb" in message
    assert isinstance(raised.value, FileNotFoundError)


def test_unknown_name_lists_the_known_ones(tmp_path):
    with pytest.raises(KeyError, match="softmax"):
        saved_models.model_path("resnet", tmp_path)


def test_save_then_load_round_trip(tmp_path):
    import keras

    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    path = saved_models.path_for("mlp", tmp_path / "m")  # creates the folder
    model.save(path)
    saved_models.record("mlp", training_seconds=12.345, folder=tmp_path / "m")
    assert path == tmp_path / "m" / "mlp.keras" and path.is_file()
    assert saved_models.model_path("mlp", tmp_path / "m") == path
    assert saved_models.info("mlp", tmp_path / "m") == {
        "notebook": "02_multilayer_perceptron.ipynb",
        "training_seconds": 12.3,
    }
    loaded = keras.models.load_model(path)
    assert loaded.count_params() == model.count_params() == 15
    assert json.loads(path.with_suffix(".json").read_text())["training_seconds"] == 12.3


def test_info_without_its_json_has_no_time(tmp_path):
    (tmp_path / "softmax.keras").write_bytes(b"")
    facts = saved_models.info("softmax", tmp_path)
    assert facts["notebook"] == "01_softmax_regression.ipynb"
    assert math.isnan(facts["training_seconds"])
