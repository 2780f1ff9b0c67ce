"""Summarise results.jsonl: min / mean / max test accuracy per setting, over seeds.

python experiments/2026-12-sgd-one-cycle/summarise.py
"""

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


def main():
    runs = [json.loads(line) for line in (HERE / "results.jsonl").read_text().splitlines()]
    settings = {}
    for run in runs:
        key = (run["shape"], run["epochs"], run.get("images", 60000), run.get("optimizer", "sgd"))
        settings.setdefault(key, {})[run["seed"]] = run  # a repeated seed: the last run counts
    for key, by_seed in settings.items():
        accuracies = [run["accuracy"] for run in by_seed.values()]
        seconds = [run["seconds"] for run in by_seed.values()]
        print(
            f"{key}: {len(accuracies)} seeds, min {min(accuracies):.4f}, mean"
            f" {np.mean(accuracies):.4f}, max {max(accuracies):.4f};"
            f" training {min(seconds):.0f} to {max(seconds):.0f} s"
        )
        tta = [run["tta_accuracy"] for run in by_seed.values() if "tta_accuracy" in run]
        if tta:
            gains = [
                round((r["tta_accuracy"] - r["accuracy"]) * 10000)
                for r in by_seed.values()
                if "tta_accuracy" in r
            ]
            print(
                f"  with test-time augmentation ({len(tta)} seeds): min {min(tta):.4f}, mean"
                f" {np.mean(tta):.4f}, max {max(tta):.4f}; mistakes saved {sorted(gains)}"
            )


if __name__ == "__main__":
    main()
