"""Which machine a measurement comes from (the benchmarks state it beside every time)."""

from __future__ import annotations

import importlib
import platform
from pathlib import Path

BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def cpu_model() -> str:
    """The CPU's model name (Linux), else what the platform module knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def backend_version() -> str:
    """Keras's backend and its version, e.g. ``TensorFlow 2.21.0`` (imports the backend)."""
    import keras

    backend = keras.backend.backend()
    return f"{BACKEND_NAMES[backend]} {importlib.import_module(backend).__version__}"
