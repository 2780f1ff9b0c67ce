# The notebook-test harness lives in tests/; this file only loads it for every test.
pytest_plugins = ("tests.nbharness",)
