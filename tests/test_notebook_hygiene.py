"""Checks on the committed notebooks themselves (the stored JSON, not a new run).

A stored notebook must look like one clean Restart & Run All: every code cell
run once, in order, with no errors, no stderr, no memory addresses, and the
outputs that nbval can compare deterministically.
"""

import ast
import importlib.util
import json
import re
import sys

import nbformat
import pytest

from mnist_series import series
from tests.scripts import KNOWN_NAMES, ROOT
from tests.scripts import cell_source as source

NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
IDS = [path.name for path in PATHS]


def load(path):
    return json.loads(path.read_text())


def code_cells(nb):
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def calls(cell, name):
    """Every call of ``something.name(...)`` or ``name(...)`` in a code cell."""
    tree = ast.parse(source(cell))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and name in (getattr(node.func, "attr", None), getattr(node.func, "id", None))
    ]


def keyword(call, name):
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def test_every_notebook_has_a_floor_and_every_floor_a_notebook():
    assert sorted(series.FLOORS) == IDS


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_valid_notebook_format(path):
    nbformat.validate(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_stored_run_is_one_clean_run_all(path):
    cells = code_cells(load(path))
    counts = [cell["execution_count"] for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), "not a single Restart & Run All"
    for number, cell in enumerate(cells, 1):
        for output in cell["outputs"]:
            where = f"code cell {number}"
            assert output["output_type"] != "error", f"{where} stores an error"
            assert output.get("name") != "stderr", f"{where} stores stderr"
            text = json.dumps(output.get("text", "")) + json.dumps(
                output.get("data", {}).get("text/plain", "")
            )
            assert not re.search(r" at 0x[0-9a-f]{6,}", text), f"{where} stores an address"
            assert "\\u001b[" not in text, f"{where} stores terminal colour codes"
            # A path of the recording machine differs on every other one (and under test,
            # where models go to a temporary folder).
            for machine_path in (str(ROOT), "PosixPath(", "/tmp/"):
                assert machine_path not in text, f"{where} stores a path: {machine_path}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_keras_calls_keep_stored_output_stable(path):
    for cell in code_cells(load(path)):
        for call in calls(cell, "fit"):
            verbose = keyword(call, "verbose")
            # verbose=1 (the default) stores a progress bar; 2 is one line per epoch.
            assert isinstance(verbose, ast.Constant) and verbose.value in (0, 2), (
                f"fit(...) must pass verbose=2 (or 0):\n{source(cell)}"
            )
        for method in ("evaluate", "predict"):
            for call in calls(cell, method):
                verbose = keyword(call, "verbose")
                assert isinstance(verbose, ast.Constant) and verbose.value == 0, (
                    f"{method}(...) must pass verbose=0:\n{source(cell)}"
                )
        for call in calls(cell, "summary"):
            assert keyword(call, "line_length") is not None, "summary() needs line_length"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_the_seed_is_set_in_the_parameters_cell_alone(path):
    """The cell tagged ``parameters`` (papermill's convention; ``run_notebooks.py --seeds`` sets
    the seed after it) holds plain assignments and comes before any seeding, and no call seeds
    Keras with a number of its own, which a run with another seed would not change."""
    cells = code_cells(load(path))
    tagged = [i for i, cell in enumerate(cells) if "parameters" in cell["metadata"].get("tags", [])]
    if not tagged:
        pytest.skip("no parameters cell")
    (index,) = tagged
    statements = ast.parse(source(cells[index])).body
    assert all(isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant) for s in statements)
    assert "seed" in {target.id for s in statements for target in s.targets}
    assert not any("set_random_seed" in source(cell) for cell in cells[:index])
    for cell in cells:
        seeds = [call.args[0] for call in calls(cell, "set_random_seed")]
        seeds += [keyword(call, "seed") for call in calls(cell, "quick_fit")]
        assert not [seed for seed in seeds if isinstance(seed, ast.Constant)], source(cell)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_loads_mnist_the_canonical_way_and_knows_nothing_of_tests(path):
    code = "\n".join(source(cell) for cell in code_cells(load(path)))
    assert "keras.datasets.mnist.load_data()" in code
    for word in ("MNIST_NPZ", "shared/data", "offline_mnist", "nbval", "pytest"):
        assert word not in code, f"the notebook mentions {word}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_stored_run_meets_its_floor_once(path):
    text = series.output_text([out for cell in code_cells(load(path)) for out in cell["outputs"]])
    accuracies = series.accuracies_in(text)
    if series.FLOORS[path.name] is None:
        assert accuracies == [], "a notebook without a floor must not print a test accuracy"
        return
    assert len(accuracies) == 1, f"expected one 'Test accuracy: 0.XXXX' line, got {accuracies}"
    assert series.floor_failure(path.name, accuracies[0]) is None


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_reads_as_a_chapter(path):
    cells = load(path)["cells"]
    assert cells[0]["cell_type"] == "markdown" and source(cells[0]).startswith("# ")
    assert cells[-1]["cell_type"] == "markdown"
    headings = [
        line
        for cell in cells
        if cell["cell_type"] == "markdown"
        for line in source(cell).splitlines()
        if line.startswith("#")
    ]
    assert headings.index("## Summary") < headings.index("## Exercises")
    assert headings[-1] == "## Solutions", "the solutions come last, after the exercises"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_solutions_are_folded_and_follow_the_exercises(path):
    cells = load(path)["cells"]
    start = next(i for i, cell in enumerate(cells) if source(cell).startswith("## Solutions"))
    exercises = next(
        c for c in cells if "## Exercises" in source(c) and c["cell_type"] == "markdown"
    )
    numbered = re.findall(r"^(\d)\. \*\*", source(exercises), re.MULTILINE)
    assert 3 <= len(numbered) <= 5, "a chapter ends with 3 to 5 exercises"
    answers = [c for c in cells[start:] if re.match(r"\*\*\d\. ", source(c))]
    assert [re.match(r"\*\*(\d)", source(c)).group(1) for c in answers] == numbered
    for cell in cells[start + 1 : -1]:  # the last cell points to the next notebook
        hidden = cell["metadata"].get("jupyter", {}).get("source_hidden")
        assert hidden, f"solution cell not folded: {source(cell)[:60]!r}"
    assert any(c["cell_type"] == "code" for c in cells[start:]), "solutions must run"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_slides_show_the_chapter_and_leave_out_the_solutions(path):
    """Every cell says where it goes in the chapter's slides (make site; RISE in JupyterLab
    reads the same metadata): the promise and each section open a slide, nothing of the
    chapter before the solutions is left out, and the solutions are."""
    cells = load(path)["cells"]
    kinds = [cell["metadata"].get("slideshow", {}).get("slide_type") for cell in cells]
    assert set(kinds) <= {"slide", "subslide", "fragment", "-", "skip", "notes"}, kinds
    start = next(i for i, cell in enumerate(cells) if source(cell).startswith("## Solutions"))
    assert kinds[0] == "slide" and kinds[-1] == "slide"  # the promise; the way on
    for cell, kind in zip(cells[:start], kinds[:start], strict=True):
        if cell["cell_type"] == "markdown" and source(cell).startswith("#"):
            assert kind == "slide", f"a section that does not open a slide: {source(cell)[:40]!r}"
        assert kind != "skip", f"left out of the slides: {source(cell)[:40]!r}"
    assert set(kinds[start:-1]) == {"skip"}, "a solution in the slides"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_opened_alone_it_says_in_one_line_what_to_do(path, monkeypatch):
    """A chapter opened without the series around it (Colab, one downloaded file) stops
    before its first import of mnist_series with one line that says what to do, instead of
    a ModuleNotFoundError."""
    cell = next(c for c in code_cells(load(path)) if "from mnist_series" in source(c))
    tree = ast.parse(source(cell))
    first_import = next(
        node for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module.startswith("mnist_series")
    )  # fmt: skip
    guards = [
        node for node in tree.body
        if isinstance(node, ast.If) and "find_spec('mnist_series')" in ast.unparse(node.test)
    ]  # fmt: skip
    assert guards and guards[0].lineno < first_import.lineno, "no guard before the import"
    monkeypatch.setitem(sys.modules, "mnist_series", None)  # as if it were not installed
    with pytest.raises(SystemExit) as stopped:
        exec(compile(ast.Module(guards, []), path.name, "exec"), {"importlib": importlib})
    message = str(stopped.value)
    assert "\n" not in message and "make lab" in message and "elsewhere" in message


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_no_placeholder_left_in_the_prose(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] == "markdown":
            found = re.findall(r"\b[A-Z]{3,}_[A-Z_]+\b|\bTODO\b|\bXXX\b", source(cell))
            leftover = [name for name in found if name not in KNOWN_NAMES]
            assert not leftover, f"placeholder {leftover} in: {source(cell)[:80]!r}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_local_images_exist(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", source(cell)):
            if "://" not in target:
                assert (path.parent / target).is_file(), f"missing image {target}"


def stored_accuracy(path):
    text = series.output_text([out for cell in code_cells(load(path)) for out in cell["outputs"]])
    return series.accuracies_in(text)[0]


def readme_figures(row):
    """The accuracy and minutes cells (the last two) of a row of the README's chapter table."""
    cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
    return cells[-2], cells[-1]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_readme_and_benchmark_table_quote_the_stored_run(path):
    root = ROOT
    readme_row = next(
        (
            line
            for line in (root / "README.md").read_text().splitlines()
            if line.startswith("|") and path.name in line
        ),
        None,
    )
    bench_row = next(
        (
            line
            for line in (root / "benchmarks" / "notebooks.md").read_text().splitlines()
            if path.name in line
        ),
        None,
    )
    assert readme_row and bench_row, "the notebook is missing from README.md or notebooks.md"
    # The README rounds: "about 99.3 %" is the stored accuracy to one decimal, "over 99.4 %" a
    # bound it must exceed, and the minutes are whole ("under 1" below half a minute).
    stated_accuracy, stated_minutes = readme_figures(readme_row)
    if series.FLOORS[path.name] is None:
        assert "| - |" in bench_row and stated_accuracy == "-", "no accuracy for this notebook"
    else:
        accuracy = stored_accuracy(path)
        assert f"| {accuracy:.4f} |" in bench_row, "benchmarks/notebooks.md is from another run"
        quoted = re.fullmatch(r"(about|over) (\d+\.\d) %", stated_accuracy)
        assert quoted, f"README accuracy {stated_accuracy!r}: 'about X.X %' or 'over X.X %'"
        percent, value = accuracy * 100, float(quoted.group(2))
        if quoted.group(1) == "about":
            assert abs(percent - value) <= 0.05 + 1e-9, f"README: {value} %, stored {percent:.2f} %"
        else:
            assert percent > value, f"README: over {value} %, stored {percent:.2f} %"
    minutes = re.search(r"\| (\d+\.\d) min", bench_row).group(1)
    if float(minutes) < 0.5:
        assert stated_minutes == "under 1", f"README: {stated_minutes} min, stored {minutes}"
    else:
        assert stated_minutes.isdigit(), f"README minutes {stated_minutes!r}: a whole number"
        assert abs(int(stated_minutes) - float(minutes)) <= 0.5, (
            f"README: {stated_minutes} min, stored {minutes}"
        )
    memory = re.search(r"\| (\d+) MiB \|", bench_row).group(1)
    guide = (root / "docs" / "teaching.md").read_text().splitlines()
    guide_row = next(line for line in guide if line.startswith(f"| {int(path.name[:2])} · "))
    assert f"| {minutes} min | {memory} MiB |" in guide_row, "docs/teaching.md: another run"


# Calls that make a Keras model, and the marker that allows a direct call in a demonstration.
MODEL_MAKERS = ("keras.Sequential", "keras.Model", "keras.models.load_model", "build_")
ON_PURPOSE = "# a direct call, on purpose"


def model_names(tree):
    """Names bound to a Keras model anywhere in a notebook's code."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            made = ast.unparse(node.value.func)
            if made.startswith(MODEL_MAKERS):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript):
            if ast.unparse(node.value.value) == "models":  # reader = models[best]
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        if isinstance(node, ast.For) and ast.unparse(node.iter).startswith("models."):
            names |= {t.id for t in ast.walk(node.target) if isinstance(t, ast.Name)}
    return names - {"title", "chapter"}


def direct_model_calls(code):
    """Lines that call a model like a function, without ``training=``.

    Called like that, a Keras 3 model runs its augmentation layers as in training:
    a trained model must read pictures with ``predict`` or ``training=False``.
    """
    tree = ast.parse(code)
    names = model_names(tree)
    lines = code.splitlines()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or keyword(node, "training") is not None:
            continue
        func = node.func
        called = (isinstance(func, ast.Name) and func.id in names) or (
            isinstance(func, ast.Subscript) and ast.unparse(func.value) == "models"
        )
        if called and ON_PURPOSE not in lines[node.lineno - 1]:
            found.append((node.lineno, lines[node.lineno - 1].strip()))
    return [line for _, line in sorted(found)]


def notebook_code(nb):
    return "\n".join(source(cell) for cell in code_cells(nb))


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_trained_models_read_pictures_in_inference_mode(path):
    calls_found = direct_model_calls(notebook_code(load(path)))
    assert not calls_found, f"use predict or training=False, not a direct call: {calls_found}"


def test_direct_model_calls_are_found():
    code = (
        "reader = models[best]\n"
        "p = reader(x)\n"
        "q = reader(x, training=False)\n"
        "net = build_cnn()\n"
        "r = net(x)\n"
        "for model in models.values():\n"
        "    model(x)\n"
        "s = net(x)  # a direct call, on purpose\n"
        "t = models['CNN'](x)\n"
        "u = np.asarray(x)\n"
    )
    assert direct_model_calls(code) == [
        "p = reader(x)",
        "r = net(x)",
        "model(x)",
        "t = models['CNN'](x)",
    ]
