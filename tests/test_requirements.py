"""The environments: exact pins, each listed once, a learner's free of the maintainers' tools, and
every file a requirements file includes shipped beside it in the student kit."""

import re
from pathlib import Path

import pytest

from tests.scripts import ROOT
from tools import classroom

LEARNERS = ("requirements.txt", "requirements-jax.txt", "requirements-torch.txt")
PIN = re.compile(r"([A-Za-z0-9_.-]+)==([\w.]+)")


def read(name: str) -> tuple[dict[str, str], list[str]]:
    """The pins that ``name`` lists itself, and the files it includes (``-r``)."""
    pins, includes = {}, []
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            includes.append(line[3:].strip())
        elif line:
            match = PIN.fullmatch(line)
            assert match, f"{name}: not an exact pin: {line!r}"
            pins[match[1].lower()] = match[2]
    return pins, includes


def closure(*names: str) -> dict[str, str]:
    """Every pin that ``pip install -r`` of ``names`` installs, each checked to be listed once."""
    found: dict[str, str] = {}
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        pins, includes = read(name)
        twice = set(found) & set(pins)
        assert not twice, f"{name} lists again {sorted(twice)}"
        found.update(pins)
        todo += includes
    return found


@pytest.mark.parametrize("learner", LEARNERS)
def test_a_learner_gets_a_backend_and_no_maintainers_tool(learner):
    pins = closure(learner)
    assert "keras" in pins and len({"tensorflow", "jax", "torch"} & set(pins)) == 1
    assert not {"pytest", "ruff", "nbval", "playwright"} & set(pins)
    assert set(closure(learner, "requirements-dev.txt")) > set(pins)  # nothing listed twice


def test_the_student_kit_ships_what_its_requirements_include():
    shipped = {Path(path).name for path in classroom.KIT}
    for name in shipped & set(LEARNERS):
        assert set(read(name)[1]) <= shipped, f"the kit ships {name} but not what it includes"
