"""The sparse decoding FFN (glulib.sparse) against the dense FFN (glulib.ffn), one thread.

One token through LAYERS SwiGLU FFNs of SmolLM2's size (d_model 576, d_ff 1536, float32):
like decoding, each layer's weights are read from memory once per token (LAYERS x 10.6 MB
is far larger than the last-level cache). The sparse kernel keeps the top k units by
|opening|, at sparsity s = 1 - k / d_ff. For each s: the speed-up over the dense FFN timed in
the same rounds (median and a 90% interval, bench/stats.py), and each FFN's time as a
fraction of the memory-bandwidth limit: the bytes it must read (dense: W, V, W2; sparse: W,
then V_j and W2_j for the kept units) at the copy bandwidth measured in this run. The
break-even is the sparsity where the median speed-up crosses 1 (linear between levels).
"""

import os

import numpy as np

import glulib
from glulib import kernelstudy as ks
from glulib import sparse
from glulib.train import single_threaded

from . import stats

LAYERS, D_MODEL, D_FF = 12, 576, 1536
SPARSITIES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
REPORTED = (0.5, 0.8, 0.9)
REPEATS = 11


def copy_bandwidth_one_thread(n_bytes=1 << 27, repeats=7):
    """Bytes per second of NumPy's copy on one thread (reads n and writes n bytes)."""
    src = np.ones(n_bytes // 4, dtype=np.float32)
    dst = np.empty_like(src)
    t = ks.interleaved({"copy": lambda: np.copyto(dst, src)}, repeats=repeats)["copy"]
    return 2 * src.nbytes / t


def bytes_read(k, d_model=D_MODEL, d_ff=D_FF, itemsize=4):
    """Weight bytes one token's FFN reads: all of W, and V and W2 for k units."""
    return itemsize * (d_model * d_ff + 2 * k * d_model)


def break_even(levels, speedups):
    """The sparsity where speed-up first reaches 1, interpolated linearly; None if never."""
    for i, (s, r) in enumerate(zip(levels, speedups)):
        if r >= 1.0:
            if i == 0:
                return s
            s0, r0 = levels[i - 1], speedups[i - 1]
            return s0 + (1.0 - r0) * (s - s0) / (r - r0)
    return None


def run():
    rng = np.random.default_rng(0)
    layers = [glulib.init_ffn(D_MODEL, D_FF, "swiglu", rng) for _ in range(LAYERS)]
    packed = [sparse.pack(p) for p in layers]
    x = rng.standard_normal(D_MODEL).astype(np.float32)  # (d_model,)
    x1 = x[None, :]  # (1, d_model)

    def dense():
        for p in layers:
            glulib.ffn(x1, p, "swiglu")

    def sparse_at(k):
        def go():
            for q in packed:
                sparse.sparse_ffn_token(x, q, "swiglu", k=k)
        return go

    with single_threaded():
        bandwidth = copy_bandwidth_one_thread()
        print(f"load average: {os.getloadavg()[0]:.2f}; {LAYERS} layers x (d_model {D_MODEL}, d_ff {D_FF}), "
              f"float32, one token, one thread; copy bandwidth {bandwidth / 1e9:.1f} GB/s "
              f"(read + written); median of {REPEATS} rounds")
        print(f"{'sparsity':>8s} {'k':>5s} {'dense ms':>9s} {'sparse ms':>10s} {'speed-up':>9s} {'90% interval':>13s} "
              f"{'ideal':>6s} {'dense/limit':>12s} {'sparse/limit':>13s}")
        speedups, rows = [], {}
        for s in SPARSITIES:
            k = max(1, round((1 - s) * D_FF))
            t = ks.interleaved_rounds({"dense": dense, "sparse": sparse_at(k)}, repeats=REPEATS)
            median, low, high = stats.ratio_interval(t["dense"], t["sparse"])
            td, tsp = float(np.median(t["dense"])), float(np.median(t["sparse"]))
            limit_dense = LAYERS * bytes_read(D_FF) / bandwidth
            limit_sparse = LAYERS * bytes_read(k) / bandwidth
            ideal = bytes_read(D_FF) / bytes_read(k)
            speedups.append(median)
            rows[s] = (median, low, high, limit_sparse / tsp)
            print(f"{s:8.0%} {k:5d} {td * 1e3:9.2f} {tsp * 1e3:10.2f} {median:9.2f} {low:6.2f}-{high:<6.2f} "
                  f"{ideal:6.2f} {limit_dense / td:12.2f} {limit_sparse / tsp:13.2f}", flush=True)
    even = break_even(SPARSITIES, speedups)
    print("break-even (sparse as fast as dense): "
          + (f"at {even:.0%} sparsity" if even is not None else "not reached"))
    print("speed-up at " + ", ".join(
        f"{s:.0%}: {rows[s][0]:.2f}x ({rows[s][1]:.2f}-{rows[s][2]:.2f}), {rows[s][3]:.2f} of the bandwidth limit"
        for s in REPORTED))


if __name__ == "__main__":
    run()
