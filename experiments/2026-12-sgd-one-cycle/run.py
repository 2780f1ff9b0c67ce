"""Notebook 5's candidate recipe: a five-convolution network, SGD with Nesterov momentum and
weight decay, a one-cycle schedule. One seed per process, one JSON line per run:

    python experiments/2026-12-sgd-one-cycle/run.py SEED [EPOCHS] [SHAPE] [OPTIMIZER] [IMAGES] \
        >> results.jsonl

SHAPE is "cosine" (linear warm-up over 15 % of the steps, cosine decay to 0: Keras's own
CosineDecay) or "linear" (linear warm-up, linear decay to 0). OPTIMIZER is "sgd" (Nesterov
momentum 0.9, weight decay 5e-4, peak 0.1) or "adam" (no weight decay, peak 0.006, the peak of
notebook 5's earlier Adam recipe). IMAGES is 60000 (all) or 48000 (the first 48,000, as
notebook 4 trains).
With MNIST_NPZ set, MNIST comes from that checked copy, as in the tests.
"""

import json
import os
import sys
import time

import keras
import numpy as np

from mnist_series import offline_mnist


class LinearOneCycle(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, peak, steps, warmup):
        self.peak, self.steps, self.warmup = peak, steps, warmup

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        up = self.peak * step / self.warmup
        down = self.peak * (self.steps - step) / (self.steps - self.warmup)
        return keras.ops.maximum(keras.ops.where(step < self.warmup, up, down), 0.0)


def network():
    layers = keras.layers
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.RandomTranslation(0.1, 0.1, fill_mode="constant")(inputs)
    x = layers.RandomRotation(0.03, fill_mode="constant")(x)
    for filters, pool in [(16, True), (32, False), (32, True), (64, False), (64, True)]:
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        if pool:
            x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


def main(seed, epochs=9, shape="cosine", optimizer="sgd", images=60000):
    peak = 0.1 if optimizer == "sgd" else 0.006
    if os.environ.get("MNIST_NPZ"):
        offline_mnist.install(os.environ["MNIST_NPZ"])
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255
    x_test = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255
    x_train, y_train = x_train[:images], y_train[:images]
    steps = epochs * int(np.ceil(len(x_train) / 128))
    warmup = int(0.15 * steps)
    if shape == "cosine":
        schedule = keras.optimizers.schedules.CosineDecay(
            0.0, decay_steps=steps - warmup, warmup_target=peak, warmup_steps=warmup
        )
    else:
        schedule = LinearOneCycle(peak, steps, warmup)
    keras.utils.set_random_seed(seed)
    model = network()
    if optimizer == "sgd":
        chosen = keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True, weight_decay=5e-4)
    else:
        chosen = keras.optimizers.Adam(schedule)
    model.compile(
        optimizer=chosen,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    model.fit(
        x_train, keras.utils.to_categorical(y_train, 10), batch_size=128, epochs=epochs, verbose=0
    )
    seconds = time.perf_counter() - start
    probabilities = model.predict(x_test, batch_size=1000, verbose=0)
    predicted = probabilities.argmax(axis=1)
    if os.environ.get("PROBABILITIES"):  # a folder: keep the answers, for ensembles of runs
        name = f"{shape}-{epochs}-{seed}" + (
            "" if (optimizer, images) == ("sgd", 60000) else f"-{optimizer}-{images}"
        )
        np.save(f"{os.environ['PROBABILITIES']}/{name}.npy", probabilities)
    moved = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]  # notebook 5's test-time augmentation
    averaged = np.mean(
        [model.predict(np.roll(x_test, m, axis=(1, 2)), batch_size=1000, verbose=0) for m in moved],
        axis=0,
    )
    print(
        json.dumps(
            {
                "seed": seed,
                "epochs": epochs,
                "shape": shape,
                "peak": peak,
                "optimizer": optimizer,
                "images": images,
                "seconds": round(seconds, 1),
                "accuracy": float(np.mean(predicted == y_test)),
                "tta_accuracy": float(np.mean(averaged.argmax(axis=1) == y_test)),
                "parameters": model.count_params(),
            }
        )
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    extra = args[2:5]
    if len(extra) > 2:
        extra[2] = int(extra[2])
    main(int(args[0]), int(args[1]) if len(args) > 1 else 9, *extra)
