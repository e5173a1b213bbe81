"""Calls from several Python threads at once: the same numbers as one at a time, under every
threading layer, including Numba's workqueue (its fallback when neither OpenMP nor TBB
loads), which aborts the process when two threads launch parallel kernels at once unless
glulib runs the launches one at a time."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import glulib
from glulib import jit

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sys, threading
import numba
import numpy as np
import glulib

n = 4 * glulib.jit.SERIAL_BELOW  # large enough for the parallel kernels
expected = {}
for dtype in (np.float32, np.float64):
    x = np.linspace(-3, 3, n).astype(dtype)
    expected[dtype] = (glulib.glu(x, x, "silu"), glulib.glu_backward(x, x, x, "gelu")[1])
wrong = []

def work(dtype):
    x = np.linspace(-3, 3, n).astype(dtype)
    for _ in range(20):
        out, dgate = glulib.glu(x, x, "silu"), glulib.glu_backward(x, x, x, "gelu")[1]
        if not (np.array_equal(out, expected[dtype][0]) and np.array_equal(dgate, expected[dtype][1])):
            wrong.append(dtype)

threads = [threading.Thread(target=work, args=(dtype,)) for dtype in (np.float32, np.float64) * 3]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(numba.threading_layer(), len(wrong))
"""


@pytest.mark.skipif(jit.jit_disabled(), reason="no parallel kernels without the JIT")
def test_concurrent_calls_under_the_workqueue_layer_neither_abort_nor_differ():
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    env["NUMBA_THREADING_LAYER"] = "workqueue"
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["workqueue", "0"]


def test_concurrent_calls_in_this_process_give_the_same_numbers(rng):
    n = 2 * jit.SERIAL_BELOW
    value, gate, dout = rng.standard_normal((3, n)).astype(np.float32)
    expected = glulib.glu_backward(dout, value, gate, "silu")
    results = []

    def work():
        results.append(glulib.glu_backward(dout, value, gate, "silu"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    for dvalue, dgate in results:
        np.testing.assert_array_equal(dvalue, expected[0])
        np.testing.assert_array_equal(dgate, expected[1])


class _Kernel:
    """Stands for a Numba dispatcher compiled with parallel=True."""

    targetoptions = {"parallel": True}

    def __init__(self, calls):
        self.calls = calls

    def __call__(self, x):
        self.calls.append(x)


def test_launches_are_serialised_only_under_workqueue(monkeypatch):
    import numba

    calls = []
    monkeypatch.setattr(jit, "_serialise", True)
    monkeypatch.setattr(numba, "threading_layer", lambda: "omp")
    jit.launch(lambda x: calls.append(x), 0)  # a serial kernel: no lock, nothing learnt
    assert calls == [0] and jit._serialise is True
    jit.launch(_Kernel(calls), 1)
    assert calls == [0, 1] and jit._serialise is False  # OpenMP is thread-safe: no lock from now on
    monkeypatch.setattr(jit, "_serialise", True)
    monkeypatch.setattr(numba, "threading_layer", lambda: "workqueue")
    jit.launch(_Kernel(calls), 2)
    assert calls == [0, 1, 2] and jit._serialise is True
