"""Unit tests for the offline MNIST substitution, on synthetic arrays (never real MNIST)."""

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mnist_series import offline_mnist
from tests.scripts import ROOT


def fake_mnist():
    """Arrays with MNIST's keys, dtypes, shapes and label counts, but blank images."""
    labels = {
        key: np.repeat(np.arange(10, dtype=np.uint8), counts)
        for key, counts in offline_mnist.LABEL_COUNTS.items()
    }
    return {
        "x_train": np.zeros((60000, 28, 28), np.uint8),
        "y_train": labels["y_train"],
        "x_test": np.full((10000, 28, 28), 7, np.uint8),
        "y_test": labels["y_test"],
    }


@pytest.fixture
def npz(tmp_path):
    path = tmp_path / "copy.npz"
    np.savez(path, **fake_mnist())
    return path


def test_good_arrays_pass():
    offline_mnist.check_arrays(fake_mnist())


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda a: a.pop("y_test"), "missing keys ['y_test']"),
        (lambda a: a.update(x_train=a["x_train"].astype(np.float32)), "x_train has dtype float32"),
        (lambda a: a.update(x_test=a["x_test"][:, :27]), "x_test has shape (10000, 27, 28)"),
        (lambda a: a.update(y_train=np.sort(a["y_train"])[::-1].copy()), None),
        (lambda a: a["y_train"].__setitem__(0, 9), "y_train label counts are (5922,"),
        (lambda a: a.update(y_test=a["y_test"][:9000]), "y_test has shape (9000,)"),
        # Labels of the wrong kind are named, not passed to bincount (TypeError / ValueError).
        (lambda a: a.update(y_train=a["y_train"].astype(np.float64)), "y_train has dtype float64"),
        (lambda a: a.update(y_test=a["y_test"].astype(np.int16) - 1), "y_test has dtype int16"),
    ],
)
def test_each_defect_is_named(spoil, message):
    arrays = fake_mnist()
    spoil(arrays)
    if message is None:  # same labels in another order: still MNIST's counts
        offline_mnist.check_arrays(arrays)
        return
    with pytest.raises(offline_mnist.BadMnistCopy) as caught:
        offline_mnist.check_arrays(arrays)
    assert message in str(caught.value)


def test_load_checked_returns_keras_layout(npz):
    (x_train, y_train), (x_test, y_test) = offline_mnist.load_checked(npz)
    assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)
    assert x_test[0, 0, 0] == 7


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(offline_mnist.BadMnistCopy, match="is not a file"):
        offline_mnist.load_checked(tmp_path / "nowhere.npz")


def _truncated(npz_bytes: bytes) -> bytes:
    return npz_bytes[: len(npz_bytes) // 2]


def _damaged(npz_bytes: bytes) -> bytes:
    middle = len(npz_bytes) // 2  # zip directory intact, one member's data overwritten
    return npz_bytes[:64] + b"\x00" * 2000 + npz_bytes[2064:] if middle > 4000 else npz_bytes


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda good: b"", "is empty (0 bytes)"),
        (lambda good: b"x_train,y_train\n1,2\n", "is not an .npz file"),  # a text file
        (_truncated, "is not an .npz file"),  # a copy cut short: no zip directory at the end
        (_damaged, "is a damaged .npz file"),
    ],
)
def test_unreadable_files_get_one_line_messages(npz, tmp_path, make, message):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(make(npz.read_bytes()))
    with pytest.raises(offline_mnist.BadMnistCopy) as caught:
        offline_mnist.load_checked(bad)
    text = str(caught.value)
    assert message in text and "\n" not in text
    assert "pickle" not in text  # NumPy's hint about pickled data would invite the wrong fix


def command_line(*args, mnist_hash=None):
    """Run ``python -m mnist_series.offline_mnist ARGS``; with ``mnist_hash``, that hash is
    declared to be MNIST's (the synthetic copies here are not MNIST)."""
    declare = f"offline_mnist.MNIST_ARRAYS_SHA256 = {mnist_hash!r}; " if mnist_hash else ""
    script = (
        f"import sys; from mnist_series import offline_mnist; {declare}"
        "sys.exit(offline_mnist.main(sys.argv[1:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )  # fmt: skip


def fake_hash(path) -> str:
    with np.load(path) as data:
        return offline_mnist.mnist_arrays_sha256(data)


def test_startup_file_patches_keras_and_leaks_no_names(npz, tmp_path):
    startup = offline_mnist.write_startup_file(tmp_path / "ipython", npz)
    assert startup.parent.name == "startup"
    printed = after_startup(
        startup,
        "leaked = sorted(set(namespace) - {'__name__', '__builtins__'})",
        "assert not leaked, leaked",
        "(x, y), (xt, yt) = keras.datasets.mnist.load_data()",
        "from keras.datasets import mnist",
        "assert mnist.load_data()[1][0][0, 0, 0] == 7",
        "print(x.shape, yt.shape, int(xt[0, 0, 0]))",
    )
    assert printed.endswith("(60000, 28, 28) (10000,) 7")


def after_startup(startup, *lines) -> str:
    """Run the start-up file as IPython would, in a fresh interpreter, then ``lines``
    (with keras imported); return what they print."""
    script = "\n".join(
        [
            "namespace = {'__name__': '__main__'}",
            f"exec(open({str(startup)!r}).read(), namespace)",
            "import keras",
            *lines,
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_install_refuses_a_bad_copy(tmp_path):
    bad = tmp_path / "bad.npz"
    arrays = fake_mnist()
    arrays["y_train"] = arrays["y_train"][:100]
    np.savez(bad, **arrays)
    with pytest.raises(offline_mnist.BadMnistCopy, match="y_train has shape"):
        offline_mnist.install(bad)


def test_command_line_check(npz, tmp_path):
    ok = command_line(npz, mnist_hash=fake_hash(npz))
    assert ok.returncode == 0 and "SHA-256 matches" in ok.stdout
    bad = command_line(tmp_path / "none.npz")
    assert bad.returncode == 1 and "is not a file" in bad.stderr


def test_command_line_calls_only_mnist_itself_mnist(npz, tmp_path):
    """A copy with MNIST's layout and label counts but labels shuffled against the images
    (or any other content) is refused by the arrays' hash, in one line."""
    declared = fake_hash(npz)
    arrays = fake_mnist()
    arrays["y_test"] = np.random.default_rng(0).permutation(arrays["y_test"])
    shuffled = tmp_path / "shuffled.npz"
    np.savez(shuffled, **arrays)
    offline_mnist.check_arrays(arrays)  # the layout and the counts are MNIST's
    refused = command_line(shuffled, "--cache", mnist_hash=declared)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "SHA-256 differs" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert "Traceback" not in refused.stderr


def test_the_arrays_hash_is_that_of_the_test_runs_mnist():
    npz = os.environ.get(offline_mnist.ENV_VAR)
    if not npz:
        pytest.skip(f"{offline_mnist.ENV_VAR} is not set")
    with np.load(npz) as data:
        assert offline_mnist.mnist_arrays_sha256(data) == offline_mnist.MNIST_ARRAYS_SHA256


def test_command_line_installs_the_startup_file(npz, tmp_path):
    done = command_line(npz, "--startup", tmp_path / "ipy", mnist_hash=fake_hash(npz))
    assert done.returncode == 0, done.stderr
    startup = tmp_path / "ipy" / "profile_default" / "startup" / "00-offline-mnist.py"
    assert str(npz.resolve()) in startup.read_text()


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_startup_pointed_at_a_file_is_refused_in_one_line(npz, tmp_path, where):
    (tmp_path / "ipy").write_text("not a folder")
    target = tmp_path / "ipy" if where == "a file" else tmp_path / "ipy" / "inside"
    done = command_line(npz, "--startup", target, mnist_hash=fake_hash(npz))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and str(tmp_path / "ipy") in done.stderr
    assert (tmp_path / "ipy").read_text() == "not a folder"


def test_startup_file_of_another_set_up_is_kept_unless_forced(npz, tmp_path):
    startup = tmp_path / "ipy" / "profile_default" / "startup" / "00-offline-mnist.py"
    startup.parent.mkdir(parents=True)
    startup.write_text("# a teacher's own start-up file\n")

    def command(*extra):
        return command_line(npz, "--startup", tmp_path / "ipy", *extra,
                            mnist_hash=fake_hash(npz))  # fmt: skip

    refused = command()
    assert refused.returncode == 1 and "already exists" in refused.stderr
    assert "--force" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert startup.read_text() == "# a teacher's own start-up file\n"
    assert command("--force").returncode == 0
    assert str(npz.resolve()) in startup.read_text()
    assert command().returncode == 0  # the same set-up again: nothing to refuse


def npz_of(path, members: dict) -> Path:
    """An .npz (a zip) whose members hold exactly the given bytes."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def npy_header(shape, dtype=np.uint8) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


def test_a_member_that_is_not_an_array_is_named(npz, tmp_path):
    with zipfile.ZipFile(npz) as good:
        members = {name: good.read(name) for name in good.namelist()}
    members["x_train.npy"] = b"these are not pixels"
    bad = npz_of(tmp_path / "bad.npz", members)
    with pytest.raises(offline_mnist.BadMnistCopy) as caught:
        offline_mnist.load_checked(bad)
    assert "x_train.npy is not a NumPy array" in str(caught.value)
    assert "\n" not in str(caught.value)
    done = command_line(bad)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_shapes_and_dtypes_are_checked_before_any_array_is_read(npz, tmp_path, monkeypatch):
    """A small file that announces a huge array is refused from its header alone."""
    with zipfile.ZipFile(npz) as good:
        members = {name: good.read(name) for name in good.namelist()}
    members["x_train.npy"] = npy_header((300_000_000,)) + b"\x00" * 1000
    members["y_test.npy"] = npy_header((10000,), np.float64) + b"\x00" * 1000
    bad = npz_of(tmp_path / "huge.npz", members)

    def no_reading(*args, **kwargs):
        raise AssertionError("np.load was called before the layout was checked")

    monkeypatch.setattr(offline_mnist.np, "load", no_reading)
    with pytest.raises(offline_mnist.BadMnistCopy) as caught:
        offline_mnist.load_checked(bad)
    message = str(caught.value)
    assert "x_train has shape (300000000,)" in message and "y_test has dtype float64" in message


def test_cache_takes_only_the_file_keras_downloads(npz, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    cached = tmp_path / "keras" / "datasets" / "mnist.npz"
    assert offline_mnist.keras_cache() == cached
    refused = command_line(npz, "--cache", mnist_hash=fake_hash(npz))
    assert refused.returncode == 1 and not cached.exists()
    assert "its SHA-256 differs" in refused.stderr and "--startup" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    # Keras's own file (here: a copy whose hash we declare to be Keras's) goes in.
    monkeypatch.setattr(offline_mnist, "KERAS_SHA256", offline_mnist.sha256_of(npz))
    assert offline_mnist.copy_into_cache(npz) == cached
    assert cached.read_bytes() == npz.read_bytes()
    assert [p.name for p in cached.parent.iterdir()] == ["mnist.npz"]  # no partial file left


def test_serve_to_kernels_points_ipython_at_the_startup_file(npz, monkeypatch):
    monkeypatch.delenv("IPYTHONDIR", raising=False)
    ipython_dir = offline_mnist.serve_to_kernels(npz)
    try:
        assert os.environ["IPYTHONDIR"] == str(ipython_dir)
        assert (ipython_dir / "profile_default" / "startup" / "00-offline-mnist.py").is_file()
    finally:
        shutil.rmtree(ipython_dir)


def test_startup_file_needs_nothing_from_the_repo_and_names_a_moved_copy(npz, tmp_path):
    startup = offline_mnist.write_startup_file(tmp_path / "ipython", npz)
    text = startup.read_text()
    root = str(ROOT)
    assert root not in text and "import mnist_series" not in text  # the repo may move
    npz.rename(tmp_path / "moved.npz")  # the copy itself moves
    message = after_startup(
        startup,
        "try:",
        "    keras.datasets.mnist.load_data()",
        "except FileNotFoundError as error:",
        "    print(error)",
    )
    assert "\n" not in message
    assert f"the local MNIST copy {npz} is gone (moved or deleted)" in message
    assert str(startup) in message and "--force" in message
