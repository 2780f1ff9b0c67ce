"""Student copies: no solution, no output, every other cell kept, and they still start."""

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mnist_series import classroom, offline_mnist

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    out = tmp_path_factory.mktemp("classroom") / "student"
    archive = classroom.make_student_kit(out)
    return out, archive


def cells_of(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def text(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_copy_has_no_solution_and_no_output_and_keeps_every_other_cell(kit, chapter):
    out, _ = kit
    original, copy = cells_of(chapter), cells_of(out / "notebooks" / chapter.name)
    start = next(i for i, cell in enumerate(original) if classroom.is_solution_start(cell))
    solutions = original[start:-1]
    assert solutions and not any(classroom.is_solution_start(c) for c in copy)
    code = [text(c) for c in copy if c["cell_type"] == "code"]
    assert code == [text(c) for c in original[:start] if c["cell_type"] == "code"]
    for cell in solutions:  # not one solution cell survives, not even as an edited copy
        if cell["cell_type"] == "code":
            assert text(cell) not in code
    for cell in copy:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    exercises = next(text(c) for c in copy if "## Exercises" in text(c))
    assert re.search(r"^1\. \*\*", exercises, re.MULTILINE)  # the exercises stay
    assert not re.search(r"\b[Ss]olutions?\b", exercises)  # nor promise solutions below
    assert text(copy[-1]) == text(original[-1])  # the pointer to the next chapter
    assert text(copy[0]).endswith(classroom.STUDENT_NOTE)


def test_kit_holds_what_the_chapters_need(kit):
    out, archive = kit
    for path in (out / "notebooks").glob("*.ipynb"):
        for cell in [c for c in cells_of(path) if c["cell_type"] == "markdown"]:
            for link in re.findall(r"\.\./(?:images|data)/[\w/.-]+\.(?:png|gif|md)", text(cell)):
                assert (out / "notebooks" / link).resolve().is_file(), (path.name, link)
    assert (out / "mnist_series" / "own_digit.py").is_file()
    assert not list(out.rglob("__pycache__")) and not (out / "images" / "make_figures.py").exists()
    assert (out / "models").is_dir() and (out / "README.md").is_file()
    assert (out / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()
    with zipfile.ZipFile(archive) as packed:
        names = packed.namelist()
    assert "student/notebooks/05_beyond_99.ipynb" in names
    assert len(names) == len([p for p in out.rglob("*")])


def test_copies_still_run_their_first_cells(kit):
    """The first code cell of every copy (imports, data), run from the kit's own package."""
    out, _ = kit
    script = ["import os, sys"]
    npz = os.environ.get(offline_mnist.ENV_VAR)
    if npz:  # the test run's MNIST copy, as the kernels get it
        script.append(f"from mnist_series import offline_mnist; offline_mnist.install({npz!r})")
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        first = next(text(c) for c in cells_of(path) if c["cell_type"] == "code")
        script.append(f"exec({first!r}, {{}})")
        script.append(f"print('ran', {path.name!r})")
    script.append("import mnist_series; print('from', mnist_series.__file__)")
    done = subprocess.run(
        [sys.executable, "-c", "\n".join(script)],
        cwd=out / "notebooks",
        env=dict(os.environ, PYTHONPATH=str(out), TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("ran ") == len(CHAPTERS)
    assert f"from {out / 'mnist_series'}" in done.stdout  # the kit's copy, not the project's
