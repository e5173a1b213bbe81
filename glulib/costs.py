"""What a Transformer FFN costs: parameters, FLOPs and the activation memory of its backward.

Counting conventions (the usual ones in papers and in this course):

* a matmul (n, k) @ (k, m) costs 2 n k m FLOPs (one multiply and one add per term);
* elementwise work (the activation, the gated product) is not counted: it grows as
  tokens x d_ff, the matmuls as tokens x d_model x d_ff;
* the backward of a matmul costs twice its forward (one matmul for the input's gradient,
  one for the weight's);
* activation memory counts the arrays the forward keeps for the backward, per token, in
  elements; multiply by the bytes of the dtype (4 for float32, 2 for bfloat16).

Three ways to keep what the backward needs (``STRATEGIES``):

``"store"``
    keep x, the pre-activations a = xW (and u = xV when gated) and the hidden h.
``"recompute_h"``
    keep x, a and u; recompute act(a) and h in the backward (Liger-Kernel, xformers).
``"recompute_all"``
    keep x only; recompute a and u with the first matmuls again (``glulib.ffn_backward``).
"""

from .feedforward import _activation

STRATEGIES = ("store", "recompute_h", "recompute_all")


def _positive_int(n, func, arg):
    if isinstance(n, bool) or not hasattr(n, "__index__") or int(n) < 1:
        raise ValueError(f"{func}: {arg} must be a positive integer, got {n!r}")
    return int(n)


def _sizes(func, d_model, d_ff, variant, tokens=1):
    _, gated = _activation(variant, func)
    return (_positive_int(d_model, func, "d_model"), _positive_int(d_ff, func, "d_ff"),
            gated, _positive_int(tokens, func, "tokens"))


def ffn_params(d_model, d_ff, variant, bias=False):
    """Number of parameters: 3 d_model d_ff for a gated variant, 2 d_model d_ff ungated.

    With ``bias``: b (d_ff), c (d_ff, gated only) and b2 (d_model) as well.
    """
    d_model, d_ff, gated, _ = _sizes("ffn_params", d_model, d_ff, variant)
    matrices = 3 if gated else 2
    n = matrices * d_model * d_ff
    if bias:
        n += (2 if gated else 1) * d_ff + d_model
    return n


def ffn_flops(d_model, d_ff, variant, tokens, strategy="store"):
    """Matmul FLOPs of one forward and one backward pass over ``tokens`` tokens.

    Returns a dict: ``forward``, ``backward`` (including any matmuls the strategy
    recomputes) and ``recompute`` (that extra part alone).
    """
    func = "ffn_flops"
    d_model, d_ff, gated, tokens = _sizes(func, d_model, d_ff, variant, tokens)
    if strategy not in STRATEGIES:
        raise ValueError(f"{func}: unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    matmul = 2 * tokens * d_model * d_ff  # one (tokens, d_model) @ (d_model, d_ff)
    n_in = 2 if gated else 1  # W (and V)
    forward = (n_in + 1) * matmul  # + W2
    recompute = n_in * matmul if strategy == "recompute_all" else 0
    backward = 2 * forward + recompute
    return {"forward": forward, "backward": backward, "recompute": recompute}


def activation_memory(d_model, d_ff, variant, tokens, strategy="store", bytes_per_element=4):
    """Bytes the forward keeps for the backward under ``strategy`` (see the module docs).

    Counts x (d_model per token) and the d_ff-wide arrays: a, u, h when gated
    (a and h when ungated) for "store"; a and u (a) for "recompute_h"; none for
    "recompute_all". The output y is the next layer's input and is not counted here.
    """
    func = "activation_memory"
    d_model, d_ff, gated, tokens = _sizes(func, d_model, d_ff, variant, tokens)
    if strategy not in STRATEGIES:
        raise ValueError(f"{func}: unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    bytes_per_element = _positive_int(bytes_per_element, func, "bytes_per_element")
    wide = {"store": 3 if gated else 2, "recompute_h": 2 if gated else 1, "recompute_all": 0}[strategy]
    return tokens * (d_model + wide * d_ff) * bytes_per_element


def order_flops(d_model, d_ff, tokens):
    """Matmul FLOPs of the gated FFN in Shazeer's order against projecting both branches first.

    ``"gate_then_project"``: (act(xW) * xV) W2, three matmuls.
    ``"project_then_gate"``: (act(xW) W2) * (xV W2), four matmuls (W2 applied twice); a
    different function, shown in notebook 05.
    """
    d_model, d_ff, _, tokens = _sizes("order_flops", d_model, d_ff, "glu", tokens)
    matmul = 2 * tokens * d_model * d_ff
    return {"gate_then_project": 3 * matmul, "project_then_gate": 4 * matmul}


def summary(d_model, d_ff, variant, tokens, bytes_per_element=4):
    """Everything the cost panel shows, as one dict of numbers."""
    out = {
        "params": ffn_params(d_model, d_ff, variant),
        **{f"flops_{k}": v for k, v in ffn_flops(d_model, d_ff, variant, tokens).items() if k != "recompute"},
        "flops_recompute_all": ffn_flops(d_model, d_ff, variant, tokens, "recompute_all")["backward"],
    }
    for s in STRATEGIES:
        out[f"memory_{s}"] = activation_memory(d_model, d_ff, variant, tokens, s, bytes_per_element)
    return out


__all__ = ["STRATEGIES", "activation_memory", "ffn_flops", "ffn_params", "order_flops", "summary"]
