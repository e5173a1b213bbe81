"""Compile every glulib kernel into Numba's on-disk cache, so that a learner's first call of
each one loads machine code instead of compiling it (2 s for notebook 00's first cell, tens of
seconds for all kernels).

Run by Binder's ``postBuild`` (the cache then ships in the image) and by the install step of
``make lab`` / ``make install``:

    python tools/warm_numba_cache.py          # a line per kernel compiled, then the totals

Every public entry point is called on tiny arrays of both dtypes, below and above the size
where the threads take over, and one tiny training step runs (``glulib.kernelstudy.warm_every_kernel``),
so each kernel a notebook can reach is compiled (or loaded, when the cache is warm already).
``stats()`` reports, per kernel, what came from the cache;
tests/test_warm_cache.py checks that a fresh process after this step compiles nothing.
"""

import importlib
import json
import pkgutil
import sys
import time

from numba.core import event as numba_event


def dispatchers():
    """{'module.name': dispatcher} for every Numba-compiled function defined in glulib."""
    import numba.core.registry

    import glulib

    found = {}
    for info in pkgutil.walk_packages(glulib.__path__, "glulib."):
        spec = importlib.util.find_spec(info.name)
        origin = getattr(spec, "origin", None)
        if not origin or not origin.endswith(".py"):
            continue
        with open(origin, "rb") as f:
            if b"njit" not in f.read():
                continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if isinstance(obj, numba.core.registry.CPUDispatcher) and obj.py_func.__module__ == info.name:
                found[f"{info.name}.{name}"] = obj
    return found


def stats(found):
    """Per compiled kernel: signatures, and how many of them the cache gave or compiled."""
    out = {}
    for name, d in found.items():
        if not d.signatures:
            continue  # inlined into the kernels, or called only from inside them
        s = d.stats
        out[name] = {"signatures": len(d.signatures), "cache_hits": sum(s.cache_hits.values()),
                     "cache_misses": sum(s.cache_misses.values())}
    return out


class Progress(numba_event.Listener):
    """Prints a line as each glulib kernel starts compiling: which one, how many of the
    ``total`` compiled functions have started, and the seconds so far (numba's "numba:compile"
    event fires only for a real compilation; a kernel loaded from the cache prints nothing).

    The count can end below ``total``: a function inlined into the kernels that call it is
    never compiled on its own."""

    def __init__(self, found, stream=None):
        self.names = {id(d): name for name, d in found.items()}
        self.total = len(found)
        self.seen = []
        self.stream = stream if stream is not None else sys.stdout
        self.start = time.perf_counter()

    def on_start(self, event):
        name = self.names.get(id(event.data.get("dispatcher")))
        if name is None or name in self.seen:
            return
        self.seen.append(name)
        print(f"  compiling kernel {len(self.seen):>2} of at most {self.total}: {name}"
              f"  ({time.perf_counter() - self.start:.0f} s)", file=self.stream, flush=True)

    def on_end(self, event):
        pass


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the per-kernel statistics as JSON")
    args = parser.parse_args(argv)
    from glulib import kernelstudy

    problem = kernelstudy.cache_problem()
    if problem:  # glulib has warned how to fix a missing cache; the course works, compiling as it goes
        print(f"{problem}: nothing was compiled ahead", file=sys.stderr)
        return 0
    start = time.perf_counter()
    found = dispatchers()
    progress = Progress(found, stream=sys.stderr if args.json else sys.stdout)
    if not args.json:
        print(f"Compiling glulib's kernels into Numba's cache ({len(found)} functions; "
              "about half a minute the first time, a few seconds once cached)", flush=True)
    numba_event.register("numba:compile", progress)
    try:
        kernelstudy.warm_every_kernel()
    finally:
        numba_event.unregister("numba:compile", progress)
    result = stats(found)
    seconds = time.perf_counter() - start
    if args.json:
        import glulib

        print(json.dumps({"seconds": seconds, "glulib": glulib.__file__, "kernels": result}))
    else:
        compiled = sum(r["cache_misses"] for r in result.values())
        loaded = sum(r["cache_hits"] for r in result.values())
        print(f"glulib kernels: {len(result)} compiled functions, {compiled} signatures compiled, "
              f"{loaded} loaded from the cache, {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
