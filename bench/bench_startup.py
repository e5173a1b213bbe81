"""Start-up costs in fresh processes (issue 2): a cold compile of every kernel (float32 and
float64) with an empty NUMBA_CACHE_DIR, then the warm start, import glulib plus a first
call, loading from that cache. Targets: cold < 30 s, warm < 1.5 s. CPU seconds are shown
beside wall seconds: on a loaded machine the wall clock includes waiting for a core.
"""

import os

from glulib import kernelstudy as ks


def run():
    print(f"load average: {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    cold, warm = ks.cold_and_warm(every=True)
    first, first_warm = ks.cold_and_warm(every=False)
    print(f"cold, every kernel, both dtypes: {cold['total_s']:6.1f} s wall in-process "
          f"({cold['cpu_s']:.1f} s CPU), {cold['wall_s']:.1f} s for the whole process   target < 30 s")
    print(f"cold, import + first glu call:   {first['total_s']:6.1f} s wall")
    print(f"warm, import + first glu call:   {first_warm['import_s'] + first_warm['first_call_s']:6.2f} s "
          f"(import {first_warm['import_s']:.2f} s, call {first_warm['first_call_s']:.2f} s; "
          f"whole process {first_warm['wall_s']:.2f} s)   target < 1.5 s")
    print(f"warm, every kernel loaded:       {warm['total_s']:6.2f} s")


if __name__ == "__main__":
    run()
