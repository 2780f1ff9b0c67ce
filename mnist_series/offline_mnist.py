"""Serve MNIST from a local ``.npz`` copy instead of Keras's download.

The notebooks call ``keras.datasets.mnist.load_data()`` and know nothing of
this module. When the test run is given a local copy (environment variable
``MNIST_NPZ``), the harness checks the copy with :func:`load_checked` and then
writes an IPython start-up file (:func:`write_startup_file`) that makes every
notebook kernel call :func:`install` before the first cell runs.

It can also check a copy by hand, and install the start-up file into an
IPython directory (a teacher's offline classroom; see data/README.md)::

    python -m mnist_series.offline_mnist path/to/mnist.npz
    python -m mnist_series.offline_mnist path/to/mnist.npz --startup ~/.ipython
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ENV_VAR = "MNIST_NPZ"
KEYS = ("x_train", "y_train", "x_test", "y_test")
SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}
# How many images of each digit 0..9 the real MNIST holds.
LABEL_COUNTS = {
    "y_train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    "y_test": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}


class BadMnistCopy(ValueError):
    """The file named as a local MNIST copy is not MNIST as Keras ships it."""


def check_arrays(arrays) -> None:
    """Raise :class:`BadMnistCopy` listing every way ``arrays`` differ from MNIST.

    ``arrays`` maps the four key names to NumPy arrays (an open ``NpzFile``
    works too).
    """
    problems = []
    missing = [key for key in KEYS if key not in arrays]
    if missing:
        problems.append(f"missing keys {missing} (it has {sorted(arrays)})")
    for key in KEYS:
        if key in missing:
            continue
        array = arrays[key]
        if array.dtype != np.uint8:
            problems.append(f"{key} has dtype {array.dtype}, expected uint8")
        if array.shape != SHAPES[key]:
            problems.append(f"{key} has shape {array.shape}, expected {SHAPES[key]}")
        if key in LABEL_COUNTS and array.ndim == 1 and array.dtype == np.uint8:
            counts = tuple(int(n) for n in np.bincount(array, minlength=10))
            if counts != LABEL_COUNTS[key]:
                problems.append(f"{key} label counts are {counts}, expected {LABEL_COUNTS[key]}")
    if problems:
        raise BadMnistCopy("; ".join(problems))


def load_checked(path) -> tuple:
    """Load ``path`` and return ``(x_train, y_train), (x_test, y_test)`` after checking it."""
    path = Path(path)
    if not path.is_file():
        raise BadMnistCopy(f"{path} is not a file")
    size = path.stat().st_size
    if size == 0:
        raise BadMnistCopy(f"{path} is empty (0 bytes): copy the file again")
    if not zipfile.is_zipfile(path):  # an .npz is a zip archive of .npy files
        raise BadMnistCopy(
            f"{path} is not an .npz file ({size:,} bytes, not a zip archive of NumPy arrays):"
            " a truncated copy, or another kind of file"
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise BadMnistCopy(f"{path} is a damaged .npz file ({reason}): copy it again") from error
    try:
        check_arrays(arrays)
    except BadMnistCopy as error:
        raise BadMnistCopy(f"{path} is not MNIST: {error}") from None
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def install(path) -> None:
    """Make ``keras.datasets.mnist.load_data()`` return the arrays in ``path``.

    The copy is checked once, here; each call of the replacement then reads the
    file again, so a notebook that changes the arrays it got cannot affect the
    next call.
    """
    import keras
    import keras.src.datasets.mnist as keras_mnist

    path = str(Path(path).resolve())
    load_checked(path)

    def load_data(path_in_cache="mnist.npz"):
        """MNIST from a local copy (installed by the test harness)."""
        with np.load(path, allow_pickle=False) as data:
            return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])

    keras.datasets.mnist.load_data = load_data
    keras_mnist.load_data = load_data


STARTUP_NAME = "00-offline-mnist.py"
STARTUP_TEMPLATE = """\
# Written by mnist_series/offline_mnist.py: serve MNIST from a local copy.
# Everything happens inside a function, so no name leaks into the notebook.
def _serve_offline_mnist():
    import importlib.util

    spec = importlib.util.spec_from_file_location("offline_mnist", {module!r})
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install({npz!r})


_serve_offline_mnist()
del _serve_offline_mnist
"""


def write_startup_file(ipython_dir, npz_path) -> Path:
    """Write the start-up file into ``ipython_dir`` and return its path.

    A kernel started with ``IPYTHONDIR=ipython_dir`` runs it before any cell.
    """
    startup = Path(ipython_dir) / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    target = startup / STARTUP_NAME
    target.write_text(startup_text(npz_path))
    return target


def startup_text(npz_path) -> str:
    """What the start-up file for ``npz_path`` contains."""
    return STARTUP_TEMPLATE.format(
        module=str(Path(__file__).resolve()), npz=str(Path(npz_path).resolve())
    )


def serve_to_kernels(npz_path) -> Path:
    """Check the copy, then make kernels started from now on in this process load it.

    Writes the start-up file into a new temporary IPython directory and points
    ``IPYTHONDIR`` at it (kernels inherit the environment). Returns that
    directory; the caller removes it when done.
    """
    load_checked(npz_path)
    ipython_dir = Path(tempfile.mkdtemp(prefix="ipython-offline-mnist-"))
    write_startup_file(ipython_dir, npz_path)
    os.environ["IPYTHONDIR"] = str(ipython_dir)
    return ipython_dir


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Check a local copy of MNIST.")
    parser.add_argument("npz", help="path to the .npz copy")
    parser.add_argument(
        "--startup",
        metavar="IPYTHONDIR",
        help="also make every IPython kernel that uses IPYTHONDIR load MNIST from the copy",
    )
    parser.add_argument(
        "--force", action="store_true", help="with --startup: replace a different start-up file"
    )
    args = parser.parse_args(argv)
    try:
        load_checked(args.npz)
    except BadMnistCopy as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{args.npz}: MNIST, as Keras ships it (keys, dtypes, shapes, label counts).")
    if args.startup:
        ipython_dir = Path(args.startup).expanduser()
        existing = ipython_dir / "profile_default" / "startup" / STARTUP_NAME
        wanted = startup_text(args.npz)
        if existing.is_file() and existing.read_text() != wanted and not args.force:
            print(
                f"{existing} already exists and serves another copy or an older set-up:"
                " add --force to replace it (every kernel of this IPython directory uses it)",
                file=sys.stderr,
            )
            return 1
        target = write_startup_file(ipython_dir, args.npz)
        print(f"Wrote {target}: kernels now load MNIST from {Path(args.npz).resolve()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
