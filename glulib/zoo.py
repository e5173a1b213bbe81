"""The gate zoo of notebook 02: the gated variants side by side, and who calls which branch what.

    value * act(gate)      with act = VARIANTS[variant]  (glulib.VARIANTS)

Everything here is computed with glulib's activations and fused product; the table of
conventions is FACTS.md's, as data.
"""

import numpy as np

from . import _validate
from .elementwise import activate, activate_grad, glu
from .feedforward import VARIANTS

#: Which branch is gated in each source (FACTS.md): (source, gated branch, linear branch, output).
#: A tuple of tuples: reference data a learner reads but cannot change.
CONVENTIONS = (
    ("Dauphin et al. 2016", "V", "W", "-"),
    ("Shazeer 2020", "W", "V", "W2"),
    ("PyTorch F.glu(t, dim)", "second half of t", "first half", "-"),
    ("LLaMA FeedForward", "w1 (silu)", "w3", "w2"),
    ("Hugging Face LlamaMLP", "gate_proj", "up_proj", "down_proj"),
    ("Hugging Face T5 v1.1 T5DenseGatedActDense", "wi_0", "wi_1", "wo"),
    ("diffusers GEGLU", "second chunk", "first chunk", "-"),
    ("xformers swiglu", "w1", "w2", "w3"),
    ("the typhoon pump (notebooks 00, 01)", "V (gate row)", "W (severity row)", "-"),
)


def conventions_markdown():
    """CONVENTIONS as a Markdown table."""
    lines = ["| source | gated (activated) branch | linear branch | output |", "|---|---|---|---|"]
    lines += [f"| {s} | {g} | {l} | {o} |" for s, g, l, o in CONVENTIONS]
    return "\n".join(lines)


def surface(variant, lim=3.0, n=121, beta=1.0):
    """``value * act(gate)`` on an n x n grid over [-lim, lim]^2: (values, gates, out), out (n, n)
    with rows along the value and columns along the gate."""
    _validate.choice(variant, VARIANTS, "surface", "variant")
    axis = np.linspace(-lim, lim, int(n))  # (n,)
    gate, value = np.meshgrid(axis, axis)  # (n, n) each
    return axis, axis, glu(value, gate, VARIANTS[variant], beta)  # (n, n)


def gelu_tanh_error(z):
    """``gelu_tanh(z) - gelu(z)``: the tanh approximation's error against the exact (erf) GELU."""
    z = np.asarray(z, dtype=np.float64)
    return activate(z, "gelu_tanh") - activate(z, "gelu")


def gelu_sigmoid_error(z):
    """``z sigmoid(1.702 z) - gelu(z)``: the sigmoid approximation's error, for comparison."""
    z = np.asarray(z, dtype=np.float64)
    return z * activate(1.702 * z, "sigmoid") - activate(z, "gelu")


def curves(z, beta=1.0):
    """Each variant's gate activation and its derivative on ``z``: {variant: (act, act')}."""
    z = np.asarray(z, dtype=np.float64)
    return {v: (activate(z, a, beta), activate_grad(z, a, beta)) for v, a in VARIANTS.items()}


# ---- the same function under two sets of letters ----
def glu_dauphin(X, W, b, V, c):
    """Dauphin et al. (2016): h = (X W + b) * sigmoid(X V + c); V feeds the gate."""
    return glu(X @ W + b, X @ V + c, "sigmoid")  # (n, d)


def glu_shazeer(x, W, V, b, c):
    """Shazeer (2020): GLU(x, W, V, b, c) = sigmoid(x W + b) * (x V + c); W feeds the gate."""
    return glu(x @ V + c, x @ W + b, "sigmoid")  # (n, d)


def glu_torch_style(t):
    """PyTorch's ``F.glu(t, dim=-1)``: first half times sigmoid of the second half."""
    t = _validate.float_array(t, "glu_torch_style", "t")
    if t.shape[-1] % 2:
        raise ValueError(f"glu_torch_style: the last axis of t must have even length, got shape {t.shape}")
    a, g = np.split(t, 2, axis=-1)  # (..., d) each
    return glu(a, g, "sigmoid")


def load_table1():
    """Shazeer (2020), Table 1 (data/shazeer2020_table1.csv): held-out log-perplexity of T5-base
    after 65,536 steps (mean of four runs, with their std) and after 524,288 steps (one run)."""
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "shazeer2020_table1.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        "ffn": [r["ffn"] for r in rows],
        "gated": np.array([r["gated"] == "yes" for r in rows]),
        "short": np.array([float(r["logppl_65536"]) for r in rows]),
        "short_std": np.array([float(r["std_65536"]) for r in rows]),
        "long": np.array([float(r["logppl_524288"]) for r in rows]),
    }


def ranking(table, column="long"):
    """FFN names from best (lowest log-perplexity) to worst."""
    order = np.argsort(table[column], kind="stable")
    return [table["ffn"][i] for i in order]
