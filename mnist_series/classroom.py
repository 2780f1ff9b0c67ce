"""Student copies of the series: the chapters without their outputs and worked solutions.

``make student`` (or ``python -m mnist_series.classroom student/``) writes a folder
that a teacher can hand out as it is or as the zip beside it:

- ``notebooks/``: every chapter with its outputs cleared and its *Solutions*
  section left out; the exercises, and every other cell, stay as they are;
- what the chapters need to run: the ``mnist_series`` package, the figures in
  ``images/``, the sample digits in ``data/digits/`` with ``data/README.md``
  (offline data), ``LICENSE``, and ``requirements.txt``, ``pyproject.toml`` and
  the ``Makefile``, so that ``make lab`` sets up and opens the copies as it does here.

The copies are made from the stored chapters each time, never edited by hand.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SOLUTIONS_HEADING = "## Solutions"
# The exercises' closing paragraph points to the folded solutions; a student copy has none.
WORKED_SOLUTIONS = re.compile(r"\n*Worked solutions are at the end of this notebook[^\n]*")
STUDENT_NOTE = (
    "*Student copy: the outputs are cleared and the worked solutions left out. "
    "Run the cells in order (Kernel → Restart Kernel and Run All Cells) to see the results; "
    "run times are those of the full chapter, solutions included.*"
)
# What the chapters need beside them, relative to the project's root.
KIT = ["mnist_series", "images", "data/digits", "data/README.md", "requirements.txt", "LICENSE",
       "pyproject.toml", "Makefile"]  # fmt: skip
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", "make_*.py", "*.egg-info")


def _text(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def is_solution_start(cell) -> bool:
    return cell["cell_type"] == "markdown" and _text(cell).startswith(SOLUTIONS_HEADING)


def student_notebook(notebook: dict) -> dict:
    """A copy of ``notebook`` without outputs and without its Solutions section.

    The section runs from the ``## Solutions`` heading to the end, except the
    last cell, which points to the next chapter and is kept.
    """
    student = copy.deepcopy(notebook)
    cells = student["cells"]
    starts = [i for i, cell in enumerate(cells) if is_solution_start(cell)]
    if len(starts) != 1:
        raise ValueError(f"expected one {SOLUTIONS_HEADING!r} heading, found {len(starts)}")
    kept = cells[: starts[0]] + cells[-1:]
    for cell in kept:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell["metadata"].pop("execution", None)
        if cell["cell_type"] == "markdown" and "## Exercises" in _text(cell):
            cell["source"] = WORKED_SOLUTIONS.sub("", _text(cell))
    first = kept[0]
    first["source"] = _text(first).rstrip("\n") + "\n\n" + STUDENT_NOTE
    student["cells"] = kept
    return student


def make_student_kit(out: Path, root: Path = ROOT) -> Path:
    """Write the student copies and what they need into ``out`` (replaced if it exists);
    return the zip of it written beside it (``out`` + ``.zip``)."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "notebooks").mkdir(parents=True)
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        text = json.dumps(student_notebook(notebook), indent=1, ensure_ascii=False) + "\n"
        (out / "notebooks" / path.name).write_text(text, encoding="utf-8")
    for name in KIT:
        source, target = root / name, out / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=LEFT_OUT)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (out / "models").mkdir()  # where the chapters save their models
    (out / "README.md").write_text(_readme(), encoding="utf-8")
    archive = out.with_name(out.name + ".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as kit:
        for path in sorted(out.rglob("*")):
            kit.write(path, Path(out.name) / path.relative_to(out))
    return archive


def _readme() -> str:
    return (
        "# Deep learning on MNIST with Keras: student copies\n\n"
        "Seven chapters, from a NumPy perceptron to a convolutional network that reads 99 % "
        "of handwritten digits. The notebooks are the series' chapters with the outputs "
        "cleared and the worked solutions left out: run every cell yourself, and try the "
        "exercises at the end of each chapter.\n\n"
        "Start (Python 3.11, 2 GB of free memory; no GPU needed):\n\n"
        "```bash\nmake lab   # sets up .venv with the pinned packages, then opens JupyterLab\n"
        "```\n\n"
        "Open `notebooks/00_introduction.ipynb` and run the chapters in order: notebook 6 "
        "compares the models that notebooks 1 to 5 save into `models/`. The first chapter "
        "downloads MNIST (11 MB); without internet, see `data/README.md`.\n"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder to write (replaced if it exists)")
    args = parser.parse_args(argv)
    archive = make_student_kit(args.out)
    count = len(list((args.out / "notebooks").glob("*.ipynb")))
    print(f"Wrote {count} student notebooks and what they need to {args.out}/, and {archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
