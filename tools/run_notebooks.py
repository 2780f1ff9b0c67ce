"""Run notebooks as Restart & Run All does, and measure each run.

For every notebook it starts a fresh kernel, runs all cells in order and
reports the wall-clock time (kernel start to last cell) and the kernel's peak
resident memory. With --write it stores the outputs in the notebook: that is
how the committed outputs are made. A notebook that writes anything to stderr,
prints TensorFlow log lines or memory addresses, or raises is reported and not
stored.

    python -m tools.run_notebooks                # measure every notebook
    python -m tools.run_notebooks --write        # ... and store the outputs
    python -m tools.run_notebooks notebooks/02_multilayer_perceptron.ipynb --write
    python -m tools.run_notebooks --write --table benchmarks/notebooks.md
    KERAS_BACKEND=torch .venv-torch/bin/python -m tools.run_notebooks --out /tmp/torch

With --out the executed notebooks go to that folder instead, and the models they save to its
models/ subfolder (a run on another backend, say, read there without replacing the stored run
or the models the stored run saved). A notebook that cannot run on the backend
(``series.backend_failure``) is skipped.
With --table and only some notebooks, the other notebooks' rows are kept.

The seed spread: --seeds runs each notebook once per seed, up to the cell that
prints its ``Test accuracy`` line (so before it saves a model, and without its
worked solutions). The seed goes where papermill puts parameters: a cell that
sets ``seed``, run right after the notebook's cell tagged ``parameters``.
Nothing is stored; --spread writes min / mean / max per notebook as Markdown.
A notebook without a parameters cell (0 trains in NumPy with fixed seeds of its
own; 6 trains nothing) is skipped, and says so.

    python -m tools.run_notebooks --seeds 42,1,2,3,4 --spread benchmarks/seeds.md

With MNIST_NPZ set, kernels load MNIST from that copy, as in the tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from mnist_series import offline_mnist, saved_models, series
from tools import ROOT
from tools.machine import backend_version, cpu_model, gpu_model


def peak_rss_mib(pid: int) -> float:
    """The peak resident memory of process ``pid`` so far (Linux), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


PARAMETERS = "parameters"  # the tag of the cell that holds what a run may vary (papermill's)


class NoParametersCell(ValueError):
    """The notebook has no cell tagged ``parameters`` to set a seed after."""


def parameters_index(nb) -> int | None:
    """The index of the notebook's cell tagged ``parameters`` (None: it has none)."""
    for index, cell in enumerate(nb.cells):
        if PARAMETERS in cell.get("metadata", {}).get("tags", []):
            return index
    return None


def set_parameters(nb, path: Path, **values) -> None:
    """Insert, after the parameters cell, a cell that assigns ``values`` (as papermill does)."""
    index = parameters_index(nb)
    if index is None:
        raise NoParametersCell(f"{path.name} has no cell tagged {PARAMETERS!r} to set {values}")
    source = "\n".join(f"{name} = {value!r}" for name, value in values.items())
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))


def run(
    path: Path, timeout: int, seed: int | None = None
) -> tuple[nbformat.NotebookNode, float, float]:
    """Run ``path`` in a fresh kernel; with ``seed``, only up to its accuracy line."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if seed is not None:
        set_parameters(nb, path, seed=seed)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
        # TensorFlow's C++ start-up lines go to the terminal, not the notebook.
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
    )
    start = time.perf_counter()
    with client.setup_kernel():
        info = client.wait_for_reply(client.kc.kernel_info())
        nb.metadata["language_info"] = info["content"]["language_info"]
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
            printed = series.output_text(cell.get("outputs", []))
            if seed is not None and series.accuracies_in(printed):
                break
        seconds = time.perf_counter() - start
        memory = peak_rss_mib(client.km.provisioner.pid)
    return nb, seconds, memory


def machine_line() -> str:
    import keras

    gpu = gpu_model()
    where = f"{gpu} beside {cpu_model()}" if gpu else cpu_model()
    return (
        f"Measured on {where}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, {backend_version()},"
        f" Keras {keras.__version__}, {time.strftime('%Y-%m-%d')}."
    )


def runs_here(path: Path) -> bool:
    """Whether ``path`` runs on this Keras backend; if not, say so (the appendix on torch)."""
    import keras

    if path.name not in series.FLOORS:  # a notebook outside the series
        return True
    why = series.backend_failure(path.name, keras.backend.backend())
    if why:
        print(f"{why}: skipped")
    return why is None


def problems(nb) -> list[str]:
    """What must not be stored: stderr, and log noise or addresses that land in stdout."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            if output.get("name") == "stderr":
                found.append(f"cell {cell.execution_count} wrote to stderr: {text[:300]}")
            elif "WARNING:tensorflow" in text or re.search(r" at 0x[0-9a-f]{6,}", text):
                found.append(f"cell {cell.execution_count} printed log noise: {text[:300]}")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--write", action="store_true", help="store the outputs")
    parser.add_argument("--out", type=Path, help="store the executed notebooks in this folder")
    parser.add_argument("--table", type=Path, help="also write the results as Markdown")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--seeds", help="comma-separated seeds: measure the spread instead")
    parser.add_argument("--spread", type=Path, help="with --seeds: write the spread as Markdown")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))

    npz = os.environ.get(offline_mnist.ENV_VAR)
    ipython_dir = None
    if npz:
        try:
            ipython_dir = offline_mnist.serve_to_kernels(npz)
        except offline_mnist.BadMnistCopy as error:
            print(f"{offline_mnist.ENV_VAR}={npz}: {error}", file=sys.stderr)
            return 2
    try:
        return measure(args, paths)
    finally:  # the temporary IPython folder with the start-up file
        if ipython_dir:
            shutil.rmtree(ipython_dir, ignore_errors=True)


def keep_models_apart(folder: Path) -> None:
    """Let the kernels save their models in ``folder``, which starts as a copy of models/."""
    saved_models.copy_models(folder)
    os.environ[saved_models.ENV_VAR] = str(folder)  # the kernels inherit it


def measure(args, paths) -> int:
    if args.seeds:
        seeds = [int(seed) for seed in args.seeds.split(",")]
        return measure_spread(paths, seeds, args.timeout, args.spread)

    rows, failed = [], False
    if args.out:  # the run's models go beside its notebooks: models/ keeps the stored run's
        keep_models_apart(args.out / "models")
    for path in filter(runs_here, paths):
        print(f"{path.name}: running ...", flush=True)
        nb, seconds, memory = run(path.resolve(), args.timeout)
        text = series.output_text([out for cell in nb.cells for out in cell.get("outputs", [])])
        accuracy = ", ".join(f"{value:.4f}" for value in series.accuracies_in(text)) or "-"
        rows.append((path.name, accuracy, seconds, memory))
        print(f"{path.name}: {seconds:.0f} s, peak {memory:.0f} MiB, test accuracy {accuracy}")
        trouble = problems(nb)
        for line in trouble:
            print(f"  {line}")
        failed |= bool(trouble)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, args.out / path.name)
        elif args.write and not trouble:
            nbformat.write(nb, path)

    table = [
        "| notebook | test accuracy | run time (Restart & Run All) | kernel peak memory |",
        "|---|---|---|---|",
    ]
    measured = {
        n: f"| {n} | {a} | {s / 60:.1f} min ({s:.0f} s) | {m:.0f} MiB |" for n, a, s, m in rows
    }
    if args.table and args.table.exists():  # keep the rows of notebooks not run this time
        for line in args.table.read_text().splitlines():
            name = line.split("|")[1].strip() if line.startswith("| 0") else None
            if name and name not in measured and (ROOT / "notebooks" / name).exists():
                measured[name] = line
    table += [measured[name] for name in sorted(measured)]
    print("\n".join(table))
    if args.table:
        machine = machine_line()
        args.table.write_text("\n".join(table) + f"\n\n{machine}\n")
    return 1 if failed else 0


def spread_row(name: str, results: list[tuple[int, float, float]]) -> str:
    """One Markdown row: the seeds, min / mean / max accuracy, the floor and its margin."""
    accuracies = [accuracy for _, accuracy, _ in results]
    low, mean, high = min(accuracies), sum(accuracies) / len(accuracies), max(accuracies)
    import keras

    floor = series.floor_of(name, keras.backend.backend()) if name in series.FLOORS else None
    margin = f"{(low - floor) * 100:+.2f} points" if floor is not None else "-"
    each = ", ".join(f"{seed}: {accuracy:.4f}" for seed, accuracy, _ in results)
    seconds = sum(s for _, _, s in results) / len(results)
    return (
        f"| {name} | {len(results)} | {low:.4f} | {mean:.4f} | {high:.4f} | "
        f"{floor if floor is not None else '-'} | {margin} | {seconds:.0f} s | {each} |"
    )


def measure_spread(paths, seeds, timeout, out: Path | None) -> int:
    rows = []
    for path in filter(runs_here, paths):
        if parameters_index(nbformat.read(path, as_version=4)) is None:
            print(f"{path.name}: no cell tagged {PARAMETERS!r} to set the seed in: skipped")
            continue
        results = []
        for seed in seeds:
            nb, seconds, _ = run(path.resolve(), timeout, seed=seed)
            text = series.output_text([o for cell in nb.cells for o in cell.get("outputs", [])])
            accuracy = series.accuracies_in(text)[0]
            results.append((seed, accuracy, seconds))
            print(f"{path.name} seed {seed}: test accuracy {accuracy:.4f} ({seconds:.0f} s)")
        rows.append(spread_row(path.name, results))
        print(rows[-1], flush=True)
    if out:
        table = [
            "| notebook | seeds | min | mean | max | floor | min − floor | run time"
            " (to the accuracy line) | each seed |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        if out.exists():  # keep the rows of notebooks not run this time
            names = {row.split("|")[1].strip() for row in rows}
            for line in out.read_text().splitlines():
                name = line.split("|")[1].strip() if line.startswith("| 0") else None
                if name and name not in names:
                    rows.append(line)
        machine = machine_line()
        out.write_text("\n".join(table + sorted(rows)) + f"\n\n{machine}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
