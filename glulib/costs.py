"""What a Transformer FFN costs: parameters, FLOPs and the activation memory of its backward.

Counting conventions (the usual ones in papers and in this course):

* a matmul (n, k) @ (k, m) costs 2 n k m FLOPs (one multiply and one add per term);
* elementwise work (the activation, the gated product) is not counted: it grows as
  tokens x d_ff, the matmuls as tokens x d_model x d_ff;
* the backward of a matmul costs twice its forward (one matmul for the input's gradient,
  one for the weight's);
* activation memory counts the arrays the forward keeps for the backward, per token, in
  elements; multiply by the bytes of the dtype (4 for float32, 2 for bfloat16).

Three ways to keep what the backward needs (``STRATEGIES``, explained in ``activation_memory``):
``"store_all"`` (nothing recomputed), ``"recompute_hidden"`` (act(a) and h recomputed from the
kept pre-activations, as xformers' fused SwiGLU does) and ``"recompute_from_x"`` (only x kept,
as ``glulib.ffn_backward`` does). Any other choice of arrays is counted with
``activation_memory(..., kept=...)``: Liger-Kernel, for one, recomputes act(a) but keeps h, which
its down projection (a plain linear layer) saves for dW2.
"""

from types import MappingProxyType

from . import _validate
from .feedforward import gate_activation

#: The arrays the forward of a gated FFN keeps for its backward, by strategy (one row of
#: d_model for x, one of d_ff for every other array, per token). ``kept_arrays`` adapts
#: them to an ungated FFN, where h is act(a) and there is no u. Read-only: the memory exercises
#: of notebooks 05 and 08 are checked against it.
STRATEGIES = MappingProxyType({
    "store_all": ("x", "a", "u", "act(a)", "h"),
    "recompute_hidden": ("x", "a", "u"),
    "recompute_from_x": ("x",),
})


def _sizes(func, d_model, d_ff, variant, tokens=1):
    _, gated = gate_activation(variant, func)
    return (_validate.positive_int(d_model, func, "d_model"), _validate.positive_int(d_ff, func, "d_ff"),
            gated, _validate.positive_int(tokens, func, "tokens"))


def _strategy(strategy, func):
    return _validate.choice(strategy, STRATEGIES, func, "strategy")


def ffn_params(d_model, d_ff, variant, bias=False):
    """Number of parameters of one FFN: 3 d_model d_ff for a gated variant (W, V, W2),
    2 d_model d_ff ungated (W, W2). glulib's one parameter counter: ``matched_d_ff`` keeps it
    equal across variants, and the model of notebook 06 counts its FFNs with it.

    With ``bias``: b (d_ff), c (d_ff, gated only) and b2 (d_model) as well.
    """
    d_model, d_ff, gated, _ = _sizes("ffn_params", d_model, d_ff, variant)
    matrices = 3 if gated else 2
    n = matrices * d_model * d_ff
    if bias:
        n += (2 if gated else 1) * d_ff + d_model
    return n


def ffn_flops(d_model, d_ff, variant, tokens, strategy="store_all"):
    """Matmul FLOPs of one forward and one backward pass over ``tokens`` tokens.

    Returns a dict: ``forward``, ``backward`` (including any matmuls the strategy
    recomputes) and ``recompute`` (that extra part alone: the first matmuls again under
    "recompute_from_x"; the elementwise work "recompute_hidden" redoes is not counted).
    """
    func = "ffn_flops"
    d_model, d_ff, gated, tokens = _sizes(func, d_model, d_ff, variant, tokens)
    strategy = _strategy(strategy, func)
    matmul = 2 * tokens * d_model * d_ff  # one (tokens, d_model) @ (d_model, d_ff)
    n_in = 2 if gated else 1  # W (and V)
    forward = (n_in + 1) * matmul  # + W2
    recompute = n_in * matmul if strategy == "recompute_from_x" else 0
    backward = 2 * forward + recompute
    return {"forward": forward, "backward": backward, "recompute": recompute}


def kept_arrays(variant, strategy="store_all"):
    """The names of the arrays the forward keeps for the backward: STRATEGIES[strategy] for a
    gated variant; for an ungated one u does not exist and act(a) is h itself."""
    func = "kept_arrays"
    _, gated = gate_activation(variant, func)
    kept = STRATEGIES[_strategy(strategy, func)]
    return kept if gated else tuple(name for name in kept if name not in ("u", "act(a)"))


def activation_memory(d_model, d_ff, variant, tokens, strategy="store_all", bytes_per_element=4, kept=None):
    """Bytes one FFN layer keeps between its forward and its backward: the single answer
    notebooks 05 and 07 (and their exercises) use.

    The gated FFN is y = h W2 with h = act(a) * u, a = x W (+ b), u = x V (+ c). Its backward
    reads, besides the weights and dy:

        dW2 = h^T dy                    needs h
        du  = dh * act(a)               needs act(a)     (dh = dy W2^T: weights only)
        da  = dh * u * act'(a)          needs u and a    (act' is a function of a)
        dW  = x^T da,  dV = x^T du      needs x          (dx = da W^T + du V^T: weights only)

    Per token, x is d_model numbers and a, u, act(a), h are d_ff numbers each. Strategies:

    ``"store_all"``
        keep every array the backward reads, recompute nothing (autograd, each operation
        saving its inputs; x, read by both first matmuls, once): x, a, u, act(a), h, that is
        d_model + 4 d_ff. Ungated (y = act(a) W2, h = act(a)): x, a, h, d_model + 2 d_ff.
    ``"recompute_hidden"``
        keep x and the pre-activations a and u; the fused backward recomputes act(a) and h
        elementwise (xformers' fused SwiGLU): d_model + 2 d_ff (ungated d_model + d_ff).
    ``"recompute_from_x"``
        keep x only; the backward recomputes a and u with the first matmuls again
        (``glulib.ffn_backward``; ``ffn_flops`` counts the extra matmuls): d_model.

    Not counted: the weights, the output y (the next layer's input, kept by whoever reads
    it), bias gradients (sums of dy, da, du: nothing extra) and the gradients, which live
    only during the backward. An autograd whose activation derives act' from its output
    (ReLU, sigmoid) may keep act(a) without a: one d_ff fewer than "store_all" counts.
    ``kept_arrays`` names the arrays; the result is tokens x their widths x bytes_per_element.

    ``kept``: instead of a strategy, the names of the arrays kept, a subset of what "store_all"
    keeps for this variant; e.g. ("x", "a", "u", "h") for Liger-Kernel's SwiGLU MLP, whose fused
    op recomputes act(a) while its down projection, a plain linear layer, saves h.
    """
    func = "activation_memory"
    d_model, d_ff, _, tokens = _sizes(func, d_model, d_ff, variant, tokens)
    bytes_per_element = _validate.positive_int(bytes_per_element, func, "bytes_per_element")
    if kept is None:
        names = kept_arrays(variant, _strategy(strategy, func))
    else:
        allowed = kept_arrays(variant, "store_all")
        if isinstance(kept, str) or not isinstance(kept, (tuple, list)) or len(set(kept)) != len(kept) \
                or not set(kept) <= set(allowed):
            raise ValueError(f"{func}: kept must be a tuple of distinct names from {allowed} "
                             f"(what {variant} can keep), got {kept!r}")
        names = tuple(kept)
    width = {"x": d_model}  # every other array is d_ff wide
    per_token = sum(width.get(name, d_ff) for name in names)
    return tokens * per_token * bytes_per_element


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
    """Everything the cost panel shows, as one dict of numbers: ``params``, ``flops_forward``,
    ``flops_backward`` (nothing recomputed), ``flops_backward_recompute_from_x`` and one
    ``memory_<strategy>`` per strategy (bytes)."""
    flops = ffn_flops(d_model, d_ff, variant, tokens)
    out = {
        "params": ffn_params(d_model, d_ff, variant),
        "flops_forward": flops["forward"],
        "flops_backward": flops["backward"],
        "flops_backward_recompute_from_x": ffn_flops(d_model, d_ff, variant, tokens, "recompute_from_x")["backward"],
    }
    for s in STRATEGIES:
        out[f"memory_{s}"] = activation_memory(d_model, d_ff, variant, tokens, s, bytes_per_element)
    return out


__all__ = ["STRATEGIES", "activation_memory", "ffn_flops", "ffn_params", "kept_arrays", "order_flops", "summary"]
