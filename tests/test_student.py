"""Student copies: no solution, no output, every other cell kept, and they still start."""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mnist_series import offline_mnist
from tests.scripts import ROOT
from tools import classroom

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


def test_copies_say_nothing_of_what_the_kit_leaves_out(kit):
    """No clause about the (absent) solutions, no make command the kit cannot run, and every
    benchmark report or experiment record a chapter cites is in the kit."""
    out, _ = kit
    offered = set(offered_commands(out))
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        for cell in cells_of(path):
            if cell["cell_type"] != "markdown":
                continue
            prose = text(cell)
            assert not re.search(r"\bsolutions?\b", prose, re.IGNORECASE), (path.name, prose)
            for command in re.findall(r"`(make [^`]*)`", prose):
                assert command in offered, (path.name, command)
            assert "docs/" not in prose, (path.name, prose)  # the kit has no docs/
            for report in classroom.CITED_REPORT.findall(prose):
                assert (out / report).is_file(), (path.name, report)
    assert not re.search(r"\bsolutions?\b", (out / "README.md").read_text(), re.IGNORECASE)


def test_student_prose_rules():
    prose = classroom._student_prose(
        "**Run time:** a minute (the chapter's 15 s; the worked solutions train more); no GPU."
        " Two minutes: one for the chapter, one for the worked solutions at the end.\n"
        "Start with `KERAS_BACKEND` set (`make lab BACKEND=jax` does that), or `make lab`."
        " Or JAX (see `docs/backends.md`)."
    )
    assert prose == (
        "**Run time:** a minute; no GPU. Two minutes: one for the chapter.\n"
        "Start with `KERAS_BACKEND` set, or `make lab`. Or JAX."
    )


def offered_commands(out: Path) -> list[str]:
    """The make commands that the kit's Makefile header and README offer."""
    header = (out / "Makefile").read_text().split("\n\n")[0]
    found = re.findall(r"^#\s+(make \w+)", header, re.MULTILINE)
    found += re.findall(r"^(make \w+)", (out / "README.md").read_text(), re.MULTILINE)
    return sorted(set(found))


def test_every_command_the_unpacked_kit_offers_runs(kit, tmp_path):
    """The kit's Makefile and README offer only what works inside the kit: each offered
    target's dry run succeeds in the unpacked zip, and no rule needs a file it lacks."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    _, archive = kit
    with zipfile.ZipFile(archive) as packed:
        packed.extractall(tmp_path)
    unpacked = tmp_path / "student"
    commands = offered_commands(unpacked)
    assert "make lab" in commands
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "KERAS_BACKEND", "BACKEND"}
    env = {name: value for name, value in os.environ.items() if name not in drop}
    targets = re.findall(r"^([\w.$()/-]+):", (unpacked / "Makefile").read_text(), re.MULTILINE)
    for command in commands:
        done = subprocess.run(
            [*command.split(), "-n"], cwd=unpacked, capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, (command, done.stderr)
        assert "pip install" in done.stdout or "jupyter lab" in done.stdout, command
    offered = {command.split()[1] for command in commands}
    phony = set(re.findall(r"^\.PHONY:(.*)$", (unpacked / "Makefile").read_text(), re.M)[0].split())
    assert phony == offered, "every target the Makefile has is offered, and no other"
    assert targets  # rules exist
    for left_out in ("requirements-jax.txt", "requirements-torch.txt", "package.json"):
        assert not (unpacked / left_out).exists()


def test_the_kit_refuses_a_python_without_the_pins_wheels_in_one_line(kit, tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out, _ = kit
    old = tmp_path / "python3.9"
    old.write_text("#!/bin/sh\necho 3.9\n")  # the version question is all make asks it
    old.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    refused = subprocess.run(
        ["make", "-n", "setup", f"PYTHON={old}", f"VENV={tmp_path / 'venv'}"],
        cwd=out, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert refused.returncode != 0 and refused.stdout == ""
    (line,) = refused.stderr.strip().splitlines()
    assert "is Python 3.9" in line and "3.11 to 3.13" in line

    # The kit cannot include the project's Makefile: its copy of the version list must agree.
    def versions(makefile: Path) -> str:
        return re.search(r"^PYTHON_VERSIONS := (.*)$", makefile.read_text(), re.M).group(1)

    assert versions(out / "Makefile") == versions(ROOT / "Makefile")


# ------------------------------------------------------------------ builders and folders


def git_project(path: Path) -> Path:
    """A small git repository with a tracked file in notebooks/ and one at the top."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    (path / "notebooks").mkdir(parents=True)
    (path / "notebooks" / "kept.ipynb").write_text("{}")
    (path / "top.txt").write_text("mine")
    for command in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", "-C", str(path), *command], check=True, capture_output=True)
    return path


@pytest.mark.parametrize("builder", ["student", "site"])
def test_builders_never_delete_a_folder_they_did_not_make(builder, tmp_path):
    project = git_project(tmp_path / "project")
    build = {
        "student": lambda out: classroom.make_student_kit(out, root=project),
        "site": lambda out: classroom.make_site(out, root=project, reveal=tmp_path / "none"),
    }[builder]
    someone_elses = tmp_path / "mine"
    someone_elses.mkdir()
    (someone_elses / "notes.txt").write_text("keep me")
    other_builder = classroom.prepare_target(
        tmp_path / "other", "site" if builder == "student" else "student"
    )
    (other_builder / "page.html").write_text("made by the other builder")
    for target in (project, project / "notebooks", someone_elses, project.parent, other_builder):
        with pytest.raises(classroom.RefusedTarget) as refused:
            build(target)
        assert "\n" not in str(refused.value)
    assert (project / "notebooks" / "kept.ipynb").is_file() and (project / "top.txt").is_file()
    assert (someone_elses / "notes.txt").read_text() == "keep me"
    assert (other_builder / "page.html").is_file()


def test_a_builder_replaces_its_own_earlier_output(tmp_path):
    out = classroom.prepare_target(tmp_path / "site", "site")
    (out / "old.html").write_text("stale")
    assert classroom.prepare_target(tmp_path / "site", "site") == out
    assert sorted(p.name for p in out.iterdir()) == [classroom.MARKER]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert classroom.prepare_target(empty, "student") == empty  # nothing to lose


def test_the_command_refuses_in_one_line(tmp_path):
    project = git_project(tmp_path / "project")
    for what in ("student", "site"):
        done = subprocess.run(
            [sys.executable, "-m", "tools.classroom", what, "."],
            cwd=project / "notebooks", capture_output=True, text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )  # fmt: skip
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr
    assert (project / "notebooks" / "kept.ipynb").is_file()


def test_a_zip_that_is_not_a_kit_is_not_overwritten(tmp_path):
    (tmp_path / "student.zip").write_bytes(b"a teacher's own zip")
    with pytest.raises(classroom.RefusedTarget, match="student.zip"):
        classroom.make_student_kit(tmp_path / "student")
    assert (tmp_path / "student.zip").read_bytes() == b"a teacher's own zip"


def test_the_kit_knows_a_cited_report_from_an_experiment_record():
    prose = (
        "See `benchmarks/seeds.md` and [the experiment](../experiments/2026-12-x.y/notes.md);"
        " not benchmarks/README or experiments/notes.md."
    )
    assert classroom.CITED_REPORT.findall(prose) == [
        "benchmarks/seeds.md",
        "experiments/2026-12-x.y/notes.md",
    ]
