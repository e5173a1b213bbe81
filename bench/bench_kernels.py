"""Fused GLU kernels against NumPy and PyTorch eager, at 2^22 elements (issues 2 and 7).

For every gated variant and dtype: the fused forward, and forward plus backward, timed
interleaved with the plain NumPy composition, NumPy's in-place ufuncs (where written),
and PyTorch's CPU eager ops with autograd (if torch is installed: `pip install -e '.[bench]'`).
Ratios > 1 mean the fused kernel is faster: each is the median of the per-round ratios,
and comes with the interval that holds the true median with at least 90% confidence
(``bench.stats.ratio_interval``; the table prints torch's). A target counts as missed when
the ratio's interval lies wholly below it; a ratio below the target with the interval across it is a tie this run cannot
separate, listed as such (bilinear's forward, one multiply at the memory roof, is one:
both sides move the same bytes at the same speed). "bw" is the effective bandwidth of the fused
kernel (the bytes that must move: 3 arrays forward, 8 forward plus backward) as a
fraction of this machine's copy bandwidth (the faster of NumPy's one-thread copy and
a copy split over all threads, on 64 MB arrays), measured in the same run. With torch, the
float32 accuracy of both sides is printed after the table: what each one computes matters
as much as how fast (PyTorch's float32 GELU evaluates 1 + erf(z / sqrt 2), which cancels in
the left tail).
"""

import os

import numpy as np

import glulib
from glulib import kernelstudy as ks

from bench import stats

N = 1 << 22
# Medians of 11 interleaved runs: on a shared machine 7 left the memory-bound rows (bilinear)
# reading 0.93-1.15 of torch from one run to the next. 11 rounds give a 93.5% interval
# (the 3rd to the 9th of the sorted per-round ratios).
REPEATS = 11
TARGET_NUMPY = {"glu": 1.5, "swiglu": 1.5, "geglu": 1.5, "bilinear": 1.0, "reglu": 1.0}


def _torch():
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    return torch, F


def _torch_candidates(torch, F, name, dtype, value, gate, dout):
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    tv = torch.from_numpy(value).to(tdtype)
    tg = torch.from_numpy(gate).to(tdtype)
    td = torch.from_numpy(dout).to(tdtype)
    act = {
        "sigmoid": torch.sigmoid,
        "silu": F.silu,
        "gelu": F.gelu,
        "relu": F.relu,
        "identity": lambda g: g,
    }[name]

    def forward():
        with torch.no_grad():
            return tv * act(tg)

    def fwd_bwd():
        v = tv.detach().requires_grad_(True)
        g = tg.detach().requires_grad_(True)
        out = v * act(g)
        out.backward(td)
        return out, v.grad, g.grad

    return forward, fwd_bwd


def _accuracy_beside_torch(torch, F):
    """What each side computes: float32 error in ulps against the float64 reference, over
    every 2^-10 on [-30, 30] (where the reference is at least 1e-20), glulib beside torch."""
    z = np.arange(-30, 30, 2.0**-10).astype(np.float32)
    print("\nfloat32 accuracy on [-30, 30] (ulps from the float64 reference; where it is >= 1e-20):")
    for name, act in (("sigmoid", torch.sigmoid), ("silu", F.silu), ("gelu", F.gelu)):
        ref = glulib.activate(z.astype(np.float64), name)  # the float64 reading path
        big = np.abs(ref) >= 1e-20
        ours = ks.ulp_error(glulib.activate(z, name)[big], ref[big])
        theirs = ks.ulp_error(act(torch.from_numpy(z)).numpy()[big], ref[big])
        print(f"  {name:8s} glulib max {ours.max():,} ulp; torch max {theirs.max():,} ulp, "
              f"{np.mean(theirs > 4):.1%} of the points beyond 4 ulp")


def _judge(misses, ties, row, ratio, target):
    """File a (median, low, high) ratio against its target: missed when the whole interval
    lies below it, a tie when only the median does."""
    median, low, high = ratio
    if high < target:
        misses.append(f"{row} {median:.2f} (interval {low:.2f}-{high:.2f}) < {target}")
    elif median < target:
        ties.append(f"{row} {median:.2f} (interval {low:.2f}-{high:.2f}) vs {target}")


def run():
    rng = np.random.default_rng(0)
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}, "
          f"{os.cpu_count()} CPUs; n = 2^22 = {N:,}; median of {REPEATS}, candidates interleaved")
    tt = _torch()
    if tt is None:
        print("torch is not installed: the torch columns are skipped "
              "(pip install -e '.[bench]' installs the pinned CPU build)")
    else:
        tt[0].set_num_threads(os.cpu_count())
        print(f"torch {tt[0].__version__}, {tt[0].get_num_threads()} threads")
    header = (f"{'variant':9s} {'dtype':7s} {'pass':8s} {'fused ms':>9s} {'np/fused':>9s} "
              f"{'inpl/fused':>10s} {'torch/fused':>11s} {'interval':>12s} {'bw':>5s}")
    misses, ties = [], []
    for dtype in (np.float32, np.float64):
        # 64 MB per array: from main memory, not from the last-level cache
        copy_bw = ks.copy_bandwidth((64 << 20) // np.dtype(dtype).itemsize, dtype, repeats=REPEATS)
        print(f"\ncopy bandwidth ({np.dtype(dtype).name}, 64 MB arrays): {copy_bw / 1e9:.2f} GB/s (read + write)")
        print(header)
        value, gate, dout = (rng.standard_normal(N).astype(dtype) for _ in range(3))
        for variant, name in glulib.VARIANTS.items():
            cands_f = {"fused": lambda: glulib.glu(value, gate, name),
                       "numpy": lambda: ks.numpy_glu(value, gate, name)}
            cands_fb = {"fused": lambda: (glulib.glu(value, gate, name), glulib.glu_backward(dout, value, gate, name)),
                        "numpy": lambda: (ks.numpy_glu(value, gate, name),
                                          ks.numpy_glu_backward(dout, value, gate, name))}
            if name in ("sigmoid", "silu", "relu", "identity"):
                f_in, fb_in = ks.numpy_inplace(N, dtype, name)
                cands_f["inplace"] = lambda: f_in(dout, value, gate)
                cands_fb["inplace"] = lambda: fb_in(dout, value, gate)
            if tt is not None:
                t_f, t_fb = _torch_candidates(*tt, name, dtype, value, gate, dout)
                cands_f["torch"], cands_fb["torch"] = t_f, t_fb
            for label, cands, backward in (("fwd", cands_f, False), ("fwd+bwd", cands_fb, True)):
                t = ks.interleaved_rounds(cands, repeats=REPEATS)
                fused = float(np.median(t["fused"]))
                bw = ks.fused_traffic(N, dtype, backward) / fused / copy_bw
                r = {name: stats.ratio_interval(t[name], t["fused"]) for name in t if name != "fused"}
                nan3 = (float("nan"),) * 3
                r_np, r_in, r_t = (r.get(name, nan3) for name in ("numpy", "inplace", "torch"))
                interval = f"{r_t[1]:5.2f}-{r_t[2]:<5.2f}" if "torch" in r else ""
                print(f"{variant:9s} {np.dtype(dtype).name:7s} {label:8s} {fused * 1e3:9.2f} {r_np[0]:9.2f} "
                      f"{r_in[0]:10.2f} {r_t[0]:11.2f} {interval:>12s} {bw:5.0%}", flush=True)
                row = f"{variant} {np.dtype(dtype).name} {label}"
                if backward:
                    _judge(misses, ties, f"{row} vs NumPy", r_np, TARGET_NUMPY[variant])
                if dtype is np.float32 and "torch" in r:
                    _judge(misses, ties, f"{row} vs torch", r_t, 1.0)
                if dtype is np.float32 and bw < 0.5:
                    misses.append(f"{variant} float32 {label} bandwidth {bw:.0%} < 50%")
    if tt is not None:
        _accuracy_beside_torch(*tt)
    print("\ntargets: fwd+bwd >= 1.5x NumPy (glu, swiglu, geglu), >= 1x (bilinear, reglu); "
          "float32 >= 1x torch eager and >= 50% of copy bandwidth;\na ratio misses its target when "
          "its interval (at least 90% confidence) lies wholly below it")
    print("all targets met in this run" if not misses else "missed in this run:\n  " + "\n  ".join(misses))
    if ties:
        print("ties (below the target, but the interval reaches it: the run cannot tell them apart):\n  "
              + "\n  ".join(ties))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    run()
