"""What the notebooks, the benchmark, the figures script and the tests share.

- ``series``: the series in one table (notebooks, saved models, floors, benchmark
  comparisons) and how a printed ``Test accuracy`` line is read;
- ``helpers``: the plots and error-analysis helpers of the notebooks;
- ``saved_models``: where trained models are saved (atomically) and found;
- ``own_digit``: prepare a picture of a digit the way MNIST was prepared;
- ``offline_mnist``: check a local copy of MNIST and serve it to kernels.

``make setup`` installs this package into ``.venv`` (editable), so every module
imports it by name: ``from mnist_series import saved_models``.
"""
