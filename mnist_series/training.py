"""The plumbing around training that every chapter needs: timing, a validation split, short runs.

A chapter's main model is loaded, built, compiled, trained and evaluated in the
notebook itself, line by line: that is what the chapter teaches. What lives here
is what would otherwise be copied from chapter to chapter:

- ``stopwatch``: time a block (the ``fit`` call) and print how long it took;
- ``hold_out``: keep the last fifth of the training images back for validation,
  as notebook 1 does by hand;
- ``quick_fit``: the worked solutions' short, quiet training runs;
- ``let_jax_compile``: on JAX, lets Keras compile a model that holds
  ``RandomTranslation`` or ``RandomRotation`` (notebook 5).
"""

from __future__ import annotations

import time

__all__ = ["stopwatch", "hold_out", "quick_fit", "validation_in_step", "let_jax_compile"]


class stopwatch:  # noqa: N801 - used like a function: `with stopwatch("Training") as clock:`
    """Time the block of a ``with`` statement; print ``"<what> took N s"`` when it ends.

        with stopwatch("Training") as training:
            history = model.fit(...)
        training.seconds  # 57.3

    Nothing is printed if the block fails, or with ``quiet=True``; ``seconds`` is
    set either way.
    """

    def __init__(self, what: str = "Training", quiet: bool = False):
        self.what = what
        self.quiet = quiet
        self.seconds = float("nan")

    def __enter__(self) -> stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, kind, error, trace) -> bool:
        self.seconds = time.perf_counter() - self._start
        if kind is None and not self.quiet:
            print(f"{self.what} took {self.seconds:.0f} s")
        return False  # an error inside the block goes on up


def hold_out(x, y, fraction: float = 0.2):
    """Split ``x`` and ``y`` into training and validation: the last ``fraction`` is held out.

    Returns ``(x_tr, y_tr), (x_val, y_val)``. MNIST's training images are in no
    particular order, so the last 12,000 of 60,000 are as good a sample as any.
    """
    if len(x) != len(y):
        raise ValueError(f"{len(x)} images but {len(y)} labels")
    n_val = round(len(x) * fraction)
    if not 0 < n_val < len(x):
        raise ValueError(f"holding out {fraction} of {len(x)} leaves no training or no validation")
    return (x[:-n_val], y[:-n_val]), (x[-n_val:], y[-n_val:])


def quick_fit(
    model, optimizer, x, y, *, epochs, batch_size=128, validation_data=None, seed=None
):  # fmt: skip
    """Compile ``model`` for sparse labels and train it quietly: a worked solution's short run.

    With ``seed``, ``keras.utils.set_random_seed(seed)`` is called first (after the
    model was built: a model built by the caller keeps its weights). Returns the
    ``History`` and the seconds each epoch took on average.
    """
    import keras

    if seed is not None:
        keras.utils.set_random_seed(seed)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    with stopwatch(quiet=True) as clock:
        history = model.fit(
            x, y, batch_size=batch_size, epochs=epochs, validation_data=validation_data,
            verbose=0, callbacks=[validation_in_step()],
        )  # fmt: skip
    return history, clock.seconds / epochs


def validation_in_step():
    """A callback that makes Keras handle each validation batch's results before the next batch.

    On JAX and PyTorch, Keras 3.15.1 hands each validation batch's results to helper threads
    unless a callback reads them. With two devices that share one busy CPU (notebook 7 on
    JAX), those threads can keep one device from its all-reduce while the other waits in it,
    until XLA ends the kernel after 40 s; with this callback the appendix's training under
    load does not deadlock (``benchmarks/backends.md`` measures both). TensorFlow never uses
    the helper threads. The callback does nothing itself: that it reads the results is what
    keeps Keras in step.
    """
    import keras

    class ValidationInStep(keras.callbacks.Callback):
        def on_test_batch_end(self, batch, logs=None):
            pass

    return ValidationInStep()


# Keras's augmentation layers that move pixels with ``keras.ops.image.affine_transform``.
_AFFINE_AUGMENTATIONS = ("RandomTranslation", "RandomRotation", "RandomZoom")


def let_jax_compile(model):
    """On JAX, mark ``model``'s translation, rotation and zoom layers as compilable; return it.

    These layers tell Keras they cannot be compiled (``supports_jit = False``, Keras
    3.15.1). That is true of TensorFlow, whose operation for them has no XLA version,
    and not of JAX, where they are ordinary ``jax.numpy`` code. Keras then compiles
    nothing of the model: on JAX every training step runs operation by operation,
    much slower (``benchmarks/backends.md``, "Notebook 5 on JAX"). On TensorFlow and
    PyTorch this does nothing. Call it after building the model, before ``compile``.
    """
    import keras

    if keras.backend.backend() == "jax":
        for layer in _every_layer(model):
            if type(layer).__name__ in _AFFINE_AUGMENTATIONS:
                layer.supports_jit = True
    return model


def _every_layer(layer):
    """``layer`` and every layer inside it (a model, a ``Sequential`` inside a model, ...)."""
    yield layer
    for inner in getattr(layer, "layers", []):
        yield from _every_layer(inner)
