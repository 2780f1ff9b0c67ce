"""Test-time augmentation for notebook 5: which moved copies of a digit are worth reading?

Notebook 5 reads each test digit as it is and moved by one pixel in each of four directions
(five reads). Reading costs seconds, training costs minutes, so more reads are a cheap way to
fewer mistakes if they help. This script trains one candidate of
``beyond_99_candidates.py`` (the notebook's recipe by default) with a seed, exactly as that
script does, and scores the trained model with several sets of moves. From this folder:

    python tta_variants.py --seeds 5,42,1,7,3,2,6,4 --out tta_variants.jsonl
    python tta_variants.py --report tta_variants.jsonl

Each seed trains in a fresh process. With MNIST_NPZ set, MNIST comes from that checked copy.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import beyond_99_candidates as candidates  # beside this script: Python puts its folder first

ONE_PIXEL = candidates.SHIFTS[1:]  # the notebook's four one-pixel moves, after (0, 0)
DIAGONAL = [(1, 1), (1, -1), (-1, 1), (-1, -1)]
TWO_PIXELS = [(2, 0), (-2, 0), (0, 2), (0, -2)]

# Each set of moves, as (rows, columns); (0, 0) is the digit as it is.
VARIANTS = {
    "plain": [(0, 0)],
    "5 reads (the notebook)": candidates.SHIFTS,
    "9 reads (3 x 3)": [(0, 0)] + ONE_PIXEL + DIAGONAL,
    "13 reads (3 x 3 and two pixels)": [(0, 0)] + ONE_PIXEL + DIAGONAL + TWO_PIXELS,
}


def moved_probabilities(model, images, moves):
    """``model``'s probabilities for ``images`` moved by each of ``moves``, one array per move."""
    import numpy as np

    return {
        move: model.predict(np.roll(images, move, axis=(1, 2)), batch_size=1000, verbose=0)
        for move in moves
    }


def scores(probabilities, labels, variants=VARIANTS):
    """Accuracy of the mean probabilities over each variant's moves."""
    import numpy as np

    return {
        name: float(
            np.mean(np.mean([probabilities[m] for m in moves], axis=0).argmax(axis=1) == labels)
        )
        for name, moves in variants.items()
    }


def train_and_score(name: str, seed: int) -> dict:
    import keras
    import numpy as np

    recipe = candidates.CANDIDATES[name]
    keras.utils.set_random_seed(seed)
    x_train, y_train, x_test, y_test = candidates.images()
    steps = int(np.ceil(len(x_train) / recipe["batch"]))
    start = time.perf_counter()
    model = candidates.compiled(name, steps)
    model.fit(
        x_train, keras.utils.to_categorical(y_train, 10), batch_size=recipe["batch"],
        epochs=recipe["epochs"], verbose=0,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    moves = sorted({move for variant in VARIANTS.values() for move in variant})
    start = time.perf_counter()
    probabilities = moved_probabilities(model, x_test, moves)
    read_seconds = (time.perf_counter() - start) / len(moves)
    return {
        "name": name,
        "seed": seed,
        "seconds": round(seconds, 1),
        "seconds_per_read": round(read_seconds, 2),
        "accuracy": scores(probabilities, y_test),
    }


def report(path: Path) -> str:
    runs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    lines = [
        "| reads | seeds | min | mean | max | at 99.5 % or more | each seed |",
        "|---|---|---|---|---|---|---|",
    ]
    for variant in VARIANTS:
        values = [run["accuracy"][variant] for run in runs]
        each = ", ".join(f"{run['seed']}: {run['accuracy'][variant]:.4f}" for run in runs)
        spread = [min(values), sum(values) / len(values), max(values)]
        reached = f"{sum(value >= 0.995 for value in values)} of {len(values)}"
        cells = [variant, str(len(values)), *(f"{v:.4f}" for v in spread), reached, each]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", default="nb5_p006", choices=sorted(candidates.CANDIDATES))
    parser.add_argument("--seeds", default="42", help="seeds to train, comma-separated")
    parser.add_argument("--out", type=Path, help="JSON-lines file to append each seed's scores to")
    parser.add_argument("--report", type=Path, help="print the table of such a file and stop")
    parser.add_argument("--child-seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.report or args.child_seed is not None:
        done = (
            report(args.report) if args.report else train_and_score(args.candidate, args.child_seed)
        )
        print(done if args.report else json.dumps(done))
        return 0
    for seed in args.seeds.split(","):
        command = [sys.executable, __file__, "--candidate", args.candidate, "--child-seed", seed]
        line = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        line = line.strip().splitlines()[-1]
        print(line, flush=True)
        if args.out:
            with args.out.open("a") as out:
                out.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
