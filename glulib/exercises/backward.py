"""Checkers for notebook 03, the backward pass."""

import numpy as np

from .. import depth as _depth
from ..feedforward import VARIANTS
from ..gradcheck import gradcheck
from ..kernels import glu, glu_backward
from ._feedback import Feedback, close

#: Gradcheck errors below this count as a correct backward (float64, central differences).
TOL = 1e-6
#: Exercise 2's point: value path X = 2, gate input G = 0.
DAUPHIN_POINT = (2.0, 0.0)


def _grid():
    rng = np.random.default_rng(3)
    value = rng.standard_normal(64) * 2  # (64,)
    gate = np.concatenate([np.linspace(-4, 4, 60), [-0.3, 0.2, 1.1, 2.5]])  # (64,) never 0: ReLU has a kink there
    return value, gate


def check_backward(variant, my_backward):
    """Exercise 1: ``my_backward(dout, value, gate) -> (dvalue, dgate)`` for ``variant``."""
    if variant not in VARIANTS:
        return Feedback(False, f"variant must be one of {list(VARIANTS)}, got {variant!r}.")
    act = VARIANTS[variant]
    value, gate = _grid()
    try:
        out = my_backward(np.ones_like(value), value, gate)
        dvalue, dgate = (np.asarray(o, dtype=np.float64) for o in out)
    except Exception as exc:  # the learner's code: report, never raise
        return Feedback(False, f"calling your function raised {type(exc).__name__}: {exc}")
    if dvalue.shape != value.shape or dgate.shape != gate.shape:
        return Feedback(False, f"return two arrays shaped like value and gate {value.shape}; got "
                               f"{dvalue.shape} and {dgate.shape}.")

    def forward(value, gate):
        return glu(value, gate, act)

    def backward(dout, value, gate):
        return tuple(np.asarray(g, dtype=np.float64) for g in my_backward(dout, value, gate))

    err = gradcheck(forward, backward, value, gate, max_points=24)
    bad = [k for k, e in err.items() if not e < TOL]
    if bad:
        hints = {"value": f"dvalue is dout times the gate's activation, {act}(gate).",
                 "gate": f"dgate is dout times value times the derivative of {act} at the gate."}
        which = ", ".join(f"d{k} (worst relative error {err[k]:.2g})" for k in bad)
        return Feedback(False, f"gradcheck disagrees on {which}. " + " ".join(hints[k] for k in bad))
    ref = glu_backward(np.ones_like(value), value, gate, act)
    agree = max(float(np.max(np.abs(a - b))) for a, b in zip(ref, (dvalue, dgate)))
    return Feedback(True, f"gradcheck errors {err['value']:.1e} (dvalue) and {err['gate']:.1e} (dgate); "
                          f"largest difference from glulib's backward {agree:.1e}.")


def check_dauphin(glu_factor, gtu_factor):
    """Exercise 2: the factors on dX at X = 2, G = 0 for the GLU and the GTU."""
    X, G = DAUPHIN_POINT
    f = _depth.dauphin_factors(np.array([X]), np.array([G]))
    want_glu, want_gtu = float(f["glu_value"][0]), float(f["gtu_value"][0])
    if not close(glu_factor, want_glu, rtol=1e-3):
        return Feedback(False, f"the GLU's factor is sigmoid(G) alone, at G = {G:g}; you gave {glu_factor}.")
    if not close(gtu_factor, want_gtu, rtol=1e-3):
        if close(gtu_factor, want_glu, rtol=1e-3):
            return Feedback(False, "the GTU's factor has tanh'(X) as well as sigmoid(G).")
        return Feedback(False, f"the GTU's factor is tanh'(X) sigmoid(G) = (1 - tanh(X)^2) sigmoid(G) at X = {X:g}; "
                               f"you gave {gtu_factor}.")
    return Feedback(True, f"GLU {want_glu:.4f}, GTU {want_gtu:.4f}: the GTU passes {want_gtu / want_glu:.3f} "
                          "of what the GLU passes on the value path, at this point alone.")


def check_deepest(result, mode, unit):
    """Exercise 3: which unit passes the most gradient at the deepest depth in ``mode``."""
    if unit not in result.units:
        return Feedback(False, f"unit must be one of {list(result.units)}, got {unit!r}.")
    order = result.ranking(mode, result.max_depth)
    if unit != order[0]:
        return Feedback(False, f"{unit} passes {_depth.format_ratio(result.median(unit, mode, result.max_depth))}; "
                               f"set the panel to depth {result.max_depth} and read the bars again.")
    return Feedback(True, f"{unit} passes {_depth.format_ratio(result.median(unit, mode, result.max_depth))} at depth "
                          f"{result.max_depth}, then {order[1]}.")
