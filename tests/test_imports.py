"""Clean house: glulib's modules import each other without cycles, and nothing outside a
module reaches for its private names.

Both checks read the source with ``ast`` (nothing is imported or run):

* the import graph of glulib, with every ``import`` and ``from ... import`` a module holds,
  at module level or inside a function, must be acyclic;
* no module of glulib/, bench/, tools/, app/ and no notebook imports or reads another
  module's private name (``from glulib.x import _y``, ``x._y`` where x is a glulib module).
  A private *module* (``_validate``, ``panels/_common``) may be used inside its own package:
  that is what the underscore of a module means.
"""

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "glulib"

#: Private names still reached from outside, each with who removes it. Empty it, never grow it.
ALLOWED = set()


# ---- reading the sources -----------------------------------------------------------------
def _module_name(path):
    """glulib/panels/zoo.py -> "glulib.panels.zoo"; glulib/panels/__init__.py -> "glulib.panels"."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _glulib_modules():
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


MODULES = _glulib_modules()


def _is_package(name):
    return (ROOT / Path(*name.split(".")) / "__init__.py").exists()


def _is_private(part):
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__")) and part != "_"


def _code_cells(notebook):
    """A notebook's code as one Python source: IPython magics and shell lines dropped."""
    cells = json.loads(notebook.read_text())["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines += [line for line in src.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


def _sources():
    """(where, module name or None, source) for every file the private-name rule covers."""
    out = [(str(p.relative_to(ROOT)), name, p.read_text()) for name, p in MODULES.items()]
    for folder in ("bench", "tools", "app"):
        for p in sorted((ROOT / folder).rglob("*.py")):
            out.append((str(p.relative_to(ROOT)), _module_name(p), p.read_text()))
    for folder in ("notebooks", "app"):
        for p in sorted((ROOT / folder).glob("*.ipynb")):
            out.append((str(p.relative_to(ROOT)), None, _code_cells(p)))
    return out


def _resolve(node, module):
    """The absolute dotted name a ``from`` import starts from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if module and _is_package(module) else (module or "").split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(tree, module):
    """Every (target, line) a module imports; a target is a dotted name: a module or an object in one."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, alias.asname or alias.name.split(".")[0], alias.asname is not None
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module)
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno, alias.asname or alias.name, True


def _module_of(target):
    """The glulib module a dotted import target lands in (the longest prefix that is one), or None."""
    parts = target.split(".")
    for n in range(len(parts), 0, -1):
        name = ".".join(parts[:n])
        if name in MODULES:
            return name
    return None


# ---- (a) no import cycles ----------------------------------------------------------------
def _graph():
    graph = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for target, _, _, _ in _imports(ast.parse(path.read_text()), name):
            dep = _module_of(target)
            if dep is not None and dep != name:
                graph[name].add(dep)
    return graph


def _cycle(graph):
    """One cycle of the graph as a list of modules, or None (depth-first search, three colours)."""
    colour = dict.fromkeys(graph, 0)  # 0 unseen, 1 on the current path, 2 done
    path = []

    def visit(node):
        colour[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if colour[nxt] == 1:
                return path[path.index(nxt):] + [nxt]
            if colour[nxt] == 0:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        colour[node] = 2
        return None

    for node in sorted(graph):
        if colour[node] == 0:
            found = visit(node)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_module_and_function_level_imports():
    graph = _graph()
    assert "glulib.feedforward" in graph["glulib.costs"]  # a module-level import
    assert "glulib.costs" in graph["glulib.panels.ffn"]  # ``from .. import costs``


def test_no_import_cycles_in_glulib():
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


# ---- (b) no private names reached from outside -------------------------------------------
def _allowed_private_module(owner, private, accessor):
    """A private submodule (``glulib._validate``) may be used by modules of its own package."""
    name = f"{owner}.{private}"
    return (name in MODULES or _is_package(name)) and accessor is not None and accessor.startswith(owner + ".")


def _violation(target, accessor):
    """The (owner, private name) a dotted name reaches across a module boundary, or None."""
    parts = target.split(".")
    if parts[0] != "glulib":
        return None
    for i, part in enumerate(parts[1:], start=1):
        if _is_private(part):
            owner = ".".join(parts[:i])
            if owner == accessor or _allowed_private_module(owner, part, accessor):
                if f"{owner}.{part}" in MODULES or _is_package(f"{owner}.{part}"):
                    continue  # inside its own package: go on reading the rest of the name
                return None
            return owner, part
    return None


def _private_uses(source, accessor):
    """(line, text) for each import or attribute read of another module's private name."""
    tree = ast.parse(source)
    bound = {}  # local name -> the dotted glulib name it stands for
    found = []
    for target, line, local, explicit in _imports(tree, accessor):
        hit = _violation(target, accessor)
        if hit:
            found.append((line, f"imports {hit[0]}.{hit[1]}"))
        bound[local] = target if explicit else target.split(".")[0]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain, base = [], node
        while isinstance(base, ast.Attribute):
            chain.append(base.attr)
            base = base.value
        if not isinstance(base, ast.Name) or base.id not in bound:
            continue
        dotted = ".".join([bound[base.id], *reversed(chain)])
        if _module_of(bound[base.id]) != bound[base.id] and not _is_package(bound[base.id]):
            continue  # an object imported from a module, not a module: its attributes are its own
        hit = _violation(dotted, accessor)
        if hit and (node.lineno, f"reads {hit[0]}.{hit[1]}") not in found:
            found.append((node.lineno, f"reads {hit[0]}.{hit[1]}"))
    return found


def test_the_private_name_rule_catches_imports_and_attributes():
    src = ("from glulib.core import _forward_parallel, glu\n"
           "import glulib.panels._common as c\n"
           "from glulib.fast import kernels as K\n"
           "K._forward_span\n"
           "import glulib\n"
           "glulib._config.CHUNK\n")
    assert [text for _, text in _private_uses(src, None)] == [
        "imports glulib.core._forward_parallel", "imports glulib.panels._common",
        "reads glulib.fast.kernels._forward_span", "reads glulib._config"]
    inside = "from .. import _validate\nfrom ._common import Panel\nfrom ..core import _checked_run\n"
    assert [t for _, t in _private_uses(inside, "glulib.panels.zoo")] == ["imports glulib.core._checked_run"]
    assert _private_uses("from . import _validate\n_validate.choice\n", "glulib.feedforward") == []


def _offenders():
    found = set()
    for where, accessor, source in _sources():
        for line, text in _private_uses(source, accessor):
            found.add((where, text))
    return found


def test_no_module_or_notebook_reaches_for_another_modules_private_names():
    found = _offenders()
    unexpected = sorted(found - ALLOWED)
    assert not unexpected, "private names reached from outside their module:\n" + "\n".join(
        f"  {where}: {text}" for where, text in unexpected)
    stale = sorted(ALLOWED - found)
    assert not stale, "ALLOWED lists offences that are gone; remove them:\n" + "\n".join(map(str, stale))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_glulib_module_parses(name):
    ast.parse(MODULES[name].read_text())


# ---- the README's map of glulib names functions that exist and are public -----------------
def test_the_readme_map_names_public_glulib_functions_and_real_notebooks():
    import importlib

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("`glulib/` is small and flat"):]
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
            assert not any(_is_private(part) for part in name.split(".")), name
            obj = glulib
            for part in name.split("."):
                if not hasattr(obj, part):
                    obj = importlib.import_module(f"{obj.__name__}.{part}")
                else:
                    obj = getattr(obj, part)
