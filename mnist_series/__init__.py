"""What the chapters import, and what a learner gets with them (the student kit ships this
package alone).

- ``helpers``: the plots and error-analysis helpers of the notebooks;
- ``training``: the plumbing around ``fit`` (stopwatch, validation split, short runs,
  ``let_jax_compile``);
- ``saved_models``: where trained models are saved (atomically) and found;
- ``own_digit``: prepare a picture of a digit the way MNIST was prepared;
- ``recipes``: every chapter's recipe (network, optimizer, epochs) and the classics they are
  compared with; notebook 7 builds notebook 4's CNN from it;
- ``series``: the series in one table (notebooks, saved models, floors, how the test run
  schedules them) and how a printed ``Test accuracy`` line is read;
- ``offline_mnist``: check a local copy of MNIST and serve it to Keras or to every kernel,
  for a learner or a classroom without internet (data/README.md);
- ``demo`` (with ``demo_page/``): the draw-a-digit page, ``make demo``.

``make setup`` installs this package into ``.venv`` (editable), so every notebook
imports it by name: ``from mnist_series import saved_models``. The maintainers' tools, which
import it too, are the package ``tools``; see docs/architecture.md.
"""
