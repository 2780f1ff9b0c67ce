"""How fast a notebook runs while a CNN trains beside it, with TensorFlow's intra-op threads set.

``make test`` runs two workers on two cores: while one runs notebooks 0 to 4, the other
trains notebook 5's CNN. This script reproduces that pair: it starts a process that trains
notebook 5's network (its row of ``mnist_series/recipes.py``, on random images) without end,
runs the notebook as Restart & Run All does (``run_notebooks``, nothing stored) with its kernel
given each ``--threads`` value, and reports how long the notebook took and how many
milliseconds a step the CNN took meanwhile. The configurations alternate, so that a shared
host's slow minutes fall on both:

    MNIST_NPZ=/path/to/mnist.npz .venv/bin/python -m tools.beside_a_cnn \\
        notebooks/03_dropout_and_optimizers.ipynb --threads default,1 --repeats 2

Its results, which decide which chapters are ``dense_only`` in ``mnist_series/series.py``
(``tests/nbharness.py``'s ``kernel_threads``), are in ``benchmarks/test-runs.md``; they were
measured beside notebook 5's earlier, three-block network. TensorFlow only: on JAX the
variable does nothing, and on PyTorch the test run sets ``OMP_NUM_THREADS`` instead.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools import ROOT

INTRA_OP = "TF_NUM_INTRAOP_THREADS"
STEPS = 50  # CNN steps between two lines of its log


def train_cnn_forever(log: Path) -> None:
    """Train notebook 5's CNN on random images; log "unix time, CPU seconds" every STEPS steps."""
    import resource

    import keras
    import numpy as np

    from mnist_series import recipes

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((STEPS * 128, 28, 28, 1)).astype("float32")
    y = rng.integers(0, 10, len(x))
    model = recipes.recipe("cnn_plus").network()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x[:1280], y[:1280], batch_size=128, epochs=1, verbose=0)  # traces
    with log.open("w", buffering=1) as out:
        while True:
            model.fit(x, y, batch_size=128, epochs=1, verbose=0)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            out.write(f"{time.time():.2f} {usage.ru_utime + usage.ru_stime:.2f}\n")


def cnn_pace(log: Path, start: float, end: float) -> dict:
    """The CNN's wall and CPU milliseconds a step between ``start`` and ``end``."""
    rows = [tuple(map(float, line.split())) for line in log.read_text().splitlines()]
    inside = [row for row in rows if start <= row[0] <= end]
    if len(inside) < 2:
        raise RuntimeError(f"the CNN logged {len(inside)} lines while the notebook ran")
    steps = (len(inside) - 1) * STEPS
    return {
        "cnn_ms_per_step": round((inside[-1][0] - inside[0][0]) / steps * 1000, 1),
        "cnn_cpu_ms_per_step": round((inside[-1][1] - inside[0][1]) / steps * 1000, 1),
        "cnn_steps": steps,
    }


def run_beside(notebook: Path, threads: str, folder: Path) -> dict:
    """Run ``notebook`` once beside a training CNN, its kernel with ``threads`` (or default)."""
    log = folder / "cnn.log"
    log.unlink(missing_ok=True)
    quiet = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    quiet.pop(INTRA_OP, None)
    cnn = subprocess.Popen(
        [sys.executable, "-m", "tools.beside_a_cnn", "--cnn-log", str(log)],
        cwd=ROOT, env=quiet, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not (log.exists() and log.read_text()):  # traced and training
            if cnn.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the CNN did not start training")
            time.sleep(1)
        env = dict(quiet)
        if threads != "default":
            env[INTRA_OP] = threads
        start = time.time()
        run = subprocess.run(
            [sys.executable, "-m", "tools.run_notebooks", str(notebook),
             "--out", str(folder / "out")],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        end = time.time()
    finally:
        cnn.kill()
        cnn.wait()
    if run.returncode:
        raise RuntimeError(f"{notebook.name} failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    result = {"notebook": notebook.name, "threads": threads, "notebook_s": round(end - start)}
    return result | cnn_pace(log, start, end)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", type=Path)
    parser.add_argument("--threads", default="default,1", help="comma-separated: default, 1, 2")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--cnn-log", type=Path, help=argparse.SUPPRESS)  # the CNN's process
    options = parser.parse_args(argv)
    if options.cnn_log:
        train_cnn_forever(options.cnn_log)
        return 0
    if options.notebook is None:
        parser.error("name a notebook")
    from tools.machine import cpu_model

    print(f"# {cpu_model()}, {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="beside-a-cnn-") as folder:
        for _ in range(options.repeats):
            for threads in options.threads.split(","):
                result = run_beside(options.notebook.resolve(), threads, Path(folder))
                print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
