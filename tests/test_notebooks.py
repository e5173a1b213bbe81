"""Every course notebook runs top to bottom in a fresh kernel: no error, no warning.

How long each notebook takes is measured by ``make bench`` (bench/bench_notebooks.py), not
here: a test must pass on a machine that is busy with something else. The timeout below
only catches a cell that hangs, with a wide margin over the minute a notebook aims at.
"""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
HANG_TIMEOUT_S = 600  # per cell; a whole notebook aims at well under 60 s


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, (
                f"{path.name}: a code cell is stored with outputs; clear them before committing"
            )


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_runs_clean_from_a_fresh_kernel(path, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    monkeypatch.setenv("PYTHONWARNINGS", "default")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=HANG_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"cell {i}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                problems.append(f"cell {i}: stderr: {out.text[:300]}")
            elif "Warning" in out.get("text", ""):
                problems.append(f"cell {i}: warning in output: {out.text[:300]}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
