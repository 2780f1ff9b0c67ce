"""Every recipe of the series, once: the chapters' models and the classics they are compared with.

A recipe is a network, an optimizer (with its learning-rate schedule), a loss, the
number of epochs, the batch size and the training images. :data:`RECIPES` lists
the main model of each chapter (``who="ours"``) and the classic recipes that
``benchmarks/time_to_accuracy.py`` compares them with; the benchmark builds
every model from here and defines none of its own.

Notebook 7 builds notebook 4's CNN from here (:func:`small_cnn`). The other notebooks
write their main model, ``compile`` and ``fit`` out in full, since those lines are what a
chapter teaches; the test run checks each model a notebook saves against its row here
(``tools/recipe_check.py``).

Keras is imported only when a model or optimizer is built.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

__all__ = [
    "Recipe",
    "Optimizer",
    "RECIPES",
    "recipe",
    "dense_net",
    "small_cnn",
    "deep_bn_cnn",
    "keras_example_cnn",
    "chollet_cnn",
    "one_cycle",
]

TRAINING_IMAGES = {"48k": 48_000, "60k": 60_000}  # 48k: the last 12,000 are held out


# ---------------------------------------------------------------- networks


def dense_net(hidden: int = 0, dropout: float = 0.0):
    """Flat 784 pixels, ``hidden`` ReLU layers of 128 (each followed by dropout if set), softmax."""
    import keras

    stack = [keras.Input(shape=(784,))]
    for _ in range(hidden):
        stack.append(keras.layers.Dense(128, activation="relu"))
        if dropout:
            stack.append(keras.layers.Dropout(dropout))
    stack.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(stack)


def _convnet(*stack):
    """A Sequential network on 28 x 28 x 1 images ending in a softmax over the ten digits."""
    import keras

    return keras.Sequential(
        [keras.Input(shape=(28, 28, 1)), *stack, keras.layers.Dense(10, activation="softmax")]
    )


def _conv(filters: int):
    import keras

    return keras.layers.Conv2D(filters, kernel_size=3, activation="relu")


def small_cnn(dropout: float = 0.5):
    """Notebook 4's CNN: two convolution + pooling blocks, dropout, softmax (34,826 weights).

    ``dropout=0`` leaves the dropout layer out (notebook 7's one-step check).
    """
    import keras

    pool = partial(keras.layers.MaxPooling2D, pool_size=2)
    stack = [_conv(32), pool(), _conv(64), pool(), keras.layers.Flatten()]
    return _convnet(*stack, *([keras.layers.Dropout(dropout)] if dropout else []))


def keras_example_cnn():
    """The classic Keras ``mnist_cnn`` example: two convolutions before any pooling, dense 128."""
    import keras

    layers = keras.layers
    return _convnet(
        _conv(32), _conv(64), layers.MaxPooling2D(pool_size=2), layers.Dropout(0.25),
        layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dropout(0.5),
    )  # fmt: skip


def chollet_cnn():
    """The small convnet of "Deep Learning with Python": three convolutions, dense 64."""
    import keras

    layers = keras.layers
    return _convnet(
        _conv(32), layers.MaxPooling2D(pool_size=2), _conv(64), layers.MaxPooling2D(pool_size=2),
        _conv(64), layers.Flatten(), layers.Dense(64, activation="relu"),
    )  # fmt: skip


def deep_bn_cnn(shift=0.1, turn=0.03):
    """Notebook 5's network: augmentation, five 3 x 3 convolutions with batch norm, flatten.

    The convolutions have 16, 32, 32, 64 and 64 filters, with 2 x 2 max pooling after the
    first, the third and the fifth (28 -> 14 -> 7 -> 3); a dense softmax layer reads the
    3 x 3 x 64 maps.
    """
    import keras

    from mnist_series.training import let_jax_compile

    layers = keras.layers
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.RandomTranslation(shift, shift, fill_mode="constant")(inputs)
    x = layers.RandomRotation(turn, fill_mode="constant")(x)
    for filters, pool in [(16, True), (32, False), (32, True), (64, False), (64, True)]:
        x = layers.Conv2D(filters, kernel_size=3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        if pool:
            x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Flatten()(x)
    return let_jax_compile(keras.Model(inputs, layers.Dense(10, activation="softmax")(x)))


# ---------------------------------------------------------------- optimizers


def one_cycle(peak: float, steps: int, warmup: float = 0.15):
    """A straight climb from 0 to ``peak`` over ``warmup`` of the steps, then a cosine to 0."""
    import keras

    warmup_steps = int(warmup * steps)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        decay_steps=steps - warmup_steps,
        warmup_target=peak,
        warmup_steps=warmup_steps,
    )


@dataclass(frozen=True)
class Optimizer:
    """An optimizer and its learning-rate schedule; called with (epochs, steps per epoch)."""

    kind: str  # a class of keras.optimizers: "SGD", "Adam", "Adadelta", "RMSprop"
    rate: float | None = None  # the (peak) learning rate; None: the class's default
    # "cosine": decay to 0; "one_cycle": see one_cycle()
    schedule: str = "constant"
    momentum: float = 0.0  # SGD only
    nesterov: bool = False  # SGD only
    weight_decay: float | None = None

    def __call__(self, epochs: int, steps_per_epoch: int):
        import keras

        options = {"momentum": self.momentum} if self.kind == "SGD" else {}
        if self.nesterov:
            options["nesterov"] = True
        if self.weight_decay:
            options["weight_decay"] = self.weight_decay
        if self.schedule == "cosine":
            options["learning_rate"] = keras.optimizers.schedules.CosineDecay(
                initial_learning_rate=self.rate, decay_steps=epochs * steps_per_epoch
            )
        elif self.schedule == "one_cycle":
            options["learning_rate"] = one_cycle(self.rate, epochs * steps_per_epoch)
        elif self.rate is not None:
            options["learning_rate"] = self.rate
        return getattr(keras.optimizers, self.kind)(**options)


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Recipe:
    key: str  # the model: a chapter's saved-model name (series.CHAPTERS)
    who: str  # "ours" (the chapter's own recipe), "classic", ...
    label: str  # the recipe in a few words, as the benchmark's table names it
    network: Callable  # () -> an uncompiled Keras model
    optimizer: Optimizer
    epochs: int
    batch_size: int
    train_on: str  # "48k": the first 48,000 training images (the rest held out); "60k": all
    label_smoothing: float = 0.0  # > 0: categorical cross-entropy on one-hot labels

    @property
    def images(self) -> int:
        return TRAINING_IMAGES[self.train_on]

    def steps_per_epoch(self, images: int | None = None) -> int:
        return math.ceil((images or self.images) / self.batch_size)

    def loss(self):
        """The loss to compile with: sparse labels, or one-hot with label smoothing."""
        if not self.label_smoothing:
            return "sparse_categorical_crossentropy"
        import keras

        return keras.losses.CategoricalCrossentropy(label_smoothing=self.label_smoothing)

    def build(self, images: int | None = None):
        """The model, compiled as the recipe says, for ``images`` training images per epoch."""
        model = self.network()
        optimizer = self.optimizer(self.epochs, self.steps_per_epoch(images))
        model.compile(optimizer=optimizer, loss=self.loss(), metrics=["accuracy"])
        return model


RECIPES = (
    Recipe(
        "softmax", "ours", "SGD 0.5, 20 epochs",
        dense_net, Optimizer("SGD", 0.5), 20, 128, "48k",
    ),
    Recipe(
        "softmax", "classic", "SGD 0.01, 200 epochs",
        dense_net, Optimizer("SGD", 0.01), 200, 128, "48k",
    ),
    Recipe(
        "mlp", "ours", "SGD 0.05 + momentum 0.9, 15 epochs",
        partial(dense_net, 2), Optimizer("SGD", 0.05, momentum=0.9), 15, 128, "48k",
    ),
    Recipe(
        "mlp", "classic", "SGD 0.01, 20 epochs",
        partial(dense_net, 2), Optimizer("SGD", 0.01), 20, 128, "48k",
    ),
    Recipe(
        "dropout_mlp", "ours", "dropout 0.2, Adam + cosine, 15 epochs",
        partial(dense_net, 2, 0.2), Optimizer("Adam", 0.001, "cosine"), 15, 128, "60k",
    ),
    Recipe(
        "dropout_mlp", "classic", "dropout 0.3, SGD 0.01, 250 epochs",
        partial(dense_net, 2, 0.3), Optimizer("SGD", 0.01), 250, 128, "48k",
    ),
    Recipe(
        "cnn", "ours", "34,826 parameters, batch 256, Adam + cosine, 12 epochs",
        small_cnn, Optimizer("Adam", 0.006, "cosine"), 12, 256, "48k",
    ),
    Recipe(
        "cnn", "classic", "Keras example: Adadelta 1.0, 12 epochs",
        keras_example_cnn, Optimizer("Adadelta", 1.0), 12, 128, "60k",
    ),
    Recipe(
        "cnn", "fchollet", "small convnet: RMSprop, batch 64, 5 epochs",
        chollet_cnn, Optimizer("RMSprop"), 5, 64, "60k",
    ),
    # Not a classic: notebook 4's earlier recipe, to measure what the larger batch and rate buy.
    Recipe(
        "cnn", "batch 128", "the same CNN at batch 128, Adam 0.002 + cosine",
        small_cnn, Optimizer("Adam", 0.002, "cosine"), 12, 128, "48k",
    ),
    Recipe(
        "cnn_plus", "ours", "5 conv + BN + augmentation, SGD one cycle, 10 epochs",
        deep_bn_cnn,
        Optimizer("SGD", 0.1, "one_cycle", momentum=0.9, nesterov=True, weight_decay=5e-4),
        10, 128, "60k", label_smoothing=0.1,
    ),
)  # fmt: skip


def recipe(key: str, who: str = "ours") -> Recipe:
    """The recipe of model ``key`` (a chapter's saved-model name); ``who="ours"``: the chapter's."""
    for each in RECIPES:
        if (each.key, each.who) == (key, who):
            return each
    known = sorted({(each.key, each.who) for each in RECIPES})
    raise KeyError(f"no recipe ({key!r}, {who!r}); known: {known}")
