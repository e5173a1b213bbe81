"""How long each course notebook takes, top to bottom in a fresh kernel (the course aims at
well under a minute each). ``tests/test_notebooks.py`` checks that they run clean and only
guards against a hang; the time is measured here, beside the load of the machine, because
a busy machine stretches it and a test must not fail for that.

    python -m bench notebooks
"""

import os
import resource
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TARGET_S = 60.0
HANG_TIMEOUT_S = 600  # per cell


def _children_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_notebook(path):
    """Wall seconds to run ``path`` in a fresh kernel (kernel start included), and the
    CPU seconds its kernel used (counted when the kernel process ends)."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        env_before = os.environ.get("MPLCONFIGDIR")
        os.environ["MPLCONFIGDIR"] = tmp
        try:
            client = NotebookClient(nb, timeout=HANG_TIMEOUT_S, kernel_name="python3",
                                    resources={"metadata": {"path": str(path.parent)}})
            cpu0 = _children_cpu_s()
            start = time.perf_counter()
            client.execute()
            wall = time.perf_counter() - start
        finally:
            if env_before is None:
                os.environ.pop("MPLCONFIGDIR", None)
            else:
                os.environ["MPLCONFIGDIR"] = env_before
    return wall, _children_cpu_s() - cpu0


def run():
    print(f"load average before: {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs; target < {TARGET_S:.0f} s each")
    print(f"{'notebook':36s} {'wall s':>7s} {'kernel CPU s':>13s}  load")
    over = []
    for path in NOTEBOOKS:
        wall, cpu = time_notebook(path)
        print(f"{path.stem:36s} {wall:7.1f} {cpu:13.1f}  {os.getloadavg()[0]:.2f}", flush=True)
        if wall >= TARGET_S:
            over.append(f"{path.stem} {wall:.0f} s")
    print("over the target: " + (", ".join(over) if over else "none")
          + "  (wall time includes waiting for a core when the machine is busy)")


if __name__ == "__main__":
    run()
