"""Time to accuracy: the series' recipes against the classic recipes they descend from.

For each model of the series this trains, on this machine, the recipe in our
notebook and the classic one it descends from (for the CNN, two classics, and
also the notebook's earlier batch-128 recipe, to measure what the larger batch and rate buy).
After every epoch it measures test accuracy (the clock is paused meanwhile),
and reports:

- epochs and training seconds until test accuracy first reaches the
  notebook's floor (or "never", with the best accuracy reached);
- final test accuracy and peak resident memory of the run;
- the ratio classic / ours of the seconds to the floor. When the classic
  recipe never gets there, the ratio is at least its whole training time
  divided by ours, and is reported as such ("> N x").

Each run happens in its own Python process, so that peak memory belongs to
that run alone and one run's leftovers cannot slow the next. The recipes of one
model train in turns, one epoch each, while the others wait: a shared machine
that slows down or speeds up during the run then affects both sides of a
comparison, instead of favouring whichever ran at the better moment (not always
in equal shares: see the README).

    python benchmarks/time_to_accuracy.py              # everything, ~30 min on 2 cores
    python benchmarks/time_to_accuracy.py --quick      # 1 epoch on a subset: checks it runs
    python benchmarks/time_to_accuracy.py --quick --out /tmp/tta
    python benchmarks/time_to_accuracy.py --only softmax cnn
    python benchmarks/time_to_accuracy.py --only cnn --keep benchmarks/results.json
    python benchmarks/time_to_accuracy.py --render benchmarks/results.json  # redraw only
    python benchmarks/time_to_accuracy.py --backends tensorflow jax torch   # ~30 min
    python benchmarks/time_to_accuracy.py --backends tensorflow jax torch --only cnn

The full run writes benchmarks/results.md and benchmarks/results.png (or the
files named by --out).

With --backends, it trains instead our recipe of each model on each of the named
Keras backends, the backends of one model in turns (an epoch each), each until
test accuracy reaches the notebook's floor on that backend (the rest of the run
would measure nothing new), and reports the training time to the floor, the first
epoch (which includes JAX's and TensorFlow's compilation) and the later epochs.
Each backend runs in its own environment's Python: .venv (TensorFlow), .venv-jax
and .venv-torch, as `make setup BACKEND=...` builds them. Its rows go to
backends.json beside results.json, and results.md shows both tables.

With --keep, a run of some models (--only) keeps the other models' rows from a
stored results.json, and the table says which rows were measured on which day.
With MNIST_NPZ set, MNIST comes from that checked copy, as in the tests;
otherwise Keras loads (and if needed downloads) it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from mnist_series import offline_mnist, recipes, series
from mnist_series.recipes import Recipe
from tools import ROOT
from tools.machine import backend_version, cpu_model

# Every recipe, ours and the classics, comes from the one table in mnist_series/recipes.py:
# this script builds no model of its own.
RECIPES = recipes.RECIPES

# Whose floor applies to each of our models, and which classic runs it is compared with
# (judged against our model's floor): both from the series table, mnist_series/series.py.
NOTEBOOK_OF = {chapter.name: chapter.notebook for chapter in series.CHAPTERS if chapter.name}
CLASSIC_OF = {c.name: list(c.compared_with) for c in series.CHAPTERS if c.name}


def epochs_of(recipe: Recipe, quick: bool):
    """Set up one recipe, then train it an epoch at a time.

    Yields the model once set up, then (training seconds, test accuracy) after each epoch;
    returns the run's parameter count.
    """
    import keras

    keras.utils.set_random_seed(42)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    image = recipe.key.startswith("cnn")
    shape = (-1, 28, 28, 1) if image else (-1, 784)
    x_train = x_train.reshape(shape).astype("float32") / 255
    x_test = x_test.reshape(shape).astype("float32") / 255
    x_train, y_train = x_train[: recipe.images], y_train[: recipe.images]  # 48k: last 12k held out
    epochs = recipe.epochs
    if quick:
        x_train, y_train, x_test, y_test = (
            x_train[:2000],
            y_train[:2000],
            x_test[:1000],
            y_test[:1000],
        )
        epochs = 1
    model = recipe.build(images=len(x_train))  # the schedule counts this run's batches
    if recipe.label_smoothing:  # label smoothing needs one-hot labels
        y_train = keras.utils.to_categorical(y_train, 10)
        y_test = keras.utils.to_categorical(y_test, 10)

    yield model
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x_train, y_train, batch_size=recipe.batch_size, epochs=1, verbose=0)
        seconds = time.perf_counter() - start
        yield seconds, float(model.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1])
    return model.count_params()


def result_of(recipe: Recipe, per_epoch: list[tuple[float, float]], parameters: int) -> dict:
    import keras

    elapsed = [sum(seconds for seconds, _ in per_epoch[: i + 1]) for i in range(len(per_epoch))]
    return {
        "key": recipe.key,
        "who": recipe.who,
        "backend": keras.backend.backend(),
        "version": backend_version(),
        "accuracies": [accuracy for _, accuracy in per_epoch],
        "elapsed": elapsed,
        "parameters": parameters,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "date": date.today().isoformat(),
        "cpu": cpu_model(),
    }


def train_one(recipe: Recipe, quick: bool) -> dict:
    """Train one recipe in this process, all epochs in a row; return its measurements."""
    run = epochs_of(recipe, quick)
    next(run)
    per_epoch = []
    while True:
        try:
            per_epoch.append(next(run))
        except StopIteration as stop:
            return result_of(recipe, per_epoch, stop.value)


def child(recipe: Recipe, quick: bool, stop_at: float | None = None) -> None:
    """Run as a child process: train one epoch for each "go" line read from stdin.

    Answers on stdout, each line starting with PROTOCOL (anything else there, such as
    Keras's download messages, is not for the parent): "ready" once set up, then a JSON
    line per epoch, and the result after the last, or as soon as test accuracy reaches
    ``stop_at`` when it is given.
    """
    run = epochs_of(recipe, quick)
    model = next(run)
    print(PROTOCOL + "ready", flush=True)
    per_epoch = []
    while sys.stdin.readline().strip() == "go":
        try:
            per_epoch.append(next(run))
        except StopIteration as stop:
            print(PROTOCOL + json.dumps(result_of(recipe, per_epoch, stop.value)), flush=True)
            return
        if stop_at is not None and per_epoch[-1][1] >= stop_at:
            result = result_of(recipe, per_epoch, model.count_params())
            print(PROTOCOL + json.dumps(result), flush=True)
            return
        print(PROTOCOL + json.dumps(per_epoch[-1]), flush=True)


def reached(result: dict, floor: float) -> dict | None:
    """The first epoch (and training seconds) at which test accuracy reached ``floor``."""
    for epoch, (accuracy, seconds) in enumerate(
        zip(result["accuracies"], result["elapsed"], strict=True), 1
    ):
        if accuracy >= floor:
            return {"epoch": epoch, "seconds": seconds}
    return None


PROTOCOL = "@tta "


VENVS = {"tensorflow": ".venv", "jax": ".venv-jax", "torch": ".venv-torch"}  # as the Makefile


def python_for(backend: str | None) -> str:
    """The Python that runs Keras on ``backend``: this one for this process's own backend
    (or for None), else that backend's environment in the repository (see the Makefile)."""
    import keras

    if backend is None or backend == keras.backend.backend():
        return sys.executable
    python = ROOT / VENVS[backend] / "bin" / "python"
    if not python.exists():
        raise SystemExit(
            f"no {VENVS[backend]} for the {backend} backend: `make setup BACKEND={backend}` "
            "builds it"
        )
    return str(python)


class Child:
    """One recipe training in its own process, an epoch at a time on request.

    ``backend``: run Keras on that backend (None: this process's); ``stop_at``: end the run
    as soon as test accuracy reaches it.
    """

    def __init__(
        self,
        recipe: Recipe,
        quick: bool,
        backend: str | None = None,
        stop_at: float | None = None,
    ):
        self.recipe = recipe
        self.name = f"{recipe.key}/{recipe.who}" + (f" on {backend}" if backend else "")
        self.log = tempfile.TemporaryFile(mode="w+")  # TensorFlow's start-up lines
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        if backend:
            env["KERAS_BACKEND"] = backend
        self.process = subprocess.Popen(
            [python_for(backend), __file__, "--child", f"{recipe.key}:{recipe.who}"]
            + (["--quick"] if quick else [])
            + (["--stop-at", str(stop_at)] if stop_at is not None else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
        )
        self.result = None

    def answer(self) -> str:
        while line := self.process.stdout.readline():
            if line.startswith(PROTOCOL):
                return line[len(PROTOCOL) :].strip()
        self.process.wait()
        self.log.seek(0)
        raise RuntimeError(f"{self.name} failed:\n{self.log.read()[-3000:]}")

    def step(self) -> None:
        """Train one more epoch; after the last, collect the result and let the child end."""
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        answer = json.loads(self.answer())
        if isinstance(answer, dict):
            self.result = answer
            self.process.stdin.close()
            self.process.wait()


def run_in_turns(chosen: list[Recipe], quick: bool = False) -> list[dict]:
    """Train the recipes in separate processes, one epoch each in turn, until all are done."""
    return in_turns([Child(recipe, quick) for recipe in chosen])


def backends_in_turns(recipe: Recipe, backends: list[str], quick: bool = False) -> list[dict]:
    """Train ``recipe`` on each backend in its own process, one epoch each in turn, each until
    it reaches its notebook's floor on that backend (or its epochs run out)."""
    notebook = NOTEBOOK_OF[recipe.key]
    return in_turns(
        [Child(recipe, quick, b, stop_at=series.floor_of(notebook, b)) for b in backends]
    )


def in_turns(children: list[Child]) -> list[dict]:
    for each in children:  # all set up (data loaded, model built) before any epoch starts
        if each.answer() != "ready":
            raise RuntimeError(f"{each.name} did not start")
    while any(each.result is None for each in children):
        for each in children:
            if each.result is None:
                each.step()
    return [each.result for each in children]


def ratio_text(ours: dict, other: dict, floor: float) -> str:
    """How many times longer the other recipe takes to reach ``floor`` than ours."""
    mine, theirs = reached(ours, floor), reached(other, floor)
    if mine is None:
        return "ours never reached the floor"
    if theirs is None:
        bound = other["elapsed"][-1] / mine["seconds"]
        if bound < 1:
            return "never reached (its whole run is shorter than ours to the floor)"
        return f"> {bound:.1f} x (never reached)"
    return f"{theirs['seconds'] / mine['seconds']:.1f} x"


def reached_text(result: dict, floor: float) -> tuple[str, str]:
    hit = reached(result, floor)
    if hit is None:
        return "never", f"never (best {max(result['accuracies']):.4f})"
    return str(hit["epoch"]), f"{hit['seconds']:.0f} s"


def machine(cpu: str | None = None) -> str:
    """Cores, CPU (this machine's, or ``cpu``; "": none named) and the software versions."""
    import keras
    import numpy

    cpu = cpu_model() if cpu is None else cpu
    cpu = f" ({cpu})" if cpu else ""
    return (
        f"{os.cpu_count()} cores{cpu}, Python {platform.python_version()}, "
        f"{backend_version()}, Keras {keras.__version__}, NumPy {numpy.__version__}"
    )


def floor_of(key: str) -> float:
    return series.FLOORS[NOTEBOOK_OF[key]]


def rows(results: list[dict]) -> list[tuple[str, str, str, dict, float, str]]:
    """(model, who, recipe, result, floor, ratio) for each line of the table.

    Each of our models is followed by the classic runs it is compared with,
    judged against our model's floor; a classic run may appear more than once.
    """
    by_key = {(r.key, r.who): r for r in RECIPES}
    by = {(r["key"], r["who"]): r for r in results}
    lines = []
    for (key, who), result in by.items():
        if who != "ours":
            continue
        floor = floor_of(key)
        lines.append((key, who, by_key[(key, who)].label, result, floor, "1 (reference)"))
        for other in CLASSIC_OF[key]:
            if other in by:
                ratio = ratio_text(result, by[other], floor)
                lines.append((*other, by_key[other].label, by[other], floor, ratio))
    return lines


def one_cpu(results: list[dict]) -> str | None:
    """The CPU that every result records, "" if they differ (when() names each), None if none
    does (an older results.json: the machine rendering the table is named)."""
    cpus = {result.get("cpu") for result in results}
    if cpus == {None}:
        return None
    return cpus.pop() if len(cpus) == 1 else ""


def when(results: list[dict]) -> str:
    """The day of the run, or, for rows kept from earlier runs, which models ran on which day
    (and on which CPU, where the run recorded it)."""
    days: dict[tuple[str, str], list[str]] = {}
    for result in results:
        run = (result.get("date", date.today().isoformat()), result.get("cpu", ""))
        keys = days.setdefault(run, [])
        if result["key"] not in keys:
            keys.append(result["key"])
    if len(days) == 1:
        return next(iter(days))[0]
    return "; ".join(
        f"{day} ({', '.join(keys)}{'; ' + cpu if cpu else ''})"
        for (day, cpu), keys in sorted(days.items())
    )


def table(results: list[dict], quick: bool) -> str:
    by_key = {(r.key, r.who): r for r in RECIPES}
    lines = [
        "| model | recipe | trained on | floor | epochs to floor | training time to floor "
        "| final test accuracy | peak memory | classic / ours |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, who, label, result, floor, ratio in rows(results):
        epochs, seconds = reached_text(result, floor)
        trained_on = by_key[(key, who)].train_on.replace("k", ",000")
        lines.append(
            f"| {key} ({who}) | {label} | {trained_on} | {floor:.3f} | {epochs} | {seconds} "
            f"| {result['accuracies'][-1]:.4f} | {result['peak_rss_mib']:.0f} MiB | {ratio} |"
        )
    mode = "QUICK MODE (1 epoch, 2,000 images): not a measurement. " if quick else ""
    return (
        "# Time to accuracy: our recipes against the classic ones\n\n"
        f"{mode}Measured by `benchmarks/time_to_accuracy.py` on {when(results)}, "
        f"on {machine(cpu=one_cpu(results))}.\n\n"
        "Test accuracy is measured after every epoch (not counted in the training time). "
        "*Training time to floor* is the training time until test accuracy first reaches "
        "the floor that the tests enforce for our model's notebook. When a classic recipe "
        "never reaches it, the ratio is a lower bound: its whole training time divided by ours "
        "to the floor. Each run is a separate process; peak memory is its maximum resident "
        "set. One run of each, seed 42: differences of a few percent in time are noise.\n\n"
        + "\n".join(lines)
        + "\n"
    )


def epoch_seconds(result: dict) -> list[float]:
    """The training seconds of each epoch (``elapsed`` is cumulative)."""
    elapsed = [0.0, *result["elapsed"]]
    return [b - a for a, b in zip(elapsed, elapsed[1:], strict=False)]


def backend_table(results: list[dict], quick: bool) -> str:
    """The backends side by side: for each model, each backend's time to its floor."""
    import keras
    import numpy

    lines = [
        "| model | backend | floor | epochs to floor | training time to floor | first epoch "
        "| later epochs (median) | peak memory | time to floor / TensorFlow's |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key in dict.fromkeys(r["key"] for r in results):
        runs = [r for r in results if r["key"] == key]
        floors = {r["backend"]: series.floor_of(NOTEBOOK_OF[key], r["backend"]) for r in runs}
        tensorflow = next((r for r in runs if r["backend"] == "tensorflow"), None)
        for result in runs:
            floor = floors[result["backend"]]
            epochs, seconds = reached_text(result, floor)
            each = epoch_seconds(result)
            later = f"{statistics.median(each[1:]):.1f} s" if len(each) > 1 else "-"
            ratio = "-"
            if result is tensorflow:
                ratio = "1 (reference)"
            elif tensorflow is not None and floor != floors["tensorflow"]:
                ratio = "- (another floor)"  # times to different targets do not compare
            elif tensorflow is not None:
                mine, theirs = reached(result, floor), reached(tensorflow, floor)
                if mine and theirs:
                    ratio = f"{mine['seconds'] / theirs['seconds']:.1f} x"
            lines.append(
                f"| {key} | {result['version']} | {floor:.3f} | {epochs} | {seconds} "
                f"| {each[0]:.1f} s | {later} | {result['peak_rss_mib']:.0f} MiB | {ratio} |"
            )
    cpu = one_cpu(results)
    mode = "QUICK MODE (1 epoch, 2,000 images): not a measurement. " if quick else ""
    return (
        "## The backends side by side\n\n"
        f"{mode}Measured by `benchmarks/time_to_accuracy.py --backends` on {when(results)}, "
        f"on {os.cpu_count()} cores{f' ({cpu})' if cpu else ''}, Python "
        f"{platform.python_version()}, Keras {keras.__version__}, NumPy {numpy.__version__}.\n\n"
        "Our recipe of each model, on each Keras backend in its own process, the backends "
        "of one model in turns (an epoch each), each run ending as soon as test accuracy "
        "reaches the notebook's floor on that backend (where a backend has a floor of its own, "
        "its time is not compared with TensorFlow's). The first epoch includes the time "
        "JAX and TensorFlow spend compiling the training step; the later epochs show the "
        "speed that remains. One run of each, seed 42.\n\n" + "\n".join(lines) + "\n"
    )


def document(results: list[dict], backend_results: list[dict], quick: bool) -> str:
    """results.md: the recipes against the classics, then the backends side by side."""
    parts = [table(results, quick)] if results else []
    if backend_results:
        parts.append(backend_table(backend_results, quick))
    return "\n".join(parts)


def stored(path: Path) -> list[dict]:
    return json.loads(path.read_text()) if path.exists() else []


def chart(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = rows(results)
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(lines) + 1.6))
    colours = {"ours": "C0", "classic": "C3", "fchollet": "C1", "batch 128": "C7"}
    for row, (_, who, _, result, floor, _) in enumerate(lines):
        hit = reached(result, floor)
        if hit is not None:
            ax.barh(row, hit["seconds"], color=colours[who])
            ax.text(hit["seconds"], row, f" {hit['seconds']:.0f} s", va="center", fontsize=8)
        else:
            total = result["elapsed"][-1]
            ax.barh(row, total, color="white", edgecolor=colours[who], hatch="//")
            best = max(result["accuracies"])
            text = f" never: best {best:.2%} in {total:.0f} s"
            ax.text(total, row, text, va="center", fontsize=8)
    ax.set_yticks(range(len(lines)), [f"{k} ({w}) to {f:.1%}" for k, w, _, _, f, _ in lines])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("training seconds until test accuracy first reaches the floor (log scale)")
    ax.set_title(f"Time to accuracy on {os.cpu_count()} CPU cores", fontsize=10)
    ax.set_xlim(right=ax.get_xlim()[1] * 10)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 epoch on 2,000 images")
    parser.add_argument(
        "--only", nargs="+", metavar="MODEL", help="softmax mlp dropout cnn cnn_plus"
    )
    parser.add_argument("--out", type=Path, help="folder for results.md and results.png")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="JSON",
        help="with --only: keep the other models' rows from a stored run's results.json",
    )
    parser.add_argument(
        "--render",
        type=Path,
        metavar="JSON",
        help="only redraw results.md and results.png from a stored run's results.json",
    )
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=series.BACKENDS,
        help="our recipes on these Keras backends, side by side, each to its floor",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--stop-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    npz = os.environ.get(offline_mnist.ENV_VAR)
    if npz:
        offline_mnist.install(npz)
    if args.child:
        key, who = args.child.split(":")
        recipe = next(r for r in RECIPES if (r.key, r.who) == (key, who))
        child(recipe, args.quick, args.stop_at)
        return 0

    if args.render:
        results = json.loads(args.render.read_text())
        out = args.out or args.render.parent
        backend_results = stored(args.render.parent / "backends.json")
        (out / "results.md").write_text(document(results, backend_results, quick=False))
        chart(results, out / "results.png")
        print(f"redrew {out / 'results.md'} and results.png from {args.render}")
        return 0
    if args.backends:
        return side_by_side(args, parser)

    known = {r.key for r in RECIPES}
    chosen = [r for r in RECIPES if not args.only or r.key in args.only]
    if args.only and not set(args.only) <= known:
        parser.error(f"--only takes some of {sorted(known)}")
    if args.keep and (not args.only or args.quick):
        parser.error("--keep goes with --only, in a full run")
    out = args.out or (ROOT / "benchmarks" if not args.quick else None)
    results = []
    for key in dict.fromkeys(r.key for r in chosen):  # the models, in the table's order
        group = [r for r in chosen if r.key == key]
        for recipe in group:
            print(f"{recipe.key} ({recipe.who}): {recipe.label}", flush=True)
        # A quick run only checks that every recipe still works: it stays in this
        # process (one TensorFlow start instead of ten), and its memory means nothing.
        if args.quick:
            done = [train_one(recipe, quick=True) for recipe in group]
        else:
            print(f"  training {len(group)} in turns ...", flush=True)
            done = run_in_turns(group)
        for recipe, result in zip(group, done, strict=True):
            floor = floor_of(recipe.key)
            epochs, seconds = reached_text(result, floor)
            print(
                f"  {recipe.who}: floor {floor:.3f} reached at epoch {epochs}, {seconds}; "
                f"final {result['accuracies'][-1]:.4f}; peak {result['peak_rss_mib']:.0f} MiB",
                flush=True,
            )
        results.extend(done)
    if args.keep:
        ran = {r["key"] for r in results}
        kept = [r for r in json.loads(args.keep.read_text()) if r["key"] not in ran]
        order = [(r.key, r.who) for r in RECIPES]
        results = sorted(kept + results, key=lambda r: order.index((r["key"], r["who"])))
    text = table(results, args.quick)
    print(text)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        backend_results = [] if args.quick else stored(out / "backends.json")
        (out / "results.md").write_text(document(results, backend_results, args.quick))
        (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        chart(results, out / "results.png")
        print(f"wrote {out / 'results.md'}, results.json and results.png")
    return 0


def side_by_side(args, parser) -> int:
    """--backends: our recipe of each model (or of those --only names) on each backend."""
    if args.keep:
        parser.error("--keep goes with --only, in a full run without --backends")
    chosen = [r for r in RECIPES if r.who == "ours" and (not args.only or r.key in args.only)]
    out = args.out or (ROOT / "benchmarks" if not args.quick else None)
    results = []
    for recipe in chosen:
        print(f"{recipe.key}: {recipe.label}, on {', '.join(args.backends)} in turns", flush=True)
        done = backends_in_turns(recipe, args.backends, args.quick)
        for result in done:
            floor = series.floor_of(NOTEBOOK_OF[recipe.key], result["backend"])
            epochs, seconds = reached_text(result, floor)
            each = epoch_seconds(result)
            print(
                f"  {result['version']}: floor at epoch {epochs}, {seconds}; first epoch "
                f"{each[0]:.1f} s; peak {result['peak_rss_mib']:.0f} MiB",
                flush=True,
            )
        results.extend(done)
    text = backend_table(results, args.quick)
    print(text)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "backends.json").write_text(json.dumps(results, indent=1) + "\n")
        main_results = [] if args.quick else stored(out / "results.json")
        (out / "results.md").write_text(document(main_results, results, args.quick))
        print(f"wrote {out / 'backends.json'} and {out / 'results.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
