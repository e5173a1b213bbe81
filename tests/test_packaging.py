"""environment.yml (Binder, conda) asks for exactly what pyproject.toml asks for."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WIDGET_FRONTENDS = ("jupyterlab", "ipywidgets", "jupyterlab_widgets", "ipympl")


def _parse(req):
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", req)
    name = m.group(1).lower().replace("-", "_")
    spec = ",".join(sorted(s.strip() for s in m.group(2).split(",") if s.strip()))
    return name, spec


def _pyproject():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(_parse(r) for r in meta["dependencies"]), meta["requires-python"]


def _environment():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = [d for d in env["dependencies"] if isinstance(d, str)]
    return dict(_parse(d) for d in deps)


def test_environment_matches_pyproject():
    pyproject, requires_python = _pyproject()
    env = _environment()
    assert env.pop("python") == requires_python
    env.pop("pip")
    assert env == pyproject


def test_widget_frontends_are_bounded_on_both_sides():
    pyproject, _ = _pyproject()
    for name in WIDGET_FRONTENDS:
        spec = pyproject[name]
        assert ">=" in spec and "<" in spec.replace("<=", ""), f"{name} needs a lower and an upper bound, has {spec!r}"


def test_postbuild_installs_the_package_without_dependencies():
    text = (ROOT / "postBuild").read_text()
    assert "pip install --no-deps -e ." in text
