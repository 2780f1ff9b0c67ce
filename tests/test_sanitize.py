"""The sanitize rules rewrite what honestly varies, and nothing that should be compared."""

import re

import pytest
from nbval.plugin import get_sanitize_patterns

from tests.scripts import ROOT

RULES = (ROOT / "tests" / "sanitize.cfg").read_text()
PATTERNS = get_sanitize_patterns(RULES)


def sanitize(text):
    for regex, replace in PATTERNS:
        text = re.sub(regex, replace, text)
    return text


def test_every_rule_is_read_by_nbval():
    # nbval silently skips a pair without the space after "regex:" / "replace:".
    assert len(PATTERNS) == len(re.findall(r"^regex:", RULES, re.MULTILINE)) > 0


@pytest.mark.parametrize(
    "run_a, run_b",
    [
        (
            "375/375 - 2s - 5ms/step - accuracy: 0.9190 - loss: 0.2877 - val_loss: 0.2770",
            "375/375 - 0s - 950us/step - accuracy: 0.9188 - loss: 0.2880 - val_loss: 0.2771",
        ),
        ("469/469 - 3s - 7ms/step - loss: 13922.0986", "469/469 - 1s - 2ms/step - loss: 9.1e-05"),
        ("Test accuracy: 0.9237", "Test accuracy: 0.9241"),
        ("Training took 15 s", "Training took 121.4 s"),
        (
            "763 of 10000 test images are misclassified",
            "758 of 10000 test images are misclassified",
        ),
        (
            "SGD      validation accuracy after 10 epochs: 0.9273",
            "SGD      validation accuracy after 10 epochs: 0.9301",
        ),
        (
            "stopped after 7 of 50 epochs; kept the weights of epoch 4",
            "stopped after 12 of 50 epochs; kept the weights of epoch 9",
        ),
        (
            "test digits misread by all 5 models: 9",
            "test digits misread by all 5 models: 10",
        ),
        (
            "after rate 2.0: 31 of 32 hidden neurons output 0 for every image",
            "after rate 2.0: 29 of 32 hidden neurons output 0 for every image",
        ),
        (
            "read correctly: 12 of 12 sample digits",
            "read correctly: 11 of 12 sample digits",
        ),
        (
            "probability of each answer: from 0.8312 to 0.9634",
            "probability of each answer: from 0.7990 to 0.9702",
        ),
        (
            "Keras 3.15.1 with the tensorflow backend",
            "Keras 3.15.1 with the jax backend",
        ),
        (
            "softmax regression           7,850     0.9237   763 wrong, trained in 18 s",
            "softmax regression           7,850     0.9241   76 wrong, trained in 9.5 s",
        ),
    ],
)
def test_two_honest_runs_compare_equal(run_a, run_b):
    assert sanitize(run_a) == sanitize(run_b)


@pytest.mark.parametrize(
    "deterministic",
    [
        "training images: (60000, 28, 28) uint8",
        "Epoch 7/20",
        "375/375",
        " Total params: 118,282 (462.04 KB)",
        "│ dense (Dense)                     │ (None, 10)               │         7,850 │",
        "digit 5:  5421 training images",
        "(60000, 784) float32 0.0 1.0",
        "Conv2D(32, 3, {'padding': 'same', 'strides': 2}) → (1, 14, 14, 32)",
        "softmax regression           7,850",
        "Total params: 94,634 (369.66 KB)",
        "MLP                        read twice, same probabilities: True",
    ],
)
def test_deterministic_output_is_left_alone(deterministic):
    assert sanitize(deterministic) == deterministic


def test_a_changed_structure_still_differs():
    assert sanitize("same probabilities: True") != sanitize("same probabilities: False")
    assert sanitize("Epoch 1/20\n375/375 - 1s") != sanitize("Epoch 1/15\n375/375 - 1s")
    assert sanitize("375/375 - 1s - 2ms/step") != sanitize("469/469 - 1s - 2ms/step")
    assert sanitize("Keras 3.15.1 with the jax backend") != sanitize(
        "Keras 3.16.0 with the jax backend"
    )
