#!/usr/bin/env bash
# The series on a GPU machine, in one call: every notebook once (Restart & Run All, run time,
# accuracy), then notebook 5 over as many seeds as the time left allows. Written for the GPU
# machines this project is sometimes lent (an NVIDIA H200 with JAX and PyTorch for CUDA but no
# TensorFlow and no way to reach a package registry), so the rest travels beside the repo:
#
#   .whl/       wheels for Python 3.12 of what the machine lacks: keras==3.15.1, nbclient,
#               nbformat, ipykernel and their needs (benchmarks/gpu.md says how they were fetched)
#   .gpu/mnist.npz   the MNIST copy the tests use (../shared/data/mnist.npz), never committed
#
# Output goes to $OUT (default /tmp/gpu-out): machine.txt, notebooks.log, notebooks-gpu.md
# (tools/run_notebooks.py's table) and seeds.log. KERAS_BACKEND picks the backend (default jax),
# NOTEBOOKS the notebooks (default all; none: only the seeds), SEEDS notebook 5's seeds, and
# DEADLINE_S (default 520 s after the start) the time after which no further seed is started.
set -u
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 KERAS_BACKEND=${KERAS_BACKEND:-jax}
# Each kernel is its own process: JAX must not take three quarters of the GPU for the first.
export XLA_PYTHON_CLIENT_PREALLOCATE=false
export MNIST_NPZ=${MNIST_NPZ:-$PWD/.gpu/mnist.npz}
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
deadline=${DEADLINE_S:-520}

{
    date -u
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
    lscpu | grep -E "^Model name|^CPU\(s\)"
    python3 -c "import keras; from tools.machine import gpu_model, backend_version
print('Keras', keras.__version__, 'on', backend_version(), 'computing on', gpu_model())"
} 2>&1 | tee "$out/machine.txt"

if [ "${NOTEBOOKS:-}" != none ]; then
    python3 -m tools.run_notebooks ${NOTEBOOKS:-} --timeout 240 --out /tmp/gpu-run \
        --table "$out/notebooks-gpu.md" 2>&1 | tee "$out/notebooks.log"
fi

# Notebook 5 once per seed, each in a fresh kernel up to its accuracy line; a seed is started
# only if it can finish before the deadline at the pace of the one before.
last=0
for seed in ${SEEDS:-42 1 2 3 4 5 6 7}; do
    if (( SECONDS + last * 5 / 4 > deadline )); then
        echo "seed $seed and later: not started (${SECONDS} s gone)" | tee -a "$out/seeds.log"
        break
    fi
    start=$SECONDS
    python3 -m tools.run_notebooks notebooks/05_beyond_99.ipynb --timeout 240 \
        --seeds "$seed" 2>&1 | grep -E "seed|Error|error" | tee -a "$out/seeds.log"
    last=$(( SECONDS - start ))
done
echo "done in ${SECONDS} s"
