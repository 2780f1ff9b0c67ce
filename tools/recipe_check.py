"""Whether a saved model is its chapter's recipe (``mnist_series.recipes``).

The notebooks write their main model, ``compile`` and ``fit`` out in full, since those lines
are what a chapter teaches. When a notebook saves its model during the test run
(``tests/nbharness.py``), :func:`differences` compares the saved file with the chapter's row of
``recipes.RECIPES``: the layers in order with their settings, the optimizer and its schedule,
the loss, and the number of training steps taken (epochs x batches per epoch). The cell that
saved it fails if anything differs.
"""

from __future__ import annotations

from mnist_series.recipes import Recipe


def _without_names(value):
    """A config with every ``name`` (and the build-time shapes) left out, recursively."""
    if isinstance(value, dict):
        return {
            key: _without_names(item)
            for key, item in value.items()
            if key not in ("name", "build_config")
        }
    if isinstance(value, list | tuple):
        return [_without_names(item) for item in value]
    return value


def _layers(model) -> list:
    import keras

    found = [
        (type(layer).__name__, _without_names(layer.get_config()))
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]
    return [("input", list(model.input_shape))] + found


def _first_difference(ours, theirs, where: str = "") -> str:
    """Where two configs first differ, as ``path: a != b``."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in [*ours, *(k for k in theirs if k not in ours)]:
            if ours.get(key, "<missing>") != theirs.get(key, "<missing>"):
                return _first_difference(
                    ours.get(key, "<missing>"), theirs.get(key, "<missing>"), f"{where}.{key}"
                )
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{where}[{index}]")
    return f"{where.lstrip('.') or 'value'}: {_shown(ours)} != {_shown(theirs)}"


def _shown(value) -> str:
    """A value as a message shows it: floats without float32's tail (0.4, not 0.4000000059)."""
    return f"{value:.7g}" if isinstance(value, float) else repr(value)


def differences(
    model, expected: Recipe, images: int | None = None, trained: bool = True
) -> list[str]:
    """How a trained, compiled model (e.g. one loaded from models/) differs from ``expected``.

    Compared: the layers in order (type and settings; layer names ignored), the
    optimizer and its learning-rate schedule, the loss, and the optimizer's step
    count, which must be epochs x batches per epoch (``trained=False``: not checked,
    for a model that has not been trained yet). An empty list: it is the recipe.
    """
    reference = expected.build(images)
    found = []
    ours, theirs = _layers(model), _layers(reference)
    if len(ours) != len(theirs):
        found.append(
            f"layers: {[kind for kind, _ in ours]} != recipe's {[kind for kind, _ in theirs]}"
        )
    else:
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if a[0] != b[0]:
                found.append(f"layer {index}: {a[0]} != recipe's {b[0]}")
            elif a != b:
                found.append(f"layer {index} ({a[0]}): {_first_difference(a[1], b[1])}")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return found + ["the model was saved without compiling: no optimizer to compare"]
    kinds = type(optimizer).__name__, type(reference.optimizer).__name__
    if kinds[0] != kinds[1]:
        found.append(f"optimizer: {kinds[0]} != recipe's {kinds[1]}")
    else:
        a = _without_names(optimizer.get_config())
        b = _without_names(reference.optimizer.get_config())
        if a != b:
            found.append(f"optimizer {kinds[0]}: {_first_difference(a, b)}")
    a = _without_names(model.get_compile_config().get("loss"))
    b = _without_names(reference.get_compile_config().get("loss"))
    if a != b:
        found.append(f"loss: {_first_difference(a, b)}")
    if not trained:
        return found
    steps = int(optimizer.iterations)
    wanted = expected.epochs * expected.steps_per_epoch(images)
    if steps != wanted:
        found.append(
            f"training steps: {steps:,} != recipe's {wanted:,} ({expected.epochs} epochs x "
            f"{expected.steps_per_epoch(images)} batches of {expected.batch_size} from "
            f"{images or expected.images:,} images)"
        )
    return found
