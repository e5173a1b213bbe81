"""Run every benchmark module (bench/bench_*.py) in turn, or only those named:

    python -m bench                 # all of them
    python -m bench kernels panels  # bench_kernels.py and bench_panels.py
"""

import importlib
import os
import pkgutil
import sys
import time

import bench


SETTINGS = ("OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY", "GLIBC_TUNABLES")


def main(argv):
    print("environment: " + ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in SETTINGS)
          + "  (make bench sets them; see the Makefile)")
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    wanted = [f"bench_{a}" for a in argv] or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        raise SystemExit(f"python -m bench: no module {unknown}; have {names}")
    for name in wanted:
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        importlib.import_module(f"bench.{name}").run()
        print(f"({name} took {time.perf_counter() - start:.1f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
