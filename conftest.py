"""Loads the notebook-test harness (tests/nbharness.py) and the ``browser`` fixture (headless
Chromium) that the site's and the demo's tests share, and sorts the tests into two tiers.

``make check`` runs ``pytest -m "not slow" tests``: the unit tests, notebook hygiene and prose
numbers, with no kernel, browser, server or training run. ``make test`` runs everything: also
the notebooks under nbval, the files of ``SLOW_FILES`` and the tests marked
``@pytest.mark.slow``.
"""

import pytest

pytest_plugins = ("tests.nbharness", "tests.browser")

# Test files that, test after test, start a server, a browser, a training run or the notebooks'
# first cells. A file with only a few such tests marks those tests instead.
SLOW_FILES = {"test_demo.py", "test_site.py", "test_student.py", "test_time_to_accuracy.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.suffix == ".ipynb" or item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
