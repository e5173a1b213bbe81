"""Compile every glulib kernel into Numba's on-disk cache, so that a learner's first call of
each one loads machine code instead of compiling it (2 s for notebook 00's first cell, tens of
seconds for all kernels).

Run by Binder's ``postBuild`` (the cache then ships in the image) and by the install step of
``make lab`` / ``make install``:

    python tools/warm_numba_cache.py          # one line: kernels, compiled, loaded, seconds

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
    kernelstudy.warm_every_kernel()
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
