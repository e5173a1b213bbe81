"""The worked solutions in the notebooks pass their own checkers.

Each notebook's collapsed Solution blocks hold code; a block that needs nothing but the notebook's
imports (a function such as my_swiglu_backward, or numbers computed from glulib) is run here with
those imports, followed by the exercise cell's check call, and the checker must say Right. No
kernel is started: the blocks run in this process, so a tolerance that drifts from what the
solution computes is caught in a second, not only when someone opens the notebook.
"""

import re
from pathlib import Path

import nbformat
import pytest

from glulib.exercises import Feedback

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK_LINE = re.compile(r"^\s*(?:display\()?(ex\.check_\w+\(.*\))\)?\s*$")


def _imports(nb):
    """The notebook's import lines (no magics, no plotting), as one piece of code."""
    first = next(c.source for c in nb.cells  # the Colab set-up cell (tools/colab_cell.py) aside
                 if c.cell_type == "code" and "colab-setup" not in c.metadata.get("tags", []))
    return "\n".join(line for line in first.splitlines()
                     if re.match(r"^(import|from) ", line) and "panels" not in line and "IPython" not in line)


def _check_call(line):
    m = CHECK_LINE.match(line)
    if not m:
        return None
    call = m.group(1)
    return call[:-1] if call.count(")") > call.count("(") else call  # display(ex.check_x(...)) -> ex.check_x(...)


def solutions(nb):
    """(block, check calls) for every Solution block, with the check calls of the exercise cell above."""
    out, checks = [], []
    for cell in nb.cells:
        if cell.cell_type == "code" and "ex.check_" in cell.source:
            checks = [c for c in map(_check_call, cell.source.splitlines()) if c]
        if cell.cell_type == "markdown" and "<summary>Solution" in cell.source:
            for block in re.findall(r"```python\n(.*?)```", cell.source, re.S):
                own = [c for c in map(_check_call, block.splitlines()) if c]
                body = "\n".join(line for line in block.splitlines() if not _check_call(line))
                out.append((body, own or checks))
    return out


CASES = [(path, i, body, calls) for path in NOTEBOOKS
         for i, (body, calls) in enumerate(solutions(nbformat.read(path, as_version=4))) if calls]


def test_there_are_solutions_to_run():
    assert len(CASES) >= 10, "expected worked solutions in code blocks under the exercises"


@pytest.mark.parametrize("path, i, body, calls", CASES, ids=[f"{p.stem[:2]}-{i}" for p, i, _, _ in CASES])
def test_a_worked_solution_passes_its_checker(path, i, body, calls):
    nb = nbformat.read(path, as_version=4)
    namespace = {}
    exec(_imports(nb), namespace)  # noqa: S102 - the notebook's own import lines
    if "ex" not in namespace:
        pytest.skip(f"{path.name} imports no exercise module as ex")
    try:
        exec(body, namespace)  # noqa: S102 - the notebook's own solution
        results = [eval(call, namespace) for call in calls]  # noqa: S307
    except NameError as exc:  # the block uses what earlier cells computed: the notebook test runs those
        pytest.skip(f"needs the notebook's earlier cells ({exc})")
    for call, feedback in zip(calls, results):
        assert isinstance(feedback, Feedback) and feedback, f"{path.name}: {call} -> {feedback}"
