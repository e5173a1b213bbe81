"""The README is the course's front page: its commands exist and its map matches the notebooks."""

import importlib.util
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
ROW = re.compile(r"^\| (\d\d) \| \[(.+?)\]\((notebooks/[^)]+)\) \| (.+?) \| (.+?) \| (\d+) min \|(?: [^|]+ \|)?$", re.M)


def _course_map():
    spec = importlib.util.spec_from_file_location("course_map", ROOT / "tools" / "course_map.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_first_screen_shows_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:25])
    assert "make lab" in first_screen and "make test" in first_screen


def test_every_make_target_the_readme_names_exists():
    targets = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    named = set(re.findall(r"(?:`|^)make (\w[\w-]*)", README, flags=re.M))
    assert {"lab", "test", "bench", "clean"} <= named
    for target in named:
        assert f"make {target} " in targets, f"README names `make {target}`, which `make help` does not list"


def test_map_lists_every_notebook_in_order_with_its_computed_time():
    course_map = _course_map()
    rows = ROW.findall(README)
    notebooks = course_map.notebooks()
    assert [r[2] for r in rows] == [f"notebooks/{p.name}" for p in notebooks]
    for (number, _, link, _, needs, minutes), path in zip(rows, notebooks):
        assert path.name.startswith(number)
        assert int(minutes) == course_map.estimate(path)[0], f"{link}: run tools/course_map.py and update the README"
        for before in re.findall(r"\b\d\d\b", needs):
            assert before < number, f"{link} cannot need a later notebook ({before})"


def test_map_titles_match_the_notebooks():
    import json

    for number, title, link, *_ in ROW.findall(README):
        first = "".join(json.loads((ROOT / link).read_text())["cells"][0]["source"])
        assert title in first.splitlines()[0], f"{link}: README calls it {title!r}"


def test_the_glulib_map_names_public_functions_that_exist_and_real_notebooks():
    """The map from formula to function to notebook under "`glulib/` is small and flat": every
    name it gives is public (no part starts with "_") and reachable from ``import glulib``."""
    import importlib

    section = README[README.index("`glulib/` is small and flat"):]
    rows = [line for line in section.splitlines() if line.strip().startswith("|")][2:]  # no header
    section_rows = []
    for line in rows:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3:
            break
        section_rows.append(cells)
    assert len(section_rows) >= 15
    notebooks = {p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    glulib = importlib.import_module("glulib")
    for formula, computed_by, taught_in in section_rows:
        assert set(taught_in.replace(" ", "").split(",")) <= notebooks, (formula, taught_in)
        names = [n.rstrip("/") for n in computed_by.split("`")[1::2]]
        assert names, formula
        for name in names:
            assert not any(part.startswith("_") for part in name.split(".")), name
            obj = glulib
            for part in name.split("."):
                obj = getattr(obj, part) if hasattr(obj, part) else importlib.import_module(f"{obj.__name__}.{part}")
