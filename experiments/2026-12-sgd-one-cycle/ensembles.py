"""Runs that vote: every set of three runs averages its test-set probabilities.

    MNIST_NPZ=... python experiments/2026-12-sgd-one-cycle/ensembles.py FOLDER

FOLDER holds one array of test-set probabilities per seed, named nb-SEED.npy (the model read
plainly) and nb-tta-SEED.npy (read with the notebook's test-time augmentation).
"""

import itertools
import os
import sys
from pathlib import Path

import numpy as np


def main(folder: str) -> None:
    labels = np.load(os.environ["MNIST_NPZ"])["y_test"]

    def read(prefix):
        return {
            int(path.stem.rsplit("-", 1)[1]): np.load(path)
            for path in Path(folder).glob(f"{prefix}-*.npy")
            if path.stem.rsplit("-", 1)[1].isdigit()
            and path.stem.count("-") == prefix.count("-") + 1
        }

    plain, moved = read("nb"), read("nb-tta")

    def accuracy(probabilities):
        return float(np.mean(probabilities.argmax(axis=1) == labels))

    for seed in sorted(plain):
        a, b = accuracy(plain[seed]), accuracy(moved[seed])
        print(
            f"seed {seed}: {a:.4f}, with test-time augmentation {b:.4f} ({round((b - a) * 1e4):+d})"
        )
    for name, runs in [("one run", plain), ("test-time augmentation", moved)]:
        values = [accuracy(p) for p in runs.values()]
        print(f"{name}: min {min(values):.4f}, mean {np.mean(values):.4f}, max {max(values):.4f}")
    trios = [accuracy(sum(plain[s] for s in trio)) for trio in itertools.combinations(plain, 3)]
    print(
        f"three runs voting ({len(trios)} sets): min {min(trios):.4f}, mean"
        f" {np.mean(trios):.4f}, max {max(trios):.4f}"
    )


if __name__ == "__main__":
    main(sys.argv[1])
