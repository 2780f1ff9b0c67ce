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


def gpu_model() -> str | None:
    """The GPU that Keras's backend computes on, e.g. ``NVIDIA H200``; None without one.

    On JAX this starts the backend's devices; with a GPU, set
    ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` first if other processes will need its memory.
    """
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        gpus = [device for device in jax.devices() if device.platform == "gpu"]
        return gpus[0].device_kind if gpus else None
    if backend == "torch":
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    return tf.config.experimental.get_device_details(gpus[0]).get("device_name", gpus[0].name)
