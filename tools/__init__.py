"""The maintainers' tools: what records, builds, checks and measures the series, never what a
chapter imports (that is ``mnist_series``).

- ``run_notebooks``: run notebooks as Restart & Run All does, store their outputs, measure
  run time and memory, and the accuracy over seeds (``benchmarks/notebooks.md``, ``seeds*.md``);
- ``classroom``: the student kit (``make student``) and the static site with slides
  (``make site``), from ``templates/``;
- ``recipe_check``: whether a model a notebook saved is its chapter's recipe (the test run);
- ``machine``: which CPU, GPU and backend a measurement comes from;
- ``beside_a_cnn``: a notebook's run time while a CNN trains beside it, which decides the test
  run's ``dense_only`` chapters.

``ROOT`` is the repository's folder, which these tools, the benchmarks and the tests read.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
