"""Notebook 6's comparison table must be the series as notebooks 1 to 5 recorded it.

Notebook 6 loads the models that notebooks 1 to 5 saved and prints one row for each:
parameters, test accuracy, mistakes and the training time saved beside the model. When the
stored notebooks come from one recording, in order, those models are the ones the stored
chapters trained, and every number in the table is one that the chapter printed itself: its
summary's ``Total params``, its ``Test accuracy`` line and its ``Training took N s`` line.
A table read from models of another run differs in at least the training times, and fails
here, naming the chapter and the number.

The stored outputs are read as JSON; nothing is executed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from mnist_series import series
from tests.scripts import ROOT

NOTEBOOKS = ROOT / "notebooks"
COMPARISON = NOTEBOOKS / "06_comparison.ipynb"
SAVING = [chapter for chapter in series.CHAPTERS if chapter.name]
TEST_IMAGES = 10_000

# "MLP + dropout                 118,282     0.9809   191 wrong, trained in 26 s"
TABLE_ROW = re.compile(
    r"^(?P<title>\S.*?)\s+(?P<parameters>\d[\d,]*)\s+(?P<accuracy>0\.\d{4})"
    r"\s+(?P<mistakes>\d+) wrong, trained in (?P<seconds>\d+) s$",
    re.MULTILINE,
)
TOTAL_PARAMS = re.compile(r"^\s*Total params: (\d[\d,]*)", re.MULTILINE)
TRAINING_TOOK = re.compile(r"^Training took (\d+) s$", re.MULTILINE)


@dataclass(frozen=True)
class Row:
    parameters: int
    accuracy: float
    mistakes: int
    seconds: int


def stored_output(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    outputs = [out for cell in cells if cell["cell_type"] == "code" for out in cell["outputs"]]
    return series.output_text(outputs)


def table_rows(text: str) -> dict[str, Row]:
    """Notebook 6's table, by model title."""
    return {
        match["title"]: Row(
            parameters=int(match["parameters"].replace(",", "")),
            accuracy=float(match["accuracy"]),
            mistakes=int(match["mistakes"]),
            seconds=int(match["seconds"]),
        )
        for match in TABLE_ROW.finditer(text)
    }


def chapter_row(text: str) -> Row:
    """What a chapter printed about the model it saved.

    Its training is the one ``Training took`` line; its model's size is the last
    ``Total params`` printed before that line (the summary of the model it then trains).
    """
    took = list(TRAINING_TOOK.finditer(text))
    assert len(took) == 1, f"expected one 'Training took N s' line, got {len(took)}"
    sizes = TOTAL_PARAMS.findall(text, 0, took[0].start())
    assert sizes, "no model summary before the training"
    accuracies = series.accuracies_in(text)
    assert len(accuracies) == 1, f"expected one 'Test accuracy' line, got {accuracies}"
    accuracy = accuracies[0]
    return Row(
        parameters=int(sizes[-1].replace(",", "")),
        accuracy=accuracy,
        mistakes=round((1 - accuracy) * TEST_IMAGES),
        seconds=int(took[0].group(1)),
    )


def differences(table: Row, chapter: Row) -> list[str]:
    return [
        f"{field}: table {getattr(table, field)}, chapter {getattr(chapter, field)}"
        for field in ("parameters", "accuracy", "mistakes", "seconds")
        if getattr(table, field) != getattr(chapter, field)
    ]


@pytest.fixture(scope="module")
def table():
    return table_rows(stored_output(COMPARISON))


def test_the_table_has_a_row_for_every_saved_model(table):
    assert sorted(table) == sorted(chapter.title for chapter in SAVING)


@pytest.mark.parametrize("chapter", SAVING, ids=[chapter.notebook for chapter in SAVING])
def test_the_row_is_what_the_chapter_printed(table, chapter):
    printed = chapter_row(stored_output(NOTEBOOKS / chapter.notebook))
    assert chapter.title in table, f"notebook 6 shows no row for {chapter.title!r}"
    wrong = differences(table[chapter.title], printed)
    assert not wrong, f"notebook 6 read a model from another run than {chapter.notebook}: {wrong}"


def test_a_row_from_another_run_is_caught():
    chapter = (
        'Model: "cnn"\n Total params: 34,826 (136.04 KB)\n'
        "Epoch 1/12\nTraining took 223 s\nTest accuracy: 0.9928\n"
        " Total params: 50,186 (196.04 KB)\n"  # an exercise's network, after the training
    )
    same = "CNN                            34,826     0.9928   72 wrong, trained in 223 s"
    other = "CNN                            34,826     0.9928   72 wrong, trained in 209 s"
    printed = chapter_row(chapter)
    assert printed == Row(34_826, 0.9928, 72, 223)
    assert differences(table_rows(same)["CNN"], printed) == []
    assert differences(table_rows(other)["CNN"], printed) == ["seconds: table 209, chapter 223"]


def test_titles_with_spaces_and_signs_are_read_whole():
    text = "CNN + BN + augmentation        85,210     0.9941   59 wrong, trained in 357 s\n"
    assert table_rows(text) == {"CNN + BN + augmentation": Row(85_210, 0.9941, 59, 357)}
