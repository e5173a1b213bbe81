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
too, for square matrices), with no biases, and the matrix that carries the signal (W of a
plain layer, V of a gated one: the value branch) is multiplied by a ``gain`` (1 by default).
``UNIT_GAINS`` holds one gain per unit: for most, the inverse of what the unit does to a
small signal (1 / sigmoid(0) = 2 on the value branch of the GLU); He's sqrt 2 for ReLU.

What is measured is the gradient at initialisation, for one initialisation: it says how the
backward pass of a freshly drawn network scales a gradient, not whether the network trains.

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
from .elementwise import activate, activate_grad, glu, glu_backward
from .feedforward import LABELS
from .model import rmsnorm, rmsnorm_backward

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
NAMES = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": LABELS["relu"], "gtu": "GTU", "glu": LABELS["glu"],
         "geglu": LABELS["geglu"], "swiglu": LABELS["swiglu"]}
#: Ratios below this are shown at this floor on log plots (they underflowed or nearly).
FLOOR = 1e-300


#: unit -> a gain on its signal-carrying matrix. For tanh, sigmoid, GTU and GLU it undoes what
#: the unit does to a small signal: tanh'(0) = 1 (LeCun); 1 / sigmoid'(0) = 4; 1 / sigmoid(0) = 2
#: on the value branch. ReLU gets He's sqrt 2 (it passes half of a symmetric signal's power).
#: GEGLU and SwiGLU respond quadratically to a small signal (act(0) = 0), so no gain undoes what
#: they do to it; they get 2, the inverse of their slope 1/2 at 0, only for comparison.
UNIT_GAINS = {"tanh": 1.0, "sigmoid": 4.0, "relu": float(np.sqrt(2.0)), "gtu": 2.0, "glu": 2.0,
                 "geglu": 2.0, "swiglu": 2.0}


def _layer_params(unit, width, rng, gain=1.0):
    """W (and V when gated) for one layer, from N(0, 1/width); the gain scales the matrix
    that carries the signal: W of a plain layer, V (the value branch) of a gated one."""
    scale = 1.0 / np.sqrt(width)
    W = rng.standard_normal((width, width)) * scale  # (d, d)
    if not _UNIT[unit][1]:
        return W * gain, None
    V = rng.standard_normal((width, width)) * scale  # (d, d)
    return W, V * gain


def _gain(gain, func):
    """A positive finite gain, as a float."""
    g = _validate.real_scalar(gain, func, "gain")
    if not g > 0:
        raise ValueError(f"{func}: gain must be positive, got {g}")
    return g


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


def gradient_ratios(unit, mode, max_depth, width, batch, seed, gain=1.0):
    """``|dx| / |dy|`` for every depth L = 1 .. max_depth, as an array (max_depth,).

    One network of ``max_depth`` layers is drawn from ``seed``; the stack of depth L is its
    first L layers. The input x and each dy are standard normal, also from ``seed``; then
    each layer's W and V, in that order. ``gain`` multiplies the signal-carrying matrix
    (see the module docstring). Non-finite ratios (the forward overflowed) come back as inf.
    """
    _validate.choice(unit, UNITS, "gradient_ratios", "unit")
    _validate.choice(mode, MODES, "gradient_ratios", "mode")
    gain = _gain(gain, "gradient_ratios")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, width))  # (n, d)
    dys = rng.standard_normal((max_depth, batch, width))  # (L, n, d): dy for each depth
    params = [_layer_params(unit, width, rng, gain) for _ in range(max_depth)]
    h, saved, normed = x, [], []
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for W, V in params:
            z = h
            if mode == "prenorm":
                z = rmsnorm(h)  # (n, d): glulib.model's RMSNorm, without a gain
                normed.append(h)
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
            if mode == "prenorm":  # through z = rmsnorm(h), for every stack at once
                back = rmsnorm_backward(back, normed[level - 1])["x"]  # (k, n, d)
            if mode != "plain":
                back += live
            grads[level - 1:] = back
        norms = np.sqrt(np.einsum("lnd,lnd->l", grads, grads))  # (L,)
    ratio = norms / np.sqrt(np.einsum("lnd,lnd->l", dys, dys))
    return np.where(np.isfinite(ratio), ratio, np.inf)


@dataclass
class DepthResult:
    """Ratios |dx| / |dy| indexed [mode, unit, seed, depth - 1]; ``gains[unit]`` is the gain
    each unit was drawn with."""

    units: tuple
    modes: tuple
    seeds: tuple
    width: int
    batch: int
    ratios: np.ndarray  # (n_modes, n_units, n_seeds, max_depth)
    gains: dict = None
    depths: np.ndarray = field(init=False)

    def __post_init__(self):
        self.depths = np.arange(1, self.ratios.shape[-1] + 1)
        if self.gains is None:
            self.gains = {u: 1.0 for u in self.units}

    @property
    def max_depth(self):
        return int(self.depths[-1])

    def _index(self, unit, mode, depth):
        _validate.choice(unit, self.units, "DepthResult", "unit")
        _validate.choice(mode, self.modes, "DepthResult", "mode")
        if depth is not None:
            _validate.integer(depth, "DepthResult", "depth", 1, self.max_depth + 1)
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


def run(units=UNITS, modes=MODES, max_depth=64, width=32, batch=8, seeds=(0, 1, 2, 3, 4), gains=1.0):
    """The whole experiment: every unit in every mode, for every seed.

    ``gains`` is one gain for every unit, or a dict from unit to gain (``UNIT_GAINS``).
    """
    func = "backward.run"
    units, modes = tuple(units), tuple(modes)
    for arg, names, valid in (("unit", units, UNITS), ("mode", modes, MODES)):
        if not names:
            raise ValueError(f"{func}: {arg}s must name at least one of {valid}, got none")
        for n in names:
            _validate.choice(n, valid, func, arg)
    max_depth, width, batch = (_validate.positive_int(n, func, name) for name, n in
                               (("max_depth", max_depth), ("width", width), ("batch", batch)))
    seeds = _seeds(seeds, func)
    if isinstance(gains, dict):
        missing = [u for u in units if u not in gains]
        if missing:
            raise ValueError(f"{func}: gains must give a gain for every unit, got none for {missing}")
        gains = {u: _gain(gains[u], func) for u in units}
    else:
        gains = dict.fromkeys(units, _gain(gains, func))
    ratios = np.empty((len(modes), len(units), len(seeds), max_depth))
    for m, mode in enumerate(modes):
        for i, unit in enumerate(units):
            for j, seed in enumerate(seeds):
                ratios[m, i, j] = gradient_ratios(unit, mode, max_depth, width, batch, seed, gains[unit])
    return DepthResult(units, modes, seeds, int(width), int(batch), ratios, gains)


def _seeds(seeds, func):
    """``seeds`` as a non-empty tuple of ints, or a clear error."""
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError(f"{func}: seeds must hold at least one seed, got none")
    return seeds


def gain_sweep(unit, gains, mode="plain", depth=64, width=32, batch=8, seeds=(0, 1, 2, 3, 4)):
    """``|dx| / |dy|`` at one depth for each gain and seed, as an array (n_gains, n_seeds)."""
    func = "backward.gain_sweep"
    _validate.choice(unit, UNITS, func, "unit")
    _validate.choice(mode, MODES, func, "mode")
    gains = [_gain(g, func) for g in np.atleast_1d(np.asarray(gains, dtype=object)).ravel()]
    if not gains:
        raise ValueError(f"{func}: gains must hold at least one gain, got none")
    depth, width, batch = (_validate.positive_int(n, func, name) for name, n in
                           (("depth", depth), ("width", width), ("batch", batch)))
    seeds = _seeds(seeds, func)
    return np.array([[gradient_ratios(unit, mode, depth, width, batch, s, g)[-1] for s in seeds]
                     for g in gains])


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


def format_ratio(r):
    """A gradient ratio as the course prints it: 3 significant digits between 1e-3 and 1e3,
    scientific notation outside, "overflowed" for inf or NaN, "0 (underflow)" for 0."""
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


def _times(a, b):
    """How many times larger a is than b, in words built from the numbers."""
    if a == 0 or b == 0 or not np.isfinite(a) or not np.isfinite(b):
        return None
    r = a / b
    if 1e-3 <= r < 1e3:
        return f"{r:.2g} times"
    return f"{abs(np.log10(r)):.0f} orders of magnitude {'up' if r > 1 else 'down'}"


def findings(result, depth=None):
    """Sentences stating what the measurement shows, generated from the medians over seeds.

    ``result`` is a run at one gain for every unit (as ``run()``). Returns a list of strings;
    a sentence whose units or modes the run lacks is left out. Each states numbers and the
    arithmetic they follow; none judges a claim about training.
    """
    L = result.max_depth if depth is None else depth
    out = []

    def have(units, mode, r=result):
        return r is not None and all(u in r.units for u in units) and mode in r.modes

    def med(unit, mode, r=result):
        return r.median(unit, mode, L)

    gain = {u: result.gains[u] for u in result.units}
    plain = [u for u in ("tanh", "sigmoid", "relu") if have([u], "plain")]
    if plain:
        out.append(f"Without residuals, at depth {L}, " + ", ".join(
            f"{NAMES[u]} passes {format_ratio(med(u, 'plain'))}" for u in plain) + " of the gradient to its input.")
    if have(["glu"], "plain") and gain["glu"] == 1.0:
        g = med("glu", "plain")
        out.append(f"The GLU passes {format_ratio(g)}, close to (1/2)^{L} = {format_ratio(0.5 ** L)}: the gate's opening, "
                   f"sigmoid(0) = 1/2 where the gate input is near 0, multiplies the gradient once per layer.")
    if have(["glu", "gtu"], "plain"):
        g, t = med("glu", "plain"), med("gtu", "plain")
        out.append(f"The GTU passes {format_ratio(t)} and the GLU {format_ratio(g)}"
                   + (": both are far too small to matter, so at this depth the two cannot be ranked."
                      if max(g, t) < 1e-6 else "."))
    smooth = [u for u in ("geglu", "swiglu") if have([u], "plain")]
    if smooth:
        parts = []
        for u in smooth:
            first = _first_depth(result.median(u, "plain"), lambda c: c == 0)
            parts.append(f"{NAMES[u]} passes exactly 0 from depth {first} on (float64 underflows)" if first
                         else f"{NAMES[u]} passes {format_ratio(med(u, 'plain'))}")
        out.append("Near zero act(hW) * hV is a product of two small numbers, so the signal shrinks "
                   "quadratically: " + "; ".join(parts) + ".")
    if "residual" in result.modes:
        res = {u: med(u, "residual") for u in result.units}
        lo = min(res, key=res.get)
        msg = (f"With plain residual connections no gradient vanishes: the smallest ratio at depth {L} "
               f"is {format_ratio(res[lo])} ({NAMES[lo]}).")
        big = [u for u in result.units if not np.isfinite(res[u]) or res[u] > 1e6]
        if big:
            msg += (f" It explodes instead for {', '.join(NAMES[u] for u in big)}: each layer adds its "
                    f"output to a signal that nothing holds in size.")
            over = [u for u in big if not np.isfinite(res[u])]
            if over:
                msg += f" For {', '.join(NAMES[u] for u in over)} the forward pass itself overflows float64."
        out.append(msg)
    if "prenorm" in result.modes:
        pre = {u: med(u, "prenorm") for u in result.units}
        lo, hi = min(pre, key=pre.get), max(pre, key=pre.get)
        out.append(f"In pre-norm blocks every unit passes between {format_ratio(pre[lo])} ({NAMES[lo]}) and "
                   f"{format_ratio(pre[hi])} ({NAMES[hi]}) of the gradient at depth {L}.")
    return out


def gain_findings(result, at_gain, depth=None):
    """Sentences comparing ``result`` (a run at gain 1, the control) with ``at_gain`` (the same
    run without residuals, each unit at its gain in ``UNIT_GAINS``), generated from the medians over seeds, as a list of strings.
    A sentence whose units either run lacks is left out."""
    L = result.max_depth if depth is None else depth
    out = []

    def both(u):
        return u in result.units and u in at_gain.units and "plain" in result.modes and "plain" in at_gain.modes

    def med(unit, r=result):
        return r.median(unit, "plain", L)

    def ratio_words(a, b):
        return "about as much as" if b > 0 and 0.5 <= a / b <= 2 else (_times(a, b) or "unlike") + " as much as"

    if both("relu") and "tanh" in result.units:
        r, t = med("relu", at_gain), med("tanh")
        out.append(f"With He's gain sqrt 2 = {at_gain.gains['relu']:.4g}, ReLU passes {format_ratio(r)} at depth {L} "
                   f"instead of {format_ratio(med('relu'))}: {ratio_words(r, t)} tanh at gain {result.gains['tanh']:g} "
                   f"({format_ratio(t)}).")
    for u in ("gtu", "glu"):
        if both(u):
            a, b = med(u), med(u, at_gain)
            change = _times(b, a)
            out.append(f"A gain of {at_gain.gains[u]:g} on the {NAMES[u]}'s value branch (1 / sigmoid(0)) moves its "
                       f"gradient from {format_ratio(a)} to {format_ratio(b)}" + (f", {change}." if change else "."))
    quad = [u for u in ("geglu", "swiglu") if both(u)]
    if quad:
        out.append(f"At gain {at_gain.gains[quad[0]]:g}, " + " and ".join(
            f"{NAMES[u]} " + ("overflows" if not np.isfinite(med(u, at_gain)) else f"passes {format_ratio(med(u, at_gain))}")
            for u in quad) + ": a layer that is quadratic near 0 shrinks a small signal and grows a large one, "
                             "layer after layer.")
    return out


__all__ = ["UNITS", "MODES", "NAMES", "FLOOR", "UNIT_GAINS", "DepthResult", "dauphin_factors", "findings",
           "gain_findings", "format_ratio", "gain_sweep", "gradient_ratios", "run"]
