"""Candidate recipes for notebook 4's CNN: epochs and seconds to 99 % test accuracy, over seeds.

A finished experiment (notes.md): can notebook 4's CNN reach its floor (99 %) sooner, so that it
beats the classic Keras example by ten times or more, without a worse spread over seeds? The network
stays the chapter's (``recipes.small_cnn``); the candidates change the batch size, the peak
learning rate and the length of the cosine schedule. Each run trains on the first 48,000
training images as the benchmark does, measures test accuracy after every epoch (the clock
paused meanwhile) and records the first epoch that reaches the floor, one process per run.

    python cnn_candidates.py --run nb4 e6 --seeds 42,1,2 --out /tmp/cnn.jsonl   # from this folder
    python cnn_candidates.py --report cnn_candidates.jsonl

"nb4" is the chapter's recipe, read from the recipes table, so it cannot drift from it.
With MNIST_NPZ set, MNIST comes from that checked copy, as in the tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from mnist_series import recipes, series
from tools.machine import cpu_model

NB4 = recipes.recipe("cnn")
FLOOR = series.floor_of("04_convolutional_network.ipynb")


def candidate(epochs: int, batch: int, peak: float) -> recipes.Recipe:
    """Notebook 4's network and optimizer (Adam, cosine decay to 0) with other numbers."""
    optimizer = dataclasses.replace(NB4.optimizer, rate=peak)
    return dataclasses.replace(
        NB4, who="candidate", optimizer=optimizer, epochs=epochs, batch_size=batch
    )


CANDIDATES = {
    "nb4": NB4,  # 12 epochs, batch 256, peak 0.006
    "e6": candidate(6, 256, 0.006),  # a shorter schedule: small steps come sooner
    "e8": candidate(8, 256, 0.006),
    "b128": candidate(12, 128, 0.004),  # twice the updates per epoch
    "b128_e6": candidate(6, 128, 0.003),
}


def describe(recipe: recipes.Recipe) -> str:
    return f"{recipe.epochs} epochs, batch {recipe.batch_size}, peak {recipe.optimizer.rate}"


def train(name: str, seed: int) -> dict:
    """Train candidate ``name`` with ``seed`` in this process, an epoch at a time."""
    import keras

    npz = os.environ.get("MNIST_NPZ")
    if npz:
        from mnist_series import offline_mnist

        offline_mnist.install(npz)
    recipe = CANDIDATES[name]
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train.reshape(-1, 28, 28, 1).astype("float32")[: recipe.images] / 255
    y_train = y_train[: recipe.images]  # the last 12,000 are the chapter's validation set
    x_test = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255
    model = recipe.build()
    accuracies, seconds = [], []
    for _ in range(recipe.epochs):
        start = time.perf_counter()
        model.fit(x_train, y_train, batch_size=recipe.batch_size, epochs=1, verbose=0)
        seconds.append(time.perf_counter() - start)
        accuracies.append(float(model.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1]))
    return summary(name, seed, accuracies, seconds)


def summary(name: str, seed: int, accuracies: list[float], seconds: list[float]) -> dict:
    first = next((i + 1 for i, a in enumerate(accuracies) if a >= FLOOR), None)
    return {
        "name": name,
        "seed": seed,
        "first_at_floor": first,  # the epoch, counted from 1; None: never
        "seconds_to_floor": round(sum(seconds[:first]), 1) if first else None,
        "final": round(accuracies[-1], 4),
        "accuracies": [round(a, 4) for a in accuracies],
        "seconds": [round(s, 1) for s in seconds],
        "cpu": cpu_model(),
    }


def in_child(name: str, seed: int) -> dict:
    command = [sys.executable, __file__, "--child", name, str(seed)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(path: Path) -> str:
    runs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    lines = [
        f"| candidate | recipe | seeds | epochs to {FLOOR * 100:.1f} % (each seed) | seconds to"
        " it (each seed) | final test accuracy: min | mean | max | an epoch (median) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in dict.fromkeys(run["name"] for run in runs):
        mine = [run for run in runs if run["name"] == name]
        finals = [run["final"] for run in mine]
        every = [s for run in mine for s in run["seconds"]]
        firsts = ", ".join(f"{run['seed']}: {run['first_at_floor'] or 'never'}" for run in mine)
        times = ", ".join(
            f"{run['seconds_to_floor']:.0f} s" if run["seconds_to_floor"] else "-" for run in mine
        )
        lines.append(
            f"| {name} | {describe(CANDIDATES[name])} | {len(mine)} | {firsts} | {times} |"
            f" {min(finals):.4f} | {sum(finals) / len(finals):.4f} | {max(finals):.4f} |"
            f" {sorted(every)[len(every) // 2]:.1f} s |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs="+", metavar="NAME", help=" ".join(CANDIDATES))
    parser.add_argument("--seeds", default="42", help="comma-separated seeds")
    parser.add_argument("--out", type=Path, help="append each run as a JSON line")
    parser.add_argument("--report", type=Path, help="summarise a JSON-lines file")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(train(args.child[0], int(args.child[1]))))
        return 0
    if args.report:
        print(report(args.report))
        return 0
    # Seed by seed, so that one seed's candidates meet the machine in about the same state;
    # each run is written as it ends (line-buffered), so a sweep cut short keeps its runs.
    with args.out.open("a", buffering=1) if args.out else open(os.devnull, "w") as out:
        for seed in [int(seed) for seed in args.seeds.split(",")]:
            for name in args.run or []:
                line = json.dumps(in_child(name, seed))
                print(line, flush=True)
                print(line, file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
