"""The beside-a-CNN tool's arithmetic (its figures come from full runs: benchmarks/test-runs.md)."""

import pytest

from tools import beside_a_cnn


def test_the_cnn_pace_counts_only_the_lines_inside_the_notebook_run(tmp_path):
    log = tmp_path / "cnn.log"
    # every line: 50 more steps; before 100 and after 130 the notebook was not running
    log.write_text("90.00 5.00\n100.00 10.00\n110.00 19.00\n120.00 28.00\n130.00 37.00\n140 46\n")
    pace = beside_a_cnn.cnn_pace(log, start=100.0, end=130.0)
    assert pace == {"cnn_ms_per_step": 200.0, "cnn_cpu_ms_per_step": 180.0, "cnn_steps": 150}


def test_a_cnn_that_logged_too_little_is_an_error_not_a_number(tmp_path):
    log = tmp_path / "cnn.log"
    log.write_text("100.00 10.00\n")
    with pytest.raises(RuntimeError, match="logged 1 lines"):
        beside_a_cnn.cnn_pace(log, start=0.0, end=200.0)


def test_it_needs_a_notebook():
    with pytest.raises(SystemExit):
        beside_a_cnn.main([])
