"""The training plumbing the notebooks share: stopwatch, hold_out, quick_fit (with
validation_in_step), let_jax_compile."""

import itertools

import keras
import numpy as np
import pytest

from mnist_series.training import (
    hold_out,
    let_jax_compile,
    quick_fit,
    stopwatch,
    validation_in_step,
)


def test_stopwatch_prints_and_keeps_the_seconds(capsys, monkeypatch):
    ticks = iter([100.0, 157.4])
    monkeypatch.setattr("mnist_series.training.time.perf_counter", lambda: next(ticks))
    with stopwatch("Training") as training:
        pass
    assert training.seconds == pytest.approx(57.4)
    assert capsys.readouterr().out == "Training took 57 s\n"


def test_stopwatch_is_quiet_when_asked_or_when_the_block_fails(capsys):
    with stopwatch(quiet=True) as clock:
        pass
    assert clock.seconds >= 0
    with pytest.raises(KeyboardInterrupt):
        with stopwatch("Training") as stopped:
            raise KeyboardInterrupt  # a learner stops the kernel mid-fit
    assert capsys.readouterr().out == ""
    assert stopped.seconds >= 0


def test_hold_out_keeps_the_last_fifth_as_notebook_1_does():
    x, y = np.arange(60_000).reshape(-1, 1), np.arange(60_000) % 10
    (x_tr, y_tr), (x_val, y_val) = hold_out(x, y)
    n_val = len(x) // 5  # notebook 1, by hand
    assert np.array_equal(x_tr, x[:-n_val]) and np.array_equal(y_tr, y[:-n_val])
    assert np.array_equal(x_val, x[-n_val:]) and np.array_equal(y_val, y[-n_val:])
    assert len(hold_out(x[:10], y[:10], fraction=0.3)[1][0]) == 3


@pytest.mark.parametrize(
    "x, y, fraction, message",
    [
        (np.zeros(10), np.zeros(9), 0.2, "10 images but 9 labels"),
        (np.zeros(10), np.zeros(10), 0.0, "leaves no training or no validation"),
        (np.zeros(10), np.zeros(10), 1.0, "leaves no training or no validation"),
    ],
)
def test_hold_out_refuses_what_cannot_be_split(x, y, fraction, message):
    with pytest.raises(ValueError, match=message):
        hold_out(x, y, fraction)


def tiny_model():
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])


def test_quick_fit_compiles_for_sparse_labels_and_trains_quietly(capsys):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.integers(0, 3, 64)
    model = tiny_model()
    history, per_epoch = quick_fit(
        model, keras.optimizers.SGD(0.1), x, y, epochs=2, batch_size=16, validation_data=(x, y)
    )
    assert capsys.readouterr().out == ""
    assert len(history.history["val_accuracy"]) == 2 and per_epoch > 0
    assert model.loss == "sparse_categorical_crossentropy"


def test_quick_fit_handles_each_validation_batch_in_step(monkeypatch):
    # Keras decides per CallbackList whether validation batches' results go to helper
    # threads (private state, Keras 3.15.1); on JAX they did, and XLA deadlocked (notebook 7).
    model = tiny_model()
    given = {}
    monkeypatch.setattr(model, "fit", lambda *args, **options: given.update(options))
    x, y = np.zeros((8, 4), "float32"), np.zeros(8, int)
    quick_fit(model, keras.optimizers.SGD(0.1), x, y, epochs=1)
    threaded = keras.callbacks.CallbackList([], model=model)._async_test
    in_step = keras.callbacks.CallbackList(given["callbacks"], model=model)._async_test
    assert in_step is False
    assert threaded is (keras.backend.backend() in ("jax", "torch"))  # what it works around
    alone = keras.callbacks.CallbackList([validation_in_step()], model=model)
    assert alone._async_test is False and alone._async_train == threaded  # training untouched


def test_quick_fit_with_a_seed_repeats_itself_for_a_model_built_first():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.integers(0, 3, 64)
    keras.utils.set_random_seed(5)
    start = tiny_model().get_weights()
    runs, model = [], None
    for _ in range(2):
        model = tiny_model()
        model.set_weights(start)  # the seed comes after the build: the weights stay
        history, _ = quick_fit(model, keras.optimizers.SGD(0.1), x, y, epochs=2, seed=3)
        runs.append(history.history["loss"])
    assert runs[0] == runs[1]  # fit shuffles the same way after the same seed
    assert not np.array_equal(model.get_weights()[0], start[0])  # and it did train


def augmented_model():
    inputs = keras.Input(shape=(8, 8, 1))
    moves = keras.Sequential([keras.layers.RandomRotation(0.03, fill_mode="constant")])
    x = moves(keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant")(inputs))
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(x))
    return keras.Model(inputs, outputs)


def generator_states(model):
    return [
        np.array(keras.ops.convert_to_numpy(layer.generator.state.value))
        for layer in [model.layers[1], model.layers[2].layers[0]]
    ]


def test_let_jax_compile_compiles_the_augmentation_on_jax_and_nothing_elsewhere():
    # Run by `make test` on each backend, and by CI's JAX smoke (Makefile).
    model = augmented_model()
    plain = augmented_model()
    assert let_jax_compile(model) is model
    for each in model, plain:
        each.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert plain.jit_compile is False  # Keras's own choice for these layers, on every backend
    moving = [model.layers[1], model.layers[2].layers[0]]
    if keras.backend.backend() != "jax":
        # On a CPU TensorFlow never compiles with XLA, so the flags themselves must be left.
        assert model.jit_compile is False
        assert not any(layer.supports_jit for layer in moving)
        return
    assert all(layer.supports_jit for layer in moving)
    assert model.jit_compile is True
    # Compiled, the layers must still draw new moves at every step, not one move traced
    # into the compiled step: each step advances both layers' random generators.
    x, y = np.random.default_rng(0).random((4, 8, 8, 1)), np.arange(4) % 2
    states = [generator_states(model)]
    for _ in range(3):
        model.train_on_batch(x, y)  # the compiled step; the generators' states come back after it
        states.append(generator_states(model))
    for before, after in itertools.pairwise(states):
        assert all(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))
