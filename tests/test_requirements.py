"""The environments: every package pinned exactly, and the JAX and PyTorch environments the same
as the TensorFlow one but for the backend, so that a stored run compares on any of them."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    found = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([\w.]+)", line)
            assert match, f"{name}: not an exact pin: {line!r}"
            found[match.group(1).lower()] = match.group(2)
    return found


def shared_with(backend_file: str, backend_packages: set[str]) -> dict[str, str]:
    """The pins of ``backend_file``, checked to be requirements.txt's with the backend swapped."""
    tensorflow, other = pins("requirements.txt"), pins(backend_file)
    assert "tensorflow" in tensorflow and "tensorflow" not in other
    shared = {name: version for name, version in tensorflow.items() if name != "tensorflow"}
    assert {name: other[name] for name in shared if name in other} == shared
    assert set(other) - set(shared) == backend_packages
    return other


def test_the_jax_environment_is_the_tensorflow_one_with_jax_instead():
    jax = shared_with("requirements-jax.txt", {"jax", "jaxlib"})
    assert jax["jax"] == jax["jaxlib"]


def test_the_torch_environment_is_the_tensorflow_one_with_torch_instead():
    # 2.13.0: the CPU-only build this project's machines hold (see the file's comment).
    assert shared_with("requirements-torch.txt", {"torch"})["torch"] == "2.13.0"
