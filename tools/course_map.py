"""The learner-time estimate of each notebook, for the README's course map.

    python tools/course_map.py        # prints the estimate of every notebook

The estimate is computed, not guessed: reading the Markdown at READING_WPM words a minute
(slower than prose, for the formulas), CODE_CELL_MIN minutes to run and look at each code
cell's output, and EXERCISE_MIN minutes for each exercise (one per collapsed Solution
block), rounded to the nearest five minutes. tests/test_readme.py checks the README's map
against it.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READING_WPM = 110
CODE_CELL_MIN = 0.5
EXERCISE_MIN = 4.0
SOLUTION = re.compile(r"<summary>\s*Solution", re.I)


def notebooks():
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def estimate(path):
    """(minutes, words, code cells, exercises) for one notebook."""
    cells = json.loads(Path(path).read_text())["cells"]
    markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    # the Colab set-up cell (tools/colab_cell.py) is not the learner's: it does nothing outside Colab
    code = sum(1 for c in cells if c["cell_type"] == "code" and "colab-setup" not in c["metadata"].get("tags", []))
    exercises = sum(len(SOLUTION.findall(m)) for m in markdown)
    words = sum(len(re.findall(r"\w+", SOLUTION.split(m)[0])) for m in markdown)
    minutes = words / READING_WPM + code * CODE_CELL_MIN + exercises * EXERCISE_MIN
    return 5 * max(1, round(minutes / 5)), words, code, exercises


def main():
    for path in notebooks():
        minutes, words, code, exercises = estimate(path)
        print(f"{path.name:34s} {minutes:3d} min  ({words} words, {code} code cells, {exercises} exercises)")


if __name__ == "__main__":
    sys.exit(main())
