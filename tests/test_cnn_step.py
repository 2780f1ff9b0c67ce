"""The CNN step timer runs and reports what it measured (its numbers come from full runs only)."""

import json

import pytest

from benchmarks import cnn_step


def test_a_short_run_reports_its_configuration(capsys):
    assert cnn_step.main(["--steps", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["backend"] in ("tensorflow", "jax", "torch")
    assert result["batch_size"] == 256 and result["ms_per_step"] > 0
    # 188 batches of 256 make an epoch of notebook 4's 48,000 training images
    epoch = result["ms_per_step"] / 1000 * 188
    assert abs(result["seconds_per_epoch_of_48000"] - epoch) < 0.1


def test_the_plain_pytorch_reference_reports_the_same_fields(capsys):
    pytest.importorskip("torch")
    assert cnn_step.main(["--plain-torch", "--steps", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["backend"] == "plain torch" and result["ms_per_step"] > 0
