"""Saving and finding the series' models, and the message when one is missing."""

import json
import math

import pytest

from mnist_series import saved_models
from tests.scripts import ROOT


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


def test_saving_replaces_the_old_model_only_when_the_new_one_is_complete(tmp_path):
    import keras

    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    with saved_models.saving("cnn", training_seconds=5, folder=tmp_path) as partial:
        assert partial.parent == tmp_path and partial.suffix == ".keras"
        assert partial.name != "cnn.keras"
        model.save(partial)
    old = (tmp_path / "cnn.keras").read_bytes()
    assert saved_models.info("cnn", tmp_path)["training_seconds"] == 5

    # The save is interrupted half-way (here: Keras has written part of the file).
    with pytest.raises(OSError, match="disk full"):
        with saved_models.saving("cnn", training_seconds=9, folder=tmp_path) as partial:
            partial.write_bytes(b"PK\x03\x04 half a zip")
            raise OSError("disk full")
    assert (tmp_path / "cnn.keras").read_bytes() == old  # the previous model is whole
    assert saved_models.info("cnn", tmp_path)["training_seconds"] == 5  # and its record
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cnn.json", "cnn.keras"]


def test_saving_nothing_inside_the_block_is_an_error(tmp_path):
    with pytest.raises(RuntimeError, match="nothing was saved"):
        with saved_models.saving("cnn", training_seconds=1, folder=tmp_path):
            pass
    assert list(tmp_path.iterdir()) == []


def test_environment_variable_moves_the_models_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(saved_models.ENV_VAR, str(tmp_path / "elsewhere"))
    assert saved_models.models_dir() == tmp_path / "elsewhere"
    assert saved_models.path_for("mlp") == tmp_path / "elsewhere" / "mlp.keras"
    monkeypatch.delenv(saved_models.ENV_VAR)
    assert saved_models.models_dir() == saved_models.MODELS_DIR


def zip_of(files: dict) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "is damaged: not a .keras archive (0 bytes)"),  # a copy that never finished
        (b"PK\x03\x04 half a zip", "is damaged: not a .keras archive"),  # a cut-off .keras
        (b"<html>404 Not Found</html>", "is damaged"),  # a web page saved under the name
        (zip_of({"hello.txt": "hi"}), "cannot be read"),  # a zip, but not a Keras model
    ],
)
def test_load_reports_a_damaged_file_in_one_line(tmp_path, content, expected):
    (tmp_path / "cnn.keras").write_bytes(content)
    with pytest.raises(saved_models.UnusableModelError) as raised:
        saved_models.load("cnn", tmp_path)
    message = str(raised.value)
    assert expected in message and "\n" not in message
    assert "notebooks/04_convolutional_network.ipynb" in message


@pytest.mark.parametrize(
    "shape_in, classes",
    [((784,), 3), ((32, 32, 3), 10), ((28, 28), 10)],  # 3 classes; CIFAR-sized; no channel axis
)
def test_load_refuses_a_model_that_does_not_read_mnist(tmp_path, shape_in, classes):
    import keras

    foreign = keras.Sequential(
        [keras.Input(shape_in), keras.layers.Flatten(), keras.layers.Dense(classes)]
    )
    saved_models.save(foreign, "mlp", 1.0, tmp_path)
    with pytest.raises(saved_models.UnusableModelError, match="not a model of this series"):
        saved_models.load("mlp", tmp_path)


def test_load_gives_back_a_model_of_the_series(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])  # fmt: skip
    saved_models.save(model, "cnn", 1.0, tmp_path)
    assert saved_models.load("cnn", tmp_path).count_params() == model.count_params()
    with pytest.raises(saved_models.MissingModelError):
        saved_models.load("cnn_plus", tmp_path)


def unwritable(monkeypatch):
    """Make every folder refuse new files, as a read-only one does (root ignores chmod)."""

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(saved_models.tempfile, "mkstemp", refuse)


def test_a_read_only_folder_is_reported_before_training(tmp_path, monkeypatch, capsys):
    assert saved_models.check_writable(tmp_path / "models") is True
    assert capsys.readouterr().out == ""  # nothing to say: the chapter's output is unchanged
    unwritable(monkeypatch)
    assert saved_models.check_writable(tmp_path / "models") is False
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and line.startswith(f"Warning: {tmp_path / 'models'} cannot")
    assert "(Permission denied)" in line and saved_models.ENV_VAR in line


def test_a_folder_that_is_a_file_is_reported_too(tmp_path, capsys):
    (tmp_path / "models").write_text("not a folder")
    assert saved_models.check_writable(tmp_path / "models") is False
    assert "cannot be written" in capsys.readouterr().out


def test_saving_into_a_read_only_folder_fails_in_one_line_and_keeps_the_old_model(
    tmp_path, monkeypatch
):
    import keras

    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    saved_models.save(model, "mlp", 3.0, tmp_path)
    before = (tmp_path / "mlp.keras").read_bytes()
    unwritable(monkeypatch)
    with pytest.raises(PermissionError) as raised:
        saved_models.save(model, "mlp", 4.0, tmp_path)
    assert "\n" not in str(raised.value) and "cannot be written" in str(raised.value)
    assert (tmp_path / "mlp.keras").read_bytes() == before
    assert saved_models.info("mlp", tmp_path)["training_seconds"] == 3.0


def test_save_is_saving_in_one_call(tmp_path, capsys):
    import keras

    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    assert saved_models.save(model, "cnn", 7.0, tmp_path) is None  # a cell shows no path
    assert capsys.readouterr().out == "Saved models/cnn.keras\n"
    assert keras.models.load_model(tmp_path / "cnn.keras").count_params() == 15
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cnn.json", "cnn.keras"]


def test_copy_models_copies_the_models_and_their_times_only(tmp_path, monkeypatch):
    source = tmp_path / "models"
    source.mkdir()
    for name in ("cnn.keras", "cnn.json", "notes.txt"):
        (source / name).write_text(name)
    monkeypatch.setenv(saved_models.ENV_VAR, str(source))
    saved_models.copy_models(tmp_path / "copy" / "models")
    copied = sorted(path.name for path in (tmp_path / "copy" / "models").iterdir())
    assert copied == ["cnn.json", "cnn.keras"]


def test_load_of_a_model_saved_with_compiled_augmentation_is_quiet_and_compiled_on_jax(tmp_path):
    # What notebook 5 saves on JAX: its compile config says jit_compile=True, and the
    # augmentation layers load marked as not compilable, which Keras warns about.
    import warnings

    import keras

    inputs = keras.Input(shape=(28, 28, 1))
    moved = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant")(inputs)
    flat = keras.layers.Flatten()(moved)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(flat))
    model.layers[1].supports_jit = True  # as let_jax_compile does on JAX
    model.compile(optimizer="adam", loss="categorical_crossentropy", jit_compile=True)
    assert model.get_compile_config()["jit_compile"] is True
    model.optimizer.build(model.trainable_variables)  # as after training
    model.save(saved_models.path_for("cnn_plus", tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keras.models.load_model(tmp_path / "cnn_plus.keras")
    assert any("jit_compile" in str(warning.message) for warning in caught)  # Keras alone
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = saved_models.load("cnn_plus", tmp_path)
    assert loaded.jit_compile is (keras.backend.backend() == "jax")
