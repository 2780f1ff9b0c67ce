"""The candidate script's "nb5" recipe must be notebook 5's recipe, read from the notebook."""

import json
import re
from pathlib import Path

from benchmarks import beyond_99_candidates as candidates

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_beyond_99.ipynb"


def notebook_recipe():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    shift, turn = re.search(r"def build_cnn\(.*shift=([\d.]+), turn=([\d.]+)", code).groups()
    blocks = re.search(r"for filters, padding in \[(.*)\]:", code).group(1)
    final = code[code.index("epochs = ") :]
    return {
        "epochs": int(re.search(r"epochs = (\d+)", final).group(1)),
        "batch": int(re.search(r"model\.fit\([^)]*batch_size=(\d+)", final).group(1)),
        "peak": float(re.search(r"warmup_cosine\(([\d.]+), epochs", final).group(1)),
        "widths": tuple(int(n) for n in re.findall(r"\((\d+),", blocks)),
        "shift": float(shift),
        "turn": float(turn),
    }


def test_the_nb5_candidate_is_the_notebooks_recipe():
    assert candidates.CANDIDATES["nb5"] == notebook_recipe()


def test_report_summarises_full_runs_per_candidate(tmp_path):
    runs = tmp_path / "runs.jsonl"
    lines = [
        {"name": "b256_e12", "seed": 1, "epochs": 12, "seconds": 444.2, "accuracy": 0.9949},
        {"name": "b256_e12", "seed": 7, "epochs": 12, "seconds": 410.9, "accuracy": 0.9935},
        {"name": "nb5", "seed": 42, "epochs": 1, "seconds": 28.2, "accuracy": 0.4838},
    ]
    runs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    table = candidates.report(runs).splitlines()
    assert len(table) == 3, "a one-epoch timing run is not a result"
    assert "| b256_e12 |" in table[2] and "| 2 | 0.9935 | 0.9942 | 0.9949 | 428 s |" in table[2]
    assert table[2].endswith("| 1: 0.9949, 7: 0.9935 |")
