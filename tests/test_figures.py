"""The figure script runs, makes every figure, and the committed figures are its output."""

import re

import numpy as np
import pytest
from PIL import Image

from tests.scripts import ROOT, load_script

make_figures = load_script("images/make_figures.py")

EXPECTED = {
    "convolution.png",
    "convolution.gif",
    "stride.png",
    "padding.png",
    "max_pooling.png",
    "neuron.png",
    "network.png",
    "data_parallel.png",
}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    return {path.name: path for path in make_figures.make_all(out)}


def test_script_makes_every_figure(made):
    assert set(made) == EXPECTED


def test_animation_slides_over_every_position(made):
    with Image.open(made["convolution.gif"]) as gif:
        assert gif.n_frames == make_figures.convolve(make_figures.IMAGE, make_figures.KERNEL).size


def test_committed_figures_are_the_scripts_output(made):
    for name, path in made.items():
        committed = ROOT / "images" / name
        assert committed.is_file(), f"images/{name} is not committed: run images/make_figures.py"
        with Image.open(path) as new, Image.open(committed) as old:
            same = np.array_equal(np.asarray(new.convert("RGB")), np.asarray(old.convert("RGB")))
        assert same, f"images/{name} is out of date: run images/make_figures.py"


def test_every_image_link_in_the_notebooks_is_made_by_the_script():
    linked = set()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        linked |= set(re.findall(r"\]\(\.\./images/([^)\s]+)\)", notebook.read_text()))
    assert linked <= EXPECTED, f"linked but not made by the script: {linked - EXPECTED}"


def test_convolve_matches_the_definition():
    image = np.arange(16).reshape(4, 4)
    kernel = np.array([[1, 0], [0, -1]])
    # each output is top-left minus bottom-right of its 2 x 2 window: always -5
    assert (make_figures.convolve(image, kernel) == -5).all()
    assert make_figures.convolve(make_figures.IMAGE, make_figures.KERNEL, stride=2).shape == (3, 3)


def notebook_4_code() -> str:
    import json

    notebook = json.loads((ROOT / "notebooks" / "04_convolutional_network.ipynb").read_text())
    return "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")


def test_notebook_4_and_the_figures_convolve_and_pool_alike():
    """Notebook 4 writes its convolution out (that is the lesson) and the figures draw one:
    the two must compute the same feature maps, and show the same 4 x 4 pooling example."""
    import ast

    tree = ast.parse(notebook_4_code())
    definition = next(
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "convolve"
    )
    namespace = {"np": np}
    exec(compile(ast.Module([definition], []), "notebook 4", "exec"), namespace)
    rng = np.random.default_rng(0)
    for size, k in [(28, 3), (7, 3), (6, 2)]:
        image = rng.integers(0, 9, (size, size))
        kernel = rng.integers(-2, 3, (k, k))
        np.testing.assert_array_equal(
            namespace["convolve"](image, kernel), make_figures.convolve(image, kernel)
        )
    block = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "block"
    )
    assert np.array_equal(ast.literal_eval(block.args[0]), make_figures.POOL_INPUT)
