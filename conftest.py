# The notebook-test harness lives in tests/; this file only loads it for every test, with the
# `browser` fixture (headless Chromium) that the site's and the demo's tests share.
pytest_plugins = ("tests.nbharness", "tests.browser")
