"""The environments: every package pinned exactly, and the JAX environment the same as the
TensorFlow one but for the backend, so that a stored run compares on either."""

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


def test_the_jax_environment_is_the_tensorflow_one_with_jax_instead():
    tensorflow, jax = pins("requirements.txt"), pins("requirements-jax.txt")
    assert "tensorflow" in tensorflow and "tensorflow" not in jax
    assert {"jax", "jaxlib"} <= set(jax) and jax["jax"] == jax["jaxlib"]
    shared = {name: version for name, version in tensorflow.items() if name != "tensorflow"}
    assert {name: jax[name] for name in shared if name in jax} == shared
    assert set(jax) - set(shared) == {"jax", "jaxlib"}
