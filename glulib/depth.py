"""The vanishing-gradient experiment: how much gradient reaches the input of a deep stack.

A stack of L layers of width d maps h_0 = x to h_L. Each layer is one of ``UNITS``:

    plain   tanh, sigmoid, relu:   F(h) = act(h W)
    gated   glu, geglu, swiglu:    F(h) = (h V) * act(h W)           (Shazeer's letters:
            gtu:                   F(h) = tanh(h V) * sigmoid(h W)    W feeds the gate)

and one of three ways to connect the layers (``MODES``):

    "plain"      h_{l+1} = F(h_l)
    "residual"   h_{l+1} = h_l + F(h_l)
    "prenorm"    h_{l+1} = h_l + F(rms(h_l)),  rms(h) = h / sqrt(mean(h^2) + eps)

the last being how LLaMA and most current Transformers wrap their FFN (RMSNorm without a
learned gain). Every matrix is drawn from N(0, 1/d) (LeCun's initialisation; Glorot's
too, for square matrices), with no biases.

For each depth L = 1 .. max_depth we send a random gradient dy (standard normal) into the
output of the first L layers and measure ``|dx| / |dy|``, the norm of the gradient that
reaches the input relative to the one that left the output. All depths come from one
forward and one backward sweep per (unit, mode, seed): the backward carries one
gradient per depth, stacked on a leading axis, since every layer's Jacobian is shared.
The elementwise work goes through glulib's kernels (``glu_backward``, ``activate_grad``).
"""

from dataclasses import dataclass, field

import numpy as np

from . import _validate
from .activations import activate, activate_grad
from .kernels import glu, glu_backward

#: The layer types compared, in the order the course shows them.
UNITS = ("tanh", "sigmoid", "relu", "gtu", "glu", "geglu", "swiglu")
#: unit -> (activation of the gate or of the plain layer, gated?)
_UNIT = {
    "tanh": ("tanh", False),
    "sigmoid": ("sigmoid", False),
    "relu": ("relu", False),
    "gtu": ("sigmoid", True),
    "glu": ("sigmoid", True),
    "geglu": ("gelu", True),
    "swiglu": ("silu", True),
}
#: How the course writes each unit's name in prose.
NAMES = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "ReLU", "gtu": "GTU", "glu": "GLU",
         "geglu": "GEGLU", "swiglu": "SwiGLU"}
#: Ratios below this are shown at this floor on log plots (they underflowed or nearly).
FLOOR = 1e-300


def _layer_params(unit, width, rng):
    """W (and V when gated) for one layer, from N(0, 1/width)."""
    scale = 1.0 / np.sqrt(width)
    W = rng.standard_normal((width, width)) * scale  # (d, d)
    if not _UNIT[unit][1]:
        return W, None
    V = rng.standard_normal((width, width)) * scale  # (d, d)
    return W, V


def _forward_layer(unit, h, W, V):
    """One layer without the residual: F(h), plus what its backward needs."""
    act, gated = _UNIT[unit]
    a = h @ W  # (n, d) gate pre-activation
    if not gated:
        return activate(a, act), (a, None)
    u = h @ V  # (n, d) value pre-activation
    value = activate(u, "tanh") if unit == "gtu" else u  # (n, d)
    return glu(value, a, act), (a, u)


def _local_factors(unit, saved):
    """dF/da and dF/du elementwise (each (n, d)); the second is None for plain layers."""
    act, gated = _UNIT[unit]
    a, u = saved
    if not gated:
        return activate_grad(a, act), None
    value = activate(u, "tanh") if unit == "gtu" else u  # (n, d)
    # with dout = 1 the backward returns the local derivatives: act(a) and value * act'(a)
    d_value, d_gate = glu_backward(np.ones_like(a), value, a, act)  # (n, d) each
    if unit == "gtu":
        d_value = d_value * activate_grad(u, "tanh")  # chain through tanh(u)
    return d_gate, d_value


#: How consecutive layers are connected (see the module docstring).
MODES = ("plain", "residual", "prenorm")
_EPS = 1e-6  # RMSNorm's epsilon


def gradient_ratios(unit, mode, max_depth, width, batch, seed):
    """``|dx| / |dy|`` for every depth L = 1 .. max_depth, as an array (max_depth,).

    One network of ``max_depth`` layers is drawn from ``seed``; the stack of depth L is its
    first L layers. The input x and each dy are standard normal, also from ``seed``.
    Non-finite ratios (the forward overflowed) come back as inf.
    """
    _validate.choice(unit, UNITS, "gradient_ratios", "unit")
    _validate.choice(mode, MODES, "gradient_ratios", "mode")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, width))  # (n, d)
    dys = rng.standard_normal((max_depth, batch, width))  # (L, n, d): dy for each depth
    params = [_layer_params(unit, width, rng) for _ in range(max_depth)]
    h, saved, rms = x, [], []
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for W, V in params:
            z = h
            if mode == "prenorm":
                r = np.sqrt(np.mean(h * h, axis=1, keepdims=True) + _EPS)  # (n, 1)
                z = h / r  # (n, d)
                rms.append((z, r))
            f, s = _forward_layer(unit, z, W, V)
            saved.append(s)
            h = f if mode == "plain" else h + f  # (n, d)
        # grads[k] is the gradient for the stack of depth k+1, at the current level
        grads = np.zeros((max_depth, batch, width))  # (L, n, d)
        for level in range(max_depth, 0, -1):
            grads[level - 1] = dys[level - 1]
            live = grads[level - 1:]  # (L - level + 1, n, d): stacks at least this deep
            W, V = params[level - 1]
            d_gate, d_value = _local_factors(unit, saved[level - 1])
            back = (live * d_gate) @ W.T  # (k, n, d): gradient at the layer's input z
            if d_value is not None:
                back += (live * d_value) @ V.T
            if mode == "prenorm":  # through z = h / rms(h)
                z, r = rms[level - 1]
                back = (back - z * np.mean(back * z, axis=-1, keepdims=True)) / r
            if mode != "plain":
                back += live
            grads[level - 1:] = back
        norms = np.sqrt(np.einsum("lnd,lnd->l", grads, grads))  # (L,)
    ratio = norms / np.sqrt(np.einsum("lnd,lnd->l", dys, dys))
    return np.where(np.isfinite(ratio), ratio, np.inf)


@dataclass
class DepthResult:
    """Ratios |dx| / |dy| indexed [mode, unit, seed, depth - 1]."""

    units: tuple
    modes: tuple
    seeds: tuple
    width: int
    batch: int
    ratios: np.ndarray  # (n_modes, n_units, n_seeds, max_depth)
    depths: np.ndarray = field(init=False)

    def __post_init__(self):
        self.depths = np.arange(1, self.ratios.shape[-1] + 1)

    @property
    def max_depth(self):
        return int(self.depths[-1])

    def _index(self, unit, mode, depth):
        _validate.choice(unit, self.units, "DepthResult", "unit")
        _validate.choice(mode, self.modes, "DepthResult", "mode")
        if depth is not None and (isinstance(depth, bool) or not hasattr(depth, "__index__")
                                  or not 1 <= depth <= self.max_depth):
            raise ValueError(f"DepthResult: depth must be an integer in 1..{self.max_depth}, got {depth!r}")
        return self.modes.index(mode), self.units.index(unit)

    def seeds_at(self, unit, mode, depth):
        """The ratio for each seed at one depth, (n_seeds,)."""
        m, u = self._index(unit, mode, depth)
        return self.ratios[m, u, :, depth - 1]

    def median(self, unit, mode, depth=None):
        """Median over seeds: at one depth (a float) or at every depth (max_depth,)."""
        m, u = self._index(unit, mode, depth)
        med = np.median(self.ratios[m, u], axis=0)  # (max_depth,)
        return float(med[depth - 1]) if depth is not None else med

    def band(self, unit, mode):
        """(lowest, highest) over seeds at every depth, each (max_depth,)."""
        m, u = self._index(unit, mode, None)
        return self.ratios[m, u].min(axis=0), self.ratios[m, u].max(axis=0)

    def ranking(self, mode, depth):
        """Units from the largest median ratio to the smallest at ``depth``."""
        return sorted(self.units, key=lambda u: -self.median(u, mode, depth))


def run(units=UNITS, modes=MODES, max_depth=64, width=32, batch=8, seeds=(0, 1, 2, 3, 4)):
    """The whole experiment: every unit in every mode, for every seed."""
    func = "depth.run"
    units, modes = tuple(units), tuple(modes)
    for arg, names, valid in (("unit", units, UNITS), ("mode", modes, MODES)):
        if not names:
            raise ValueError(f"{func}: {arg}s must name at least one of {valid}, got none")
        for n in names:
            _validate.choice(n, valid, func, arg)
    for name, n in (("max_depth", max_depth), ("width", width), ("batch", batch)):
        if isinstance(n, bool) or not hasattr(n, "__index__") or n < 1:
            raise ValueError(f"{func}: {name} must be a positive integer, got {n!r}")
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError(f"{func}: seeds must hold at least one seed, got none")
    ratios = np.empty((len(modes), len(units), len(seeds), max_depth))
    for m, mode in enumerate(modes):
        for i, unit in enumerate(units):
            for j, seed in enumerate(seeds):
                ratios[m, i, j] = gradient_ratios(unit, mode, max_depth, width, batch, seed)
    return DepthResult(units, modes, seeds, int(width), int(batch), ratios)


def dauphin_factors(value, gate):
    """The factors that multiply the gradient of the value path, for GLU and the GTU.

    GLU:  d/dX [X * sigmoid(G)] = sigmoid(G)                     (no down-scaling of X's path)
    GTU:  d/dX [tanh(X) * sigmoid(G)] = tanh'(X) * sigmoid(G)
    and on the gate path both carry sigmoid'(G), times X or tanh(X).
    Returns a dict of arrays, each the shape of the inputs, computed with glulib's backward.
    """
    value = _validate.float_array(value, "dauphin_factors", "value")
    gate = _validate.float_array(gate, "dauphin_factors", "gate")
    _validate.same_shape("dauphin_factors", "value", value, "gate", gate)
    ones = np.ones(np.broadcast(value, gate).shape)
    glu_value, glu_gate = glu_backward(ones, value, gate, "sigmoid")
    tanh_v = activate(value, "tanh")
    gtu_value, gtu_gate = glu_backward(ones, tanh_v, gate, "sigmoid")
    return {
        "glu_value": glu_value,
        "glu_gate": glu_gate,
        "gtu_value": gtu_value * activate_grad(value, "tanh"),
        "gtu_gate": gtu_gate,
    }


def _fmt(r):
    if not np.isfinite(r):
        return "overflowed"
    if r < FLOOR:
        return "0 (underflow)" if r == 0 else f"{r:.1e}"
    if 1e-3 <= r < 1e3:
        return f"{r:.3g}"
    return f"{r:.1e}"


def _first_depth(curve, test):
    """The first depth at which ``test`` holds for the curve, or None."""
    hits = np.flatnonzero(test(curve))
    return int(hits[0]) + 1 if hits.size else None


def findings(result, depth=None):
    """Sentences stating what the measurement shows, generated from ``result``'s numbers.

    Returns a list of dicts: ``claim`` (what seed 001 or Dauphin et al. say), ``measured``
    (a sentence built from the medians over seeds) and ``agrees`` (whether the numbers
    bear the claim out). Claims whose units or modes ``result`` lacks are skipped.
    """
    L = result.max_depth if depth is None else depth
    out = []

    def have(units, mode):
        return all(u in result.units for u in units) and mode in result.modes

    def med(unit, mode):
        return result.median(unit, mode, L)

    if have(["sigmoid"], "plain"):
        s = med("sigmoid", "plain")
        out.append({
            "claim": "Seed 001: sigmoid saturates, so its gradient shrinks to near zero.",
            "measured": f"Without residuals, a {L}-layer sigmoid stack passes {_fmt(s)} of the gradient to its input.",
            "agrees": bool(s < 1e-3),
        })
    if have(["tanh"], "plain"):
        t = med("tanh", "plain")
        out.append({
            "claim": "Seed 001: tanh saturates, so its gradient shrinks to near zero.",
            "measured": (f"Without residuals, a {L}-layer tanh stack passes {_fmt(t)} of the gradient: "
                         + ("it shrinks, but slowly; at this initialisation tanh stays near its linear part."
                            if t > 1e-3 else "it has all but vanished.")),
            "agrees": bool(t < 1e-3),
        })
    if have(["glu", "tanh"], "plain"):
        g, t = med("glu", "plain"), med("tanh", "plain")
        out.append({
            "claim": "Seed 001: the GLU keeps a path where gradients flow freely, so deep networks train.",
            "measured": (f"Without residuals, a {L}-layer GLU stack passes {_fmt(g)} of the gradient, "
                         f"{'more' if g > t else 'less'} than the tanh stack ({_fmt(t)}): the gate's "
                         f"sigmoid, about one half, multiplies the gradient at every layer."),
            "agrees": bool(g > t and g > 1e-3),
        })
    if have(["glu", "gtu"], "plain"):
        g, t = med("glu", "plain"), med("gtu", "plain")
        out.append({
            "claim": "Dauphin et al.: the GLU's gradient vanishes less than the gated tanh unit's (GTU).",
            "measured": (f"Without residuals, at depth {L} the GLU passes {_fmt(g)} and the GTU {_fmt(t)}: "
                         f"the GLU keeps {g / t:.3g} times as much." if t > 0 else
                         f"Without residuals, at depth {L} the GLU passes {_fmt(g)} and the GTU nothing."),
            "agrees": bool(g > t),
        })
    smooth = [u for u in ("geglu", "swiglu") if u in result.units]
    if smooth and "plain" in result.modes:
        worst = min(smooth, key=lambda u: med(u, "plain"))
        first = _first_depth(result.median(worst, "plain"), lambda c: c < FLOOR)
        w = med(worst, "plain")
        when = (f" and is exactly zero from depth {first} on (float64 underflow)" if first is not None and w == 0
                else "")
        out.append({
            "claim": "Seed 001: gating is what lets deep networks keep their gradients.",
            "measured": (f"Without residuals, {NAMES[worst]} keeps the least gradient of all: {_fmt(w)} at depth {L}"
                         f"{when}. Near zero, act(xW) * xV is a product of two small numbers, so the signal "
                         f"shrinks quadratically, layer after layer."),
            "agrees": bool(w > 1e-3),
        })
    if "residual" in result.modes:
        res = {u: med(u, "residual") for u in result.units}
        lo = min(res, key=res.get)
        bad = [u for u in result.units if not np.isfinite(res[u]) or res[u] > 1e6]
        msg = (f"With plain residual connections no unit's gradient vanishes: the smallest ratio at depth {L} "
               f"is {_fmt(res[lo])} ({NAMES[lo]}).")
        if bad:
            over = [u for u in bad if not np.isfinite(res[u])]
            msg += (f" Instead it explodes for {', '.join(NAMES[u] for u in bad)}: each layer adds its "
                    f"output to a signal that keeps growing.")
            if over:
                msg += f" For {', '.join(NAMES[u] for u in over)} the forward pass itself overflows float64."
        out.append({
            "claim": "Residual connections carry the gradient through depth.",
            "measured": msg,
            "agrees": bool(res[lo] > 1e-3),
        })
    if "prenorm" in result.modes:
        pre = {u: med(u, "prenorm") for u in result.units}
        lo, hi = min(pre, key=pre.get), max(pre, key=pre.get)
        out.append({
            "claim": ("A normalised residual stack (as in LLaMA) keeps every unit's gradient within "
                      "three orders of magnitude of 1."),
            "measured": (f"With RMSNorm before each layer and a residual around it, every unit passes between "
                         f"{_fmt(pre[lo])} ({NAMES[lo]}) and {_fmt(pre[hi])} ({NAMES[hi]}) "
                         f"of the gradient at depth {L}."),
            "agrees": bool(pre[lo] > 1e-3 and pre[hi] < 1e3),
        })
    return out


__all__ = ["UNITS", "MODES", "NAMES", "FLOOR", "DepthResult", "dauphin_factors", "findings", "gradient_ratios", "run"]
