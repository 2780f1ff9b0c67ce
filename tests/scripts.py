"""What several test files share: the project's root, a notebook cell's text, a stand-alone
script of the project (images/, data/) imported by its path, and the environment variables that
prose may name (the placeholder checks let them through)."""

from __future__ import annotations

import importlib.util
import sys

from tools import ROOT

# Names in capitals with underscores that are real, not placeholders left in the prose.
KNOWN_NAMES = {
    "KERAS_BACKEND",
    "MNIST_NPZ",
    "MNIST_SERIES_MODELS",
    "KERAS_HOME",
    "HTTPS_PROXY",
    "TF_CPP_MIN_LOG_LEVEL",
    "OMP_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
}


def cell_source(cell) -> str:
    """A notebook cell's text (a stored notebook may hold it as a list of lines)."""
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def load_script(relative_path: str):
    """The module defined by ROOT/relative_path, imported once under its file name."""
    path = ROOT / relative_path
    name = path.stem
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
