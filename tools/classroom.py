"""The series for a class: student copies, and the chapters as a static site.

``make student`` (``python -m tools.classroom student student``) writes a
folder that a teacher can hand out as it is or as the zip beside it:

- ``notebooks/``: every chapter with its outputs cleared and its *Solutions*
  section left out; the exercises, and every other cell, stay as they are;
- what the chapters need to run: the ``mnist_series`` package, the figures in
  ``images/``, the sample digits in ``data/digits/`` with ``data/README.md``
  (offline data), the benchmark reports and experiment records the chapters cite,
  ``LICENSE``, ``requirements.txt`` and ``pyproject.toml``;
- a ``Makefile`` of its own (``templates/student_kit/Makefile``) that offers only what works
  in the kit: ``make lab`` (set up ``.venv`` on TensorFlow and open JupyterLab),
  ``make setup`` and ``make demo`` (the draw-a-digit page). The repository's own Makefile
  (tests, site, other backends) is not shipped, nor the maintainers' ``tools`` package.

The copies' prose says nothing of what the kit leaves out: clauses about the worked
solutions and parentheses that name a ``make`` command the kit does not offer are taken out
of the markdown, and the run times the chapters state are called upper bounds.

``make site`` (``python -m tools.classroom site site``) renders the stored
chapters with nbconvert and the template in ``templates/mnist_site/`` into a folder
that works offline: a home page, one page per chapter with navigation, the figures,
MathJax from jupyter-server-mathjax, and the worked solutions folded; and each chapter as
reveal.js slides (template ``templates/mnist_slides/``), with reveal.js copied from
``node_modules/`` (``npm ci``, pinned in ``package-lock.json``; ``make site`` runs it).
Each cell's ``metadata.slideshow.slide_type`` chooses its slide, as in JupyterLab's
slideshow tools; the solutions are ``skip``. Every slide fits reveal.js's 960 x 700 frame: on
the slides (:func:`slides_notebook`) an output longer than ``SLIDE_LINES`` lines (a training
log, a summary table) keeps its first and last lines, and the template zooms out a slide still
taller than the frame, down to half size at most (a test measures every slide in Chromium).

Both are made from the stored chapters each time, never edited by hand. A builder
writes a marker file (``MARKER``) into its folder and replaces only a folder that holds its
own marker, or an empty one: it refuses, in one line, the project's folder or one above
it, any folder holding files that git tracks, and any other folder that is not empty.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tools import ROOT

SOLUTIONS_HEADING = "## Solutions"
# The exercises' closing paragraph points to the folded solutions; a student copy has none.
WORKED_SOLUTIONS = re.compile(r"\n*Worked solutions are at the end of this notebook[^\n]*")
STUDENT_NOTE = (
    "*Student copy: the outputs are cleared. Run the cells in order (Kernel → Restart Kernel "
    "and Run All Cells) to see the results; the run times given above are upper bounds for "
    "this copy.*"
)
# A clause (after a comma, semicolon or colon) or a parenthesis about the solutions, which
# a student copy does not have; a sentence that still mentions them after that goes too.
SOLUTION_CLAUSE = re.compile(
    r"[,;:]\s*(?:and\s+)?[^,;:()\n]*?\bsolutions?\b[^,;:()\n]*?(?=[,;:()\n]|[.!?](?:\s|$)|$)"
    r"| ?\([^()\n]*\bsolutions?\b[^()\n]*\)",
    re.IGNORECASE,
)
SOLUTION_SENTENCE = re.compile(r"[^.!?\n]*\bsolutions?\b[^.!?\n]*[.!?]? ?", re.IGNORECASE)
# A parenthesis that names a make command, such as "(`make lab BACKEND=jax` ...)".
MAKE_ASIDE = re.compile(r" ?\([^()\n]*`make [^`]*`[^()\n]*\)")
# An aside that sends the reader to the project's docs/, which the kit does not ship.
DOCS_ASIDE = re.compile(r" ?\([^()\n]*`docs/[^`]*`[^()\n]*\)")
# What the kit's Makefile offers (templates/student_kit/Makefile).
KIT_COMMANDS = ("make lab", "make setup", "make demo")
# What the chapters need beside them, relative to the project's root.
KIT = ["mnist_series", "images", "data/digits", "data/README.md", "requirements.txt",
       "requirements-common.txt", "LICENSE", "pyproject.toml"]  # fmt: skip
TEMPLATES = Path(__file__).resolve().parent / "templates"  # nbconvert's and the kit's
KIT_MAKEFILE = TEMPLATES / "student_kit" / "Makefile"
# A benchmark report or an experiment's record that a chapter cites.
CITED_REPORT = re.compile(r"\b(?:benchmarks/[\w-]+|experiments/[\w.-]+/[\w-]+)\.md\b")
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", "make_*.py", "*.egg-info")
# The file a builder leaves in its folder, naming the builder: only a folder with it is replaced.
MARKER = ".made-by-mnist-series"


class RefusedTarget(ValueError):
    """A folder a builder will not replace; the message says why, in one line."""


def _tracked_files(folder: Path) -> bool:
    """Whether git tracks any file inside ``folder`` (False outside a repository, or
    without git)."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(folder), "ls-files", "-z", "--", "."],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return listed.returncode == 0 and bool(listed.stdout)


def prepare_target(out: Path, builder: str, root: Path = ROOT) -> Path:
    """Make ``out`` an empty folder for ``builder`` ("site" or "student") and return it,
    resolved. A folder is replaced only if it holds ``builder``'s marker or is empty;
    otherwise RefusedTarget says why, and nothing is deleted."""
    out = Path(out).expanduser().resolve()
    project = Path(root).resolve()
    if out == project or out in project.parents:
        raise RefusedTarget(f"{out} is the project's folder or holds it: name a new folder")
    if out.exists() and not out.is_dir():
        raise RefusedTarget(f"{out} is a file, not a folder: name a new folder")
    if out.is_dir() and any(out.iterdir()):
        marker = out / MARKER
        made_here = marker.is_file() and marker.read_text(encoding="utf-8").strip() == builder
        if _tracked_files(out):
            raise RefusedTarget(f"{out} holds files that git tracks: name a new folder")
        if not made_here:
            raise RefusedTarget(
                f"{out} is not empty and was not made by `classroom {builder}` (no {MARKER}"
                " file naming it): name a new folder, or delete this one yourself"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(builder + "\n", encoding="utf-8")
    return out


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
        if cell["cell_type"] == "markdown":
            cell["source"] = _student_prose(_text(cell))
    first = kept[0]
    first["source"] = _text(first).rstrip("\n") + "\n\n" + STUDENT_NOTE
    student["cells"] = kept
    return student


def _student_prose(text: str) -> str:
    """A markdown cell's text without what points to parts the kit leaves out."""
    text = WORKED_SOLUTIONS.sub("", text)
    text = SOLUTION_CLAUSE.sub("", text)
    text = SOLUTION_SENTENCE.sub("", text)

    def aside(match):
        offered = all(
            command.strip() in KIT_COMMANDS
            for command in re.findall(r"`(make [^`]*)`", match.group(0))
        )
        return match.group(0) if offered else ""

    return DOCS_ASIDE.sub("", MAKE_ASIDE.sub(aside, text))


def make_student_kit(out: Path, root: Path = ROOT) -> Path:
    """Write the student copies and what they need into ``out`` (replaced only if an
    earlier kit, see :func:`prepare_target`); return the zip of it written beside it
    (``out`` + ``.zip``)."""
    out = Path(out).expanduser().resolve()
    archive = out.with_name(out.name + ".zip")
    if archive.exists() and not _is_kit_archive(archive, out.name):
        raise RefusedTarget(f"{archive} exists and is not a student kit's zip: move it away")
    out = prepare_target(out, "student", root)
    (out / "notebooks").mkdir(parents=True)
    cited: set[str] = set()
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        student = student_notebook(notebook)
        for cell in student["cells"]:
            if cell["cell_type"] == "markdown":
                cited.update(CITED_REPORT.findall(_text(cell)))
        text = json.dumps(student, indent=1, ensure_ascii=False) + "\n"
        (out / "notebooks" / path.name).write_text(text, encoding="utf-8")
    shutil.copy2(KIT_MAKEFILE, out / "Makefile")
    for name in KIT + sorted(report for report in cited if (root / report).is_file()):
        source, target = root / name, out / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=LEFT_OUT)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (out / "models").mkdir()  # where the chapters save their models
    (out / "README.md").write_text(_readme(), encoding="utf-8")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as kit:
        for path in sorted(out.rglob("*")):
            kit.write(path, Path(out.name) / path.relative_to(out))
    return archive


def _is_kit_archive(archive: Path, name: str) -> bool:
    """Whether ``archive`` is a zip that a student kit called ``name`` was packed into."""
    try:
        with zipfile.ZipFile(archive) as packed:
            return f"{name}/{MARKER}" in packed.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def _readme() -> str:
    return (
        "# Deep learning on MNIST with Keras: student copies\n\n"
        "Seven chapters, from a NumPy perceptron to a convolutional network that reads 99 % "
        "of handwritten digits, and an appendix on training across several devices. The "
        "notebooks are the series' chapters with their outputs cleared: run every cell "
        "yourself, and try the exercises at the end of each chapter.\n\n"
        "Start (Python 3.11 to 3.13, 2 GB of free memory; no GPU needed):\n\n"
        "```bash\nmake lab     # sets up .venv with the pinned packages, then opens JupyterLab\n"
        "make setup   # only sets up .venv\n```\n\n"
        "Open `notebooks/00_introduction.ipynb` and run the chapters in order: notebook 6 "
        "compares the models that notebooks 1 to 5 save into `models/`. The first chapter "
        "downloads MNIST (11 MB); without internet, see `data/README.md`.\n\n"
        "## Run a chapter elsewhere\n\n"
        "Without `make`, or in a hosted Jupyter with a terminal: in this folder run "
        "`pip install -r requirements.txt` and then `pip install --no-deps -e .` (the "
        "series' small package, `mnist_series/`), and open `notebooks/` from here, so that "
        "the chapters' relative paths (`../data/digits`, `../models`) resolve.\n"
    )


# ---------------------------------------------------------------- the site

MATHJAX = "../mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"  # the site's own
REVEAL = ROOT / "node_modules" / "reveal.js"  # npm ci (package-lock.json pins the version)
REVEAL_PARTS = ["dist", "plugin/notes", "LICENSE", "package.json"]  # what the slides load
LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^)\s#]+)(#[^)\s]*)?\)")


def stored_runs(root: Path = ROOT) -> dict[str, tuple[str, str]]:
    """Each notebook's (test accuracy, run time) from benchmarks/notebooks.md."""
    table = (root / "benchmarks" / "notebooks.md").read_text(encoding="utf-8")
    runs = {}
    for name, accuracy, minutes in re.findall(
        r"^\| (\S+\.ipynb) \| ([\d.]+|-) \| ([\d.]+ min)", table, re.MULTILINE
    ):
        runs[name] = (f"{float(accuracy) * 100:.2f} %" if accuracy != "-" else "-", minutes)
    return runs


def _site_links(notebook: dict) -> tuple[dict, set[str]]:
    """The notebook with links to chapters pointing at their pages, and the other local
    files its markdown links to (paths relative to notebooks/)."""
    notebook = copy.deepcopy(notebook)
    others: set[str] = set()

    def relink(match):
        target, anchor = match.group(1), match.group(2) or ""
        if target.endswith(".ipynb") and "/" not in target:
            return f"]({target[: -len('.ipynb')]}.html{anchor})"
        others.add(target)
        return match.group(0)

    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = LINK.sub(relink, _text(cell))
    return notebook, others


def _nav(pages: list[tuple[str, str]], index: int, where: str) -> str:
    """Links to the previous chapter, the home page and the next chapter."""
    previous = pages[index - 1] if index > 0 else None
    following = pages[index + 1] if index + 1 < len(pages) else None
    left = f'<a href="{previous[0]}">← {previous[1]}</a>' if previous else "<span></span>"
    right = f'<a href="{following[0]}">{following[1]} →</a>' if following else "<span></span>"
    slides = f'<a href="../slides/{pages[index][0]}">Slides</a>'
    home = f'<span><a href="../index.html">All chapters</a> · {slides}</span>'
    return f'<nav class="series {where}">{left}{home}{right}</nav>'


def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="mnist_site", extra_template_basedirs=[str(TEMPLATES)])
    exporter.mathjax_url = MATHJAX
    return exporter


def _slides_exporter():
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        template_name="mnist_slides", extra_template_basedirs=[str(TEMPLATES)]
    )
    exporter.mathjax_url = MATHJAX
    exporter.reveal_url_prefix = "../reveal.js"
    exporter.reveal_theme = "white"
    exporter.reveal_number = "c/t"
    return exporter


# On a slide, an output longer than SLIDE_LINES lines (a training log, a summary table) shows
# its first SLIDE_HEAD and last SLIDE_TAIL lines; the chapter's page shows it whole.
SLIDE_LINES, SLIDE_HEAD, SLIDE_TAIL = 12, 4, 5


def slides_notebook(notebook: dict) -> dict:
    """A copy of ``notebook`` for the slides: each code cell's text outputs (consecutive
    stream outputs joined) shortened to SLIDE_LINES lines at most."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            previous = outputs[-1] if outputs else None
            if (output["output_type"] == "stream" and previous is not None
                    and previous["output_type"] == "stream"
                    and previous["name"] == output["name"]):  # fmt: skip
                previous["text"] = _text({"source": previous["text"]}) + _text(
                    {"source": output["text"]}
                )
                continue
            outputs.append(output)
        for output in outputs:
            if output["output_type"] == "stream":
                output["text"] = _shortened(_text({"source": output["text"]}))
            elif "text/plain" in output.get("data", {}) and len(output["data"]) == 1:
                plain = _text({"source": output["data"]["text/plain"]})
                output["data"]["text/plain"] = _shortened(plain)
        cell["outputs"] = outputs
    return notebook


def _shortened(text: str) -> str:
    lines = text.rstrip("\n").split("\n")
    if len(lines) <= SLIDE_LINES:
        return text
    left_out = len(lines) - SLIDE_HEAD - SLIDE_TAIL
    middle = f"⋮  ({left_out} lines more on the chapter's page)"
    return "\n".join([*lines[:SLIDE_HEAD], middle, *lines[-SLIDE_TAIL:]]) + "\n"


def _copy_reveal(out: Path, reveal: Path = REVEAL) -> None:
    """reveal.js's files that the slides load, into ``out``/reveal.js."""
    if not (reveal / "dist" / "reveal.js").is_file():
        raise FileNotFoundError(
            f"reveal.js is not in {reveal}: run `npm ci` in the project's folder "
            "(make site does) to install the pinned copy the slides use"
        )
    for part in REVEAL_PARTS:
        source, target = reveal / part, out / "reveal.js" / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.map", "*.esm.js"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def make_site(out: Path, root: Path = ROOT, reveal: Path = REVEAL) -> Path:
    """Write the series as a static site into ``out`` (replaced if it exists); return its
    home page. Every page works offline: figures, MathJax and styles are in the folder."""
    import jupyter_server_mathjax
    import nbformat

    out = prepare_target(out, "site", root)
    (out / "notebooks").mkdir()
    (out / "slides").mkdir()
    _copy_reveal(out, reveal)
    paths = sorted((root / "notebooks").glob("*.ipynb"))
    chapters = [nbformat.read(path, as_version=4) for path in paths]
    titles = [_text(nb.cells[0]).splitlines()[0].lstrip("# ").strip() for nb in chapters]
    pages = [(f"{path.stem}.html", title) for path, title in zip(paths, titles, strict=True)]
    exporter, slides = _exporter(), _slides_exporter()
    linked: set[str] = set()
    for index, notebook in enumerate(chapters):
        notebook, others = _site_links(notebook)
        linked |= others
        resources = {
            "metadata": {"name": titles[index]},
            "nav_top": _nav(pages, index, "top"),
            "nav_bottom": _nav(pages, index, "bottom"),
        }
        body, _ = exporter.from_notebook_node(nbformat.from_dict(notebook), resources=resources)
        (out / "notebooks" / pages[index][0]).write_text(body, encoding="utf-8")
        back = f'<a class="back" href="../notebooks/{pages[index][0]}">← the chapter\'s page</a>'
        resources = {"metadata": {"name": titles[index]}, "back_link": back}
        deck = nbformat.from_dict(slides_notebook(notebook))
        body, _ = slides.from_notebook_node(deck, resources=resources)
        (out / "slides" / pages[index][0]).write_text(body, encoding="utf-8")
    for target in sorted(linked):  # figures, data notes, modules the prose links to
        source = (root / "notebooks" / target).resolve()
        if source.is_file() and root in source.parents:
            destination = out / source.relative_to(root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    shutil.copytree(root / "images", out / "images", ignore=LEFT_OUT, dirs_exist_ok=True)
    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(mathjax, out / "mathjax")
    home = _home_page(pages, paths, stored_runs(root))
    (out / "index.html").write_text(home, encoding="utf-8")
    return out / "index.html"


def _home_page(pages, paths, runs) -> str:
    """The home page: what the series is, and its chapters with their stored results."""
    import nbformat

    rows = "\n".join(  # each title carries its chapter's number ("0 · Introduction ...")
        f"| [{title}](notebooks/{page}) | {runs.get(path.name, ('-', '-'))[0]} "
        f"| {runs.get(path.name, ('-', '-'))[1]} | [slides](slides/{page}) |"
        for (page, title), path in zip(pages, paths, strict=True)
    )
    text = (
        "# Handwritten digits with Keras\n\n"
        "A series of seven chapters that starts from a single neuron written in NumPy and ends "
        "with a convolutional network that reads more than 99 % of MNIST's test digits, and "
        "then reads yours, with an appendix on training across several devices. Each chapter "
        "explains *why* before each step, shows its results as they came out of a real run on a "
        "2-core CPU, and ends with exercises whose worked solutions are folded: click one to "
        "open it.\n\n"
        "| chapter | test accuracy | run time | for a class |\n|---|---|---|---|\n"
        f"{rows}\n\n"
        "Test accuracy and run time (Restart & Run All, solutions included) are those of the "
        "stored runs. The notebooks themselves, to run and change, are in the project's "
        "repository; `make student` makes copies without outputs and solutions for a class. "
        "Each chapter's slides (arrow keys or space to move, S for speaker notes, Esc for an "
        "overview) walk through its promise, concepts, key code and results."
    )
    home = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    resources = {"metadata": {"name": "Handwritten digits with Keras"}, "nav_top": "",
                 "nav_bottom": ""}  # fmt: skip
    exporter = _exporter()
    exporter.mathjax_url = MATHJAX.removeprefix("../")
    body, _ = exporter.from_notebook_node(home, resources=resources)
    return body


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["student", "site"], help="student copies, or the site")
    parser.add_argument(
        "out", type=Path, help="the folder to write (it replaces only its own earlier output)"
    )
    args = parser.parse_args(argv)
    try:
        if args.what == "site":
            home = make_site(args.out)
            print(f"Wrote the site to {args.out}/: open {home} in a browser")
            return 0
        archive = make_student_kit(args.out)
    except RefusedTarget as refused:
        print(f"Refused: {refused}", file=sys.stderr)
        return 1
    count = len(list((args.out / "notebooks").glob("*.ipynb")))
    print(f"Wrote {count} student notebooks and what they need to {args.out}/, and {archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
