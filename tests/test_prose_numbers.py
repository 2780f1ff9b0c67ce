"""Numbers quoted in the notebooks' prose must come from a stored run.

A percentage with decimals ("97.73 %", "about 99.3 %"), a count of mistakes
("45 mistakes") or a training time ("in 482 s") in a markdown cell is a claim
about a run. Each must match, at the precision it is written with, a number
that a stored notebook printed, or a row of the benchmark tables or of an experiment's
record, or a floor.
When a notebook is re-recorded and its results move, the old figures left in
the prose fail here, and the failure names the cell and the figure.

Prose that must hold for any run says so in words ("above 99 %", "a few
dozen"); the word before a number tells a bound from a quote.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mnist_series import series
from tests.scripts import ROOT, cell_source

PATHS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [path.name for path in PATHS]
# The published tables, and the records of finished experiments that a chapter may quote.
BENCHMARK_TABLES = [
    ROOT / "benchmarks" / name for name in ("results.md", "notebooks.md", "seeds.md")
] + sorted((ROOT / "experiments").glob("*/*.md"))
BENCHMARK_RUNS = ROOT / "benchmarks" / "results.json"
RUN_TIMES = (ROOT / "benchmarks" / "notebooks.md").read_text().splitlines()

PERCENT = re.compile(r"(?<![\d.,])(\d{1,3}\.\d{1,2}) %")
MISTAKES = re.compile(r"(?<![\d.,])(\d{1,4}) (?:mistakes|wrong)\b")
SECONDS = re.compile(r"(?<![\d.,])(\d{1,4}) s\b")
STORED_MINUTES = re.compile(r"(\d+\.\d) minutes for the stored run")
# A number after one of these words is a bound or a setting, not a quote of a run.
BOUND = re.compile(
    r"\b(above|below|under|over|past|beyond|at least|at most|floors? of|than|up to)\s*$"
)


def outputs_text(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    outputs = [out for cell in cells if cell["cell_type"] == "code" for out in cell["outputs"]]
    return series.output_text(outputs)


def printed_percentages(text: str) -> set[float]:
    values = {float(v) * 100 for v in re.findall(r"(?<![\d.])0\.\d{4}\b", text)}
    values |= {float(v) for v in re.findall(r"(?<![\d.])(\d{1,3}\.\d+) ?%", text)}
    return values


def printed_counts(text: str) -> set[int]:
    counts = set(re.findall(r"(?<![\d.,])(\d+) (?:of 10000|wrong)\b", text))
    return {int(n) for n in counts}


def printed_seconds(text: str) -> set[int]:
    found = re.findall(r"(?<![\d.,])(\d+)(?:\.\d)? s\b", text)
    found += re.findall(r" - (\d+)s - ", text)  # a Keras log line: "469/469 - 24s - 51ms/step"
    return {int(n) for n in found}


def benchmark_seconds() -> set[int]:
    """Each benchmark run's whole training time and mean epoch, in whole seconds."""
    seconds = set()
    for run in json.loads(BENCHMARK_RUNS.read_text()):
        elapsed = run["elapsed"]
        seconds |= {round(elapsed[-1]), round(elapsed[-1] / len(elapsed))}
    return seconds


@pytest.fixture(scope="module")
def printed():
    texts = [outputs_text(path) for path in PATHS]
    texts += [table.read_text() for table in BENCHMARK_TABLES]
    everything = "\n".join(texts)
    percents = printed_percentages(everything)
    percents |= {100 * f for f in series.FLOORS.values() if f is not None}
    return percents, printed_counts(everything), printed_seconds(everything) | benchmark_seconds()


def quotes(pattern: re.Pattern, text: str):
    """The numbers ``pattern`` finds in ``text`` that are not bounds."""
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - 12) : match.start()]
        if not BOUND.search(before):
            yield match.group(1)


def prose_cells(path: Path):
    cells = json.loads(path.read_text())["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "markdown":
            yield index, cell_source(cell)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_prose_quotes_only_numbers_of_the_stored_runs(path, printed):
    percents, counts, seconds = printed
    stale = []
    for index, text in prose_cells(path):
        for quoted in quotes(PERCENT, text):
            digits = len(quoted.split(".")[1])
            if not any(abs(round(v, digits) - float(quoted)) < 1e-9 for v in percents):
                stale.append(f"cell {index}: {quoted} %")
        for n in quotes(MISTAKES, text):
            if int(n) not in counts:
                stale.append(f"cell {index}: {n} mistakes")
        stale += [f"cell {index}: {n} s" for n in quotes(SECONDS, text) if int(n) not in seconds]
        for minutes in STORED_MINUTES.findall(text):
            if f"| {path.name} |" not in "".join(
                line for line in RUN_TIMES if f"| {minutes} min (" in line
            ):
                stale.append(f"cell {index}: {minutes} minutes for the stored run")
    assert not stale, f"figures no stored run printed: {stale}"


def test_a_stale_figure_is_caught():
    percents, counts = printed_percentages("Test accuracy: 0.9237\n"), {763}
    text = "It reaches 92.37 % (763 mistakes), above 92 %; once 92.41 % and 770 mistakes."
    assert [q for q in quotes(PERCENT, text)] == ["92.37", "92.41"]
    assert [float(q) in {round(v, 2) for v in percents} for q in quotes(PERCENT, text)] == [
        True,
        False,
    ]
    assert [int(n) in counts for n in quotes(MISTAKES, text)] == [True, False]
