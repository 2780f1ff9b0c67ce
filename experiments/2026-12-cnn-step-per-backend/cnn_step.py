"""Milliseconds per training step of notebook 4's CNN, on whichever backend runs this script.

Why is the CNN about five times slower on JAX than on TensorFlow on a CPU? This
times one configuration per process (batches of 256, after a warm-up epoch
that traces and compiles), so that backends, XLA and XLA's flags can be
compared one after the other on the same machine:

    .venv/bin/python cnn_step.py                        # TensorFlow (oneDNN)
    .venv/bin/python cnn_step.py --jit                  # TensorFlow through XLA
    KERAS_BACKEND=jax .venv-jax/bin/python cnn_step.py  # JAX (always XLA)
    XLA_FLAGS=--xla_cpu_use_onednn=true KERAS_BACKEND=jax .venv-jax/bin/python \\
        cnn_step.py
    KERAS_BACKEND=torch .venv-torch/bin/python cnn_step.py          # PyTorch, eager
    KERAS_BACKEND=torch .venv-torch/bin/python cnn_step.py --jit    # torch.compile
    .venv-torch/bin/python cnn_step.py --plain-torch   # the same step without Keras

--plain-torch writes the network, the loss and Adam's step in PyTorch alone (channels
last in memory, as Keras's torch backend keeps them): the reference that tells Keras's cost
on PyTorch from PyTorch's own.

Each run prints one JSON line; notes.md has the results. The
images are random: only the time matters here, not what the network learns.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def measure(steps: int = 30, batch_size: int = 256, jit: bool = False) -> dict:
    import keras
    import numpy as np

    from mnist_series import recipes

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((batch_size * steps, 28, 28, 1)).astype("float32")
    y = rng.integers(0, 10, len(x))
    model = recipes.small_cnn()
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=jit or "auto"
    )
    warm = min(len(x), batch_size * 10)
    model.fit(x[:warm], y[:warm], batch_size=batch_size, epochs=1, verbose=0)  # traces
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    per_step = (time.perf_counter() - start) / steps
    backend = keras.backend.backend()
    return {
        "backend": backend,
        "xla": backend == "jax" or (jit and backend == "tensorflow"),
        "torch_compile": jit and backend == "torch",
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "batch_size": batch_size,
        "ms_per_step": round(per_step * 1000, 1),
        "seconds_per_epoch_of_48000": round(per_step * -(-48_000 // batch_size), 1),
    }


def measure_plain_torch(steps: int = 30, batch_size: int = 256) -> dict:
    """The same network and training step in PyTorch without Keras."""
    import numpy as np
    import torch
    from torch import nn

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((batch_size * steps, 1, 28, 28)).astype("float32"))
    x = x.contiguous(memory_format=torch.channels_last)
    y = torch.from_numpy(rng.integers(0, 10, len(x)))
    # 28 -> conv 26 -> pool 13 -> conv 11 -> pool 5: 5 * 5 * 64 features, 34,826 weights
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(5 * 5 * 64, 10),
    ).to(memory_format=torch.channels_last)  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()  # on the scores: the softmax is inside the loss

    def train(batches: int) -> None:
        for i in range(batches):
            batch = slice(i * batch_size, (i + 1) * batch_size)
            optimizer.zero_grad()
            loss_fn(model(x[batch]), y[batch]).backward()
            optimizer.step()

    train(min(steps, 10))  # warm-up, as for Keras
    start = time.perf_counter()
    train(steps)
    per_step = (time.perf_counter() - start) / steps
    return {
        "backend": "plain torch",
        "xla": False,
        "torch_compile": False,
        "threads": torch.get_num_threads(),
        "batch_size": batch_size,
        "ms_per_step": round(per_step * 1000, 1),
        "seconds_per_epoch_of_48000": round(per_step * -(-48_000 // batch_size), 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jit", action="store_true", help="jit_compile=True (XLA on TensorFlow, torch.compile)"
    )
    parser.add_argument(
        "--plain-torch", action="store_true", help="the same step in PyTorch, without Keras"
    )
    parser.add_argument("--steps", type=int, default=30, help="timed steps (default 30)")
    args = parser.parse_args(argv)
    if args.plain_torch:
        print(json.dumps(measure_plain_torch(steps=args.steps)))
    else:
        print(json.dumps(measure(steps=args.steps, jit=args.jit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
