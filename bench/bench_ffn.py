"""The FFN block's forward plus backward against its matmuls alone (issue 2).

n = 4096 tokens, d_model = 512, d_ff = 1365, float32. "matmuls" runs exactly the matrix
products glulib.ffn and glulib.ffn_backward perform (the backward recomputes a = xW and
u = xV instead of storing them), on preallocated operands, with nothing elementwise; the
ratio ffn / matmuls is the overhead of everything else (fused kernels, bias sums, copies).
Target: within 1.2x.
"""

import os

import numpy as np

import glulib
from glulib import kernelstudy as ks

N, D_MODEL, D_FF = 4096, 512, 1365
REPEATS = 5


def _matmuls(x, p, dy, gated):
    def run():
        a = x @ p["W"]  # (n, d_ff) forward
        u = x @ p["V"] if gated else a
        h = a  # stands for the hidden product (same shape; its elementwise work is not a matmul)
        y = h @ p["W2"]  # (n, d_model)
        a = x @ p["W"]  # backward recomputes a and u
        u = x @ p["V"] if gated else a
        dW2 = h.T @ dy  # (d_ff, d_model)
        dh = dy @ p["W2"].T  # (n, d_ff)
        dW = x.T @ dh  # (d_model, d_ff)
        dx = dh @ p["W"].T  # (n, d_model)
        if gated:
            dV = x.T @ u  # (d_model, d_ff)
            dx += u @ p["V"].T
        return y, dW2, dW, dx

    return run


def run():
    rng = np.random.default_rng(0)
    print(f"load average: {os.getloadavg()[0]:.2f}; n={N}, d_model={D_MODEL}, d_ff={D_FF}, float32; "
          f"median of {REPEATS}, interleaved")
    print(f"{'variant':9s} {'ffn ms':>8s} {'matmuls ms':>11s} {'ffn/matmuls':>12s}")
    misses = []
    x = rng.standard_normal((N, D_MODEL), dtype=np.float32)
    dy = rng.standard_normal((N, D_MODEL), dtype=np.float32)
    for variant in [*glulib.VARIANTS, *glulib.BASELINES]:
        p = glulib.init_ffn(D_MODEL, D_FF, variant, rng)
        gated = variant in glulib.VARIANTS
        t = ks.interleaved({
            "ffn": lambda: (glulib.ffn(x, p, variant), glulib.ffn_backward(dy, x, p, variant)),
            "matmuls": _matmuls(x, p, dy, gated),
        }, repeats=REPEATS)
        ratio = t["ffn"] / t["matmuls"]
        print(f"{variant:9s} {t['ffn'] * 1e3:8.1f} {t['matmuls'] * 1e3:11.1f} {ratio:12.2f}", flush=True)
        if ratio > 1.2:
            misses.append(f"{variant}: {ratio:.2f}")
    print("target ffn/matmuls <= 1.2: " + ("met for every variant" if not misses else "missed for " + ", ".join(misses)))


if __name__ == "__main__":
    run()
