"""Serve MNIST from a local ``.npz`` copy instead of Keras's download.

The notebooks call ``keras.datasets.mnist.load_data()`` and know nothing of
this module. When the test run is given a local copy (environment variable
``MNIST_NPZ``), the harness checks the copy with :func:`load_checked` and then
writes an IPython start-up file (:func:`write_startup_file`) that makes every
notebook kernel call :func:`install` before the first cell runs.

It can also check a copy by hand, and install the start-up file into an IPython
directory (a teacher's offline classroom; see data/README.md). By hand, a copy must also
hold MNIST's very images and labels: a hash of its arrays is compared with MNIST's (see
``MNIST_ARRAYS_SHA256``); any other file, MNIST with shuffled labels included, is refused::

    python -m mnist_series.offline_mnist path/to/mnist.npz
    python -m mnist_series.offline_mnist path/to/mnist.npz --startup ~/.ipython
    python -m mnist_series.offline_mnist path/to/mnist.npz --cache   # Keras's own file only
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import zipfile
import zlib
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
    """The file named as a local MNIST copy cannot serve as MNIST; the message says why."""


# What "checked" means. load_checked (the test harness, install, the start-up file) checks a
# copy's layout: the four keys, their dtypes and shapes, read from the .npy headers before any
# array is loaded, then the label counts. That catches another file, a damaged copy and other
# data in MNIST's layout; it does not catch MNIST's labels shuffled against its images. The
# command line also compares a hash of the four arrays with MNIST's (mnist_arrays_sha256),
# and only a copy that matches is called MNIST.
#
# The SHA-256 of the four arrays, as mnist_arrays_sha256 computes it, of the MNIST copy the
# project's test runs use. It depends on the arrays alone, not on how the file was zipped.
MNIST_ARRAYS_SHA256 = "e5ea4841dd6fde90b155843179ce5756a4864227194eec7fb09d7cfc4cf702a5"


def _layout_problems(layouts: dict, names) -> list[str]:
    """Every way a file with members ``names``, whose arrays have ``layouts`` (key ->
    (dtype, shape)), differs from MNIST's layout."""
    problems = []
    missing = [key for key in KEYS if key not in names]
    if missing:
        problems.append(f"missing keys {missing} (it has {sorted(names)})")
    for key, (dtype, shape) in layouts.items():
        if key not in KEYS:
            continue
        if dtype != np.uint8:
            problems.append(f"{key} has dtype {dtype}, expected uint8")
        if tuple(shape) != SHAPES[key]:
            problems.append(f"{key} has shape {tuple(shape)}, expected {SHAPES[key]}")
    return problems


def check_arrays(arrays) -> None:
    """Raise :class:`BadMnistCopy` listing every way ``arrays`` differ from MNIST's layout
    (keys, dtypes, shapes) and label counts.

    ``arrays`` maps the four key names to NumPy arrays (an open ``NpzFile``
    works too).
    """
    names = list(arrays.files if hasattr(arrays, "files") else arrays)
    values = {key: arrays[key] for key in KEYS if key in names}
    problems = [
        f"{k} is not a NumPy array" for k, v in values.items() if not isinstance(v, np.ndarray)
    ]
    values = {key: value for key, value in values.items() if isinstance(value, np.ndarray)}
    problems += _layout_problems({k: (v.dtype, v.shape) for k, v in values.items()}, names)
    for key, expected in LABEL_COUNTS.items():
        labels = values.get(key)
        if labels is not None and labels.ndim == 1 and labels.dtype == np.uint8:
            counts = tuple(int(n) for n in np.bincount(labels, minlength=10))
            if counts != expected:
                problems.append(f"{key} label counts are {counts}, expected {expected}")
    if problems:
        raise BadMnistCopy("; ".join(problems))


def read_layouts(path) -> dict:
    """Each of the KEYS arrays' (dtype, shape) in the .npz at ``path``, from the .npy
    headers alone, and the names of all its members: ``(layouts, names)``.

    Raises BadMnistCopy for a member that is not a NumPy array (an .npz may hold any file)
    or whose header cannot be read; members other than KEYS are not opened.
    """
    layouts = {}
    with zipfile.ZipFile(path) as archive:
        members = {name.removesuffix(".npy"): name for name in archive.namelist()}
        for key, name in members.items():
            if key not in KEYS:
                continue  # never opened
            with archive.open(name) as stream:
                try:
                    version = np.lib.format.read_magic(stream)
                except ValueError:
                    _read_through(archive, name)  # a damaged member fails its CRC here
                    raise BadMnistCopy(
                        f"{path}: {name} is not a NumPy array (it does not start as an .npy"
                        " file does): this is not MNIST's .npz"
                    ) from None
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
                else:
                    raise BadMnistCopy(f"{path}: {name} is an .npy file of version {version}")
            layouts[key] = (dtype, shape)
    return layouts, list(members)


def _read_through(archive: zipfile.ZipFile, name: str) -> None:
    """Read member ``name`` to its end in blocks: zipfile raises BadZipFile if its bytes
    do not match the CRC recorded when it was written (a damaged copy)."""
    with archive.open(name) as stream:
        while stream.read(1 << 20):
            pass


def mnist_arrays_sha256(arrays) -> str:
    """The SHA-256 of the four arrays: each key, dtype and shape, then its bytes."""
    digest = hashlib.sha256()
    for key in KEYS:
        array = np.ascontiguousarray(arrays[key])
        digest.update(f"{key} {array.dtype.str} {array.shape}\n".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def load_checked(path) -> tuple:
    """Load ``path`` and return ``(x_train, y_train), (x_test, y_test)`` after checking its
    layout (keys, dtypes and shapes, from the headers, before any array is read) and label
    counts. It does not check that the images and labels are MNIST's: see
    :func:`mnist_arrays_sha256`."""
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
    damaged = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)
    try:
        problems = _layout_problems(*read_layouts(path))
        if problems:
            raise BadMnistCopy(f"{path} is not MNIST: {'; '.join(problems)}")
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in KEYS}
    except BadMnistCopy:
        raise
    except damaged as error:
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
    next call. (It runs the same code as the start-up file.)
    """
    load_checked(path)
    exec(startup_text(path, origin="mnist_series.offline_mnist.install"), {})


STARTUP_NAME = "00-offline-mnist.py"
# The start-up file needs nothing from the repository (only NumPy and Keras), so the
# series' folder can move; if the copy itself is gone, load_data() says so in the notebook.
STARTUP_TEMPLATE = """\
# Written by mnist_series/offline_mnist.py: every IPython kernel that runs this file loads
# MNIST from a checked local copy instead of downloading it. Delete this file to undo that.
# Everything happens inside a function, so no name leaks into the notebook.
def _serve_offline_mnist(npz, origin):
    import os

    try:
        import keras
        import keras.src.datasets.mnist as keras_mnist
    except ImportError:  # a kernel without Keras: nothing to serve
        return

    def load_data(path="mnist.npz"):
        \"\"\"MNIST from a local copy (see the start-up file named in the error below).\"\"\"
        import numpy as np

        if not os.path.isfile(npz):
            raise FileNotFoundError(
                f"the local MNIST copy {{npz}} is gone (moved or deleted), and {{origin}} "
                "serves it instead of Keras's download: point it at the copy's new place "
                "with `python -m mnist_series.offline_mnist NEW.npz --startup IPYTHONDIR "
                "--force`, or delete that file to let Keras download MNIST (data/README.md)"
            )
        with np.load(npz, allow_pickle=False) as data:
            return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])

    keras.datasets.mnist.load_data = load_data
    keras_mnist.load_data = load_data


_serve_offline_mnist({npz!r}, {origin!r})
del _serve_offline_mnist
"""


def write_startup_file(ipython_dir, npz_path) -> Path:
    """Write the start-up file into ``ipython_dir`` and return its path.

    A kernel started with ``IPYTHONDIR=ipython_dir`` runs it before any cell.
    """
    startup = Path(ipython_dir) / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    target = startup / STARTUP_NAME
    target.write_text(startup_text(npz_path, origin=str(target)))
    return target


def startup_text(npz_path, origin: str) -> str:
    """What the start-up file at ``origin`` serving ``npz_path`` contains."""
    return STARTUP_TEMPLATE.format(npz=str(Path(npz_path).resolve()), origin=origin)


# The SHA-256 of the mnist.npz that Keras downloads and accepts in its cache
# (keras/src/datasets/mnist.py); a copy with the same arrays but other bytes is deleted.
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def keras_cache() -> Path:
    """Where Keras looks for mnist.npz: $KERAS_HOME/datasets, else ~/.keras/datasets."""
    home = os.environ.get("KERAS_HOME") or "~/.keras"
    return Path(home).expanduser() / "datasets" / "mnist.npz"


def copy_into_cache(npz_path, target: Path | None = None) -> Path:
    """Copy a checked MNIST file into Keras's cache, if Keras will accept it there.

    Raises BadMnistCopy if the file is not MNIST, or is MNIST with other bytes
    than Keras's own file (Keras would delete it from the cache on the next
    offline ``load_data()``); the message then says to use ``--startup`` instead.
    The copy is written under a temporary name and renamed, so a cache never
    holds half a file.
    """
    load_checked(npz_path)
    if sha256_of(npz_path) != KERAS_SHA256:
        raise BadMnistCopy(
            f"{npz_path} is not the exact file Keras downloads (its SHA-256 differs), so"
            " Keras would delete it from its cache: serve it to the kernels"
            " with --startup ~/.ipython instead (data/README.md)"
        )
    target = Path(target) if target else keras_cache()
    target.parent.mkdir(parents=True, exist_ok=True)
    from mnist_series.saved_models import replacing

    with replacing(target) as partial:
        shutil.copyfile(npz_path, partial)
    return target


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
    parser.add_argument(
        "--cache",
        action="store_true",
        help="copy it into Keras's cache (~/.keras/datasets) if Keras will keep it there",
    )
    args = parser.parse_args(argv)
    try:
        (x_train, y_train), (x_test, y_test) = load_checked(args.npz)
    except BadMnistCopy as error:
        print(error, file=sys.stderr)
        return 1
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    if mnist_arrays_sha256(arrays) != MNIST_ARRAYS_SHA256:
        print(
            f"{args.npz} has MNIST's keys, dtypes, shapes and label counts, but other images or"
            " labels (the arrays' SHA-256 differs from MNIST's): it is not MNIST, and the"
            " chapters would not show their stored results; get the file again (data/README.md)",
            file=sys.stderr,
        )
        return 1
    print(
        f"{args.npz}: MNIST (the keys, dtypes and shapes Keras returns, and arrays whose"
        " SHA-256 matches MNIST's)."
    )
    if args.cache:
        try:
            target = copy_into_cache(args.npz)
        except (BadMnistCopy, OSError) as error:
            print(error, file=sys.stderr)
            return 1
        print(f"Copied it to {target}: load_data() now reads it there, offline.")
    if args.startup:
        return _install_startup(args)
    return 0


def _install_startup(args) -> int:
    """``--startup IPYTHONDIR``: write the start-up file there, unless another is in the way."""
    ipython_dir = Path(args.startup).expanduser()
    if ipython_dir.exists() and not ipython_dir.is_dir():
        print(f"--startup {ipython_dir} is a file: name an IPython directory", file=sys.stderr)
        return 1
    existing = ipython_dir / "profile_default" / "startup" / STARTUP_NAME
    wanted = startup_text(args.npz, origin=str(existing))
    try:
        if existing.is_file() and existing.read_text() != wanted and not args.force:
            print(
                f"{existing} already exists and serves another copy or an older set-up:"
                " add --force to replace it (every kernel of this IPython directory uses it)",
                file=sys.stderr,
            )
            return 1
        target = write_startup_file(ipython_dir, args.npz)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        print(f"cannot write {existing} ({reason}): name another IPython directory",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"Wrote {target}: kernels now load MNIST from {Path(args.npz).resolve()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
