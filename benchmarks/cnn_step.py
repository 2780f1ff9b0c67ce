"""Milliseconds per training step of notebook 4's CNN, on whichever backend runs this script.

Why is the CNN about five times slower on JAX than on TensorFlow on a CPU? This
times one configuration per process (batches of 256, after a warm-up epoch
that traces and compiles), so that backends, XLA and XLA's flags can be
compared one after the other on the same machine:

    .venv/bin/python benchmarks/cnn_step.py                        # TensorFlow (oneDNN)
    .venv/bin/python benchmarks/cnn_step.py --jit                  # TensorFlow through XLA
    KERAS_BACKEND=jax .venv-jax/bin/python benchmarks/cnn_step.py  # JAX (always XLA)
    XLA_FLAGS=--xla_cpu_use_onednn=true KERAS_BACKEND=jax .venv-jax/bin/python \\
        benchmarks/cnn_step.py

Each run prints one JSON line; benchmarks/backends.md has the results. The
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
    return {
        "backend": keras.backend.backend(),
        "xla": jit or keras.backend.backend() == "jax",
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "batch_size": batch_size,
        "ms_per_step": round(per_step * 1000, 1),
        "seconds_per_epoch_of_48000": round(per_step * -(-48_000 // batch_size), 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jit", action="store_true", help="TensorFlow: compile with XLA")
    parser.add_argument("--steps", type=int, default=30, help="timed steps (default 30)")
    args = parser.parse_args(argv)
    print(json.dumps(measure(steps=args.steps, jit=args.jit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
