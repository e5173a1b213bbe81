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


# ---- Binder: the README's badge and link open JupyterLab at notebook 00, built from environment.yml
BINDER = re.compile(r"https://mybinder\.org/v2/gh/(?P<repo>[\w.-]+/[\w.-]+)/(?P<ref>[\w./-]+)\?(?P<query>[^)\s\"']+)")


def _binder_urls():
    return [m for m in BINDER.finditer((ROOT / "README.md").read_text())]


def test_readme_has_a_binder_badge_and_link_that_open_notebook_00_in_jupyterlab():
    from urllib.parse import parse_qs

    readme = (ROOT / "README.md").read_text()
    urls = _binder_urls()
    assert len(urls) >= 2, "README needs a Binder badge and a Binder link"
    assert re.search(r"\[!\[Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]\(https://mybinder\.org/v2/gh/",
                     readme), "the Binder badge (mybinder.org/badge_logo.svg linking to the launch URL) is missing"
    assert len({m.group(0) for m in urls}) == 1, "the badge and the link launch different things"
    query = parse_qs(urls[0].group("query"))
    assert query.get("urlpath") == ["lab/tree/notebooks/00_typhoon_pump.ipynb"], query
    target = query["urlpath"][0].removeprefix("lab/tree/")
    assert (ROOT / target).is_file(), f"Binder would open {target}, which does not exist"


def test_binder_builds_from_environment_yml_then_installs_glulib():
    # repo2docker reads binder/ instead of the root when that folder exists
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    names = {_parse(d)[0] for d in env["dependencies"] if isinstance(d, str)}
    assert {"jupyterlab", "ipywidgets", "jupyterlab_widgets", "ipympl"} <= names
    post = ROOT / "postBuild"
    assert post.stat().st_mode & 0o111, "postBuild must be executable for repo2docker to run it"
    assert post.read_text().startswith("#!")


def test_installed_widget_frontends_are_within_the_bounds():
    """The versions the browser tests run against are ones the bounds allow (and Binder picks)."""
    from importlib.metadata import PackageNotFoundError, requires, version

    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    pyproject, _ = _pyproject()
    for name in WIDGET_FRONTENDS:
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # not installed here: nothing to compare
        assert installed in SpecifierSet(pyproject[name]), f"{name} {installed} is outside {pyproject[name]}"
    # ipywidgets names the jupyterlab_widgets frontend it works with; the bounds must admit it
    pinned = [Requirement(r) for r in requires("ipywidgets") or [] if r.startswith("jupyterlab_widgets")]
    for req in pinned:
        assert version("jupyterlab_widgets") in req.specifier
        lower = re.search(r">=\s*([\d.]+)", pyproject["jupyterlab_widgets"]).group(1)
        assert lower.split(".")[0] == version("jupyterlab_widgets").split(".")[0], (
            "jupyterlab_widgets' major version in pyproject.toml differs from what ipywidgets needs")


def test_binder_start_sets_the_thread_settings_the_makefile_exports():
    """repo2docker runs ``start`` before the server; it must be executable, hand over to the
    command it is given, and set what the Makefile exports for make lab and make test."""
    start = ROOT / "start"
    assert start.stat().st_mode & 0o111, "start must be executable for repo2docker to run it"
    text = start.read_text()
    assert text.startswith("#!") and 'exec "$@"' in text
    exported = dict(re.findall(r"^export (\w+) \?= (\S+)$", (ROOT / "Makefile").read_text(), re.M))
    assert exported.keys() == {"OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY"}
    for name, value in exported.items():
        assert f'export {name}="${{{name}:-{value}}}"' in text, name


def test_start_runs_the_command_with_the_settings():
    import subprocess

    exported = dict(re.findall(r"^export (\w+) \?= (\S+)$", (ROOT / "Makefile").read_text(), re.M))
    out = subprocess.run(["bash", str(ROOT / "start"), "sh", "-c", "echo $OPENBLAS_THREAD_TIMEOUT $OMP_WAIT_POLICY"],
                         capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"}).stdout
    assert out.split() == [exported["OPENBLAS_THREAD_TIMEOUT"], exported["OMP_WAIT_POLICY"]]


# ---- the site and the slides: what `make install` and `make site` install
def test_make_install_installs_the_site_extra_and_its_versions_are_within_bounds():
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import Requirement

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    site = {Requirement(r).name.lower(): Requirement(r) for r in extras["site"]}
    assert {"sphinx", "myst-nb", "sphinx-book-theme"} <= site.keys()
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"pip install --quiet -e '\.\[test,site,cluster\]'", make), \
        "make install must install the site extra (and the cluster extra the Dask tests use)"
    for name, req in site.items():
        assert req.specifier, f"{name} needs bounds"
        try:
            assert version(name) in req.specifier, f"{name} {version(name)} is outside {req.specifier}"
        except PackageNotFoundError:
            continue


def test_the_browser_libraries_are_pinned_and_locked():
    """MathJax and reveal.js come from npm at exact versions that the lock file records, so
    `npm ci` in `make site` installs the same files everywhere."""
    import json

    package = json.loads((ROOT / "docs" / "package.json").read_text())
    lock = json.loads((ROOT / "docs" / "package-lock.json").read_text())
    deps = package["dependencies"]
    assert {"mathjax", "reveal.js"} <= deps.keys()
    for name, spec in deps.items():
        exact = spec.split("@")[-1]
        assert re.fullmatch(r"\d+\.\d+\.\d+", exact), f"{name} must be pinned exactly, is {spec!r}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == exact, name
    assert deps["mathjax"].startswith("3."), "docs/conf.py loads MathJax 3's tex-mml-chtml.js"
    assert deps["mathjax2"] == "npm:mathjax@2.7.9", "nbconvert's slides configure MathJax 2"
    make = (ROOT / "Makefile").read_text()
    assert "cd docs && npm ci" in make
    assert re.search(r"^site: install \$\(WEB\)", make, re.M) and re.search(r"^slides: install \$\(WEB\)", make, re.M)
    assert re.search(r"^test: .*\$\(WEB\)", make, re.M)


def test_dask_is_an_optional_extra_that_make_test_installs_never_a_course_dependency():
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {Requirement(r).name.lower() for r in project["dependencies"]}
    assert not names & {"dask", "distributed"}
    cluster = [Requirement(r) for r in project["optional-dependencies"]["cluster"]]
    assert [(r.name, sorted(r.extras)) for r in cluster] == [("dask", ["distributed"])]
    assert "dask" not in (ROOT / "environment.yml").read_text()
