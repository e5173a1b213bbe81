"""Checkers for notebook 03, the backward pass."""

import functools
import math

import numpy as np

from .. import backward as _backward
from ..elementwise import glu, glu_backward
from ..feedforward import VARIANTS
from ..gradcheck import gradcheck
from ._feedback import (
    Feedback,
    NotAnAnswer,
    call,
    checker,
    choice,
    close,
    frozen,
    number,
    result_array,
    shown,
    worst,
)

#: Gradcheck errors below this count as a correct backward (float64, central differences).
TOL = 1e-6
#: Exercise 2's point: value path X = 2, gate input G = 0.
DAUPHIN_POINT = frozen((2.0, 0.0))


def _grid():
    """The points check_backward compares at, every one of them: gates from -12 to 12 (never 0,
    where ReLU has a kink), values and upstream gradients drawn once."""
    rng = np.random.default_rng(3)
    gate = np.concatenate([np.linspace(-8, 8, 96), [-12.0, -0.3, 0.2, 1.1, 2.5, 12.0]])  # (102,)
    value = rng.standard_normal(gate.size) * 2  # (102,)
    dout = rng.standard_normal(gate.size)  # (102,) not ones: a backward must multiply by dout
    return dout, value, gate


@checker
def check_backward(variant, my_backward):
    """Exercise 1: ``my_backward(dout, value, gate) -> (dvalue, dgate)`` for ``variant``."""
    variant = choice(variant, VARIANTS, "variant")
    act = VARIANTS[variant]
    dout, value, gate = _grid()
    want = dict(zip(("dvalue", "dgate"), glu_backward(dout, value, gate, act)))  # computed first: (n,) each

    def backward(dout, value, gate):  # the learner's function, always on copies
        result, _ = call(my_backward, {"dout": dout, "value": value, "gate": gate}, "my_backward")
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise NotAnAnswer(f"my_backward must return two arrays, (dvalue, dgate); it returned {shown(result)}.")
        return tuple(result_array(r, value.shape, f"the {k} my_backward returned")
                     for r, k in zip(result, ("dvalue", "dgate")))

    got = dict(zip(("dvalue", "dgate"), backward(dout, value, gate)))
    hints = {"dvalue": f"dvalue is dout times the opening, {act}(gate).",
             "dgate": f"dgate is dout times value times the derivative of {act} at the gate input."}
    for k in ("dvalue", "dgate"):
        c = worst(got[k], want[k], rtol=1e-6, atol=1e-9)
        if not c.ok:
            i = c.index[0]
            return Feedback(False, f"{k} is wrong at {c.n_wrong} of the {value.size} points checked. The worst: "
                                   f"at value = {value[i]:.3g}, gate = {gate[i]:.3g}, dout = {dout[i]:.3g} yours is "
                                   f"{c.got:.6g}, glulib's is {c.want:.6g}. {hints[k]}")

    def forward(value, gate):
        return glu(value, gate, act)

    err = gradcheck(forward, backward, value, gate, max_points=value.size)
    if not all(e <= TOL for e in err.values()):
        return Feedback(False, f"gradcheck disagrees (worst relative errors {err['value']:.2g} for dvalue, "
                               f"{err['gate']:.2g} for dgate) although glulib's backward agrees: a backward whose "
                               "answer depends on more than its three arguments?")
    agree = max(float(np.max(np.abs(got[k] - want[k]))) for k in want)
    return Feedback(True, f"gradcheck at all {value.size} points: worst errors {err['value']:.1e} (dvalue) and "
                          f"{err['gate']:.1e} (dgate); largest difference from glulib's backward {agree:.1e}.")


@checker
def check_dauphin(glu_factor, gtu_factor):
    """Exercise 2: the factors on dX at X = 2, G = 0 for the GLU and the GTU."""
    glu_factor, gtu_factor = number(glu_factor, "glu_factor"), number(gtu_factor, "gtu_factor")
    X, G = DAUPHIN_POINT
    f = _backward.dauphin_factors(np.array([X]), np.array([G]))
    want_glu, want_gtu = float(f["glu_value"][0]), float(f["gtu_value"][0])
    if not close(glu_factor, want_glu, rtol=1e-3):
        return Feedback(False, f"the GLU's factor is sigmoid(G) alone, at G = {G:g}; you gave {glu_factor:g}.")
    if not close(gtu_factor, want_gtu, rtol=1e-3):
        if close(gtu_factor, want_glu, rtol=1e-3):
            return Feedback(False, "the GTU's factor has tanh'(X) as well as sigmoid(G).")
        return Feedback(False, f"the GTU's factor is tanh'(X) sigmoid(G) = (1 - tanh(X)^2) sigmoid(G) at X = {X:g}; "
                               f"you gave {gtu_factor:g}.")
    return Feedback(True, f"GLU {want_glu:.4f}, GTU {want_gtu:.4f}: the GTU passes {want_gtu / want_glu:.3f} "
                          "of what the GLU passes on the value path, at this point alone.")


#: Exercises 3 and 4: the stack of notebook 03's written-out measurement (GLU without
#: residuals, gain on V), the median over these seeds of |dx| / |dy| at this depth.
GAIN_TASK = frozen({"unit": "glu", "mode": "plain", "depth": 64, "width": 32, "batch": 8, "seeds": (0, 1, 2, 3, 4)})
#: Exercise 3: the gain at which the learner predicts the gradient before measuring it, and
#: how far from the measurement (a factor, either way) a prediction may be.
PREDICT_GAIN, PREDICT_FACTOR = 1.5, 10.0
#: Exercise 4: "near 1" means within two orders of magnitude: between LOW and HIGH.
LOW, HIGH = 1e-2, 1e2


@functools.lru_cache(maxsize=64)
def _median_ratio(gain):
    """Median over GAIN_TASK's seeds of |dx| / |dy| at its depth, for a gain on V (a float)."""
    t = GAIN_TASK
    sweep = _backward.gain_sweep(t["unit"], [gain], t["mode"], t["depth"], t["width"], t["batch"], t["seeds"])
    return float(np.median(sweep[0]))


@checker
def check_gain_prediction(prediction):
    """Exercise 3: the predicted |dx| / |dy| of the GLU stack at gain PREDICT_GAIN, before measuring."""
    p = number(prediction, "your prediction")
    if not p > 0:
        return Feedback(False, f"a ratio of two norms is positive; you gave {p:g}.")
    L, g = GAIN_TASK["depth"], PREDICT_GAIN
    measured = _median_ratio(g)
    at_one = _median_ratio(1.0)
    factor = max(p / measured, measured / p)
    if not factor <= PREDICT_FACTOR:  # NaN counts as far off
        if max(p / at_one, at_one / p) <= PREDICT_FACTOR:
            return Feedback(False, f"{p:.2g} is about what the stack passes at gain 1; at gain {g:g} every "
                                   f"layer multiplies the value branch by {g:g} as well.")
        return Feedback(False, f"{p:.2g} is off by a factor of about {factor:.2g}. Near a gate input of 0 each layer "
                               f"multiplies the gradient by about (gain on V) x sigmoid(0); take that to the "
                               f"power {L}.")
    return Feedback(True, f"you predicted {p:.2g}; the measurement gives {measured:.2g} (median over "
                          f"{len(GAIN_TASK['seeds'])} seeds), and ({g:g} x 1/2)^{L} = {(g / 2) ** L:.2g}. The gate "
                          "input is not exactly 0 at every unit: there the opening is not exactly 1/2, and the "
                          "gate's own term, value x sigmoid'(gate input), adds to the gradient.")


@checker
def check_glu_gain(gain):
    """Exercise 4: a gain on V for which the GLU stack's median |dx| / |dy| lies in [LOW, HIGH]."""
    g = number(gain, "your gain")
    if not 0 < g <= 10:
        return Feedback(False, f"choose a gain between 0 and 10; you gave {g:g}.")
    r = _median_ratio(g)
    shown_r = _backward.format_ratio(r)
    if not r >= LOW:
        return Feedback(False, f"at gain {g:g} the stack passes {shown_r} of the gradient: it still vanishes. "
                               "Raise the gain.")
    if not r <= HIGH:
        return Feedback(False, f"at gain {g:g} the stack passes {shown_r} of the gradient: it explodes. "
                               "Lower the gain, in small steps.")
    return Feedback(True, f"at gain {g:g} the {GAIN_TASK['depth']}-layer GLU stack passes {shown_r} of the "
                          f"gradient to its input (at gain 1: {_backward.format_ratio(_median_ratio(1.0))}). Try a gain "
                          "0.02 higher and watch how narrow the window is.")


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6). SwiGLU's backward written out in
# NumPy, not glulib's.

def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _silu_backward(dout, value, gate):
    s = _sigmoid(gate)
    return dout * gate * s, dout * value * s * (1 + gate * (1 - s))  # (n,), (n,)


def _backward_answers():
    def forgets_dout(dout, value, gate):
        return _silu_backward(np.ones_like(dout), value, gate)

    def swapped(dout, value, gate):
        return _silu_backward(dout, value, gate)[::-1]

    def dgate_without_value(dout, value, gate):
        dv, dg = _silu_backward(dout, value, gate)
        return dv, dg / value

    def dgate_sign(dout, value, gate):
        dv, dg = _silu_backward(dout, value, gate)
        return dv, -dg

    def dvalue_twice(dout, value, gate):
        dv, dg = _silu_backward(dout, value, gate)
        return 2 * dv, dg

    def wrong_beyond_5(dout, value, gate):  # right wherever |gate| < 5
        dv, dg = _silu_backward(dout, value, gate)
        return dv, np.where(np.abs(gate) < 5, dg, dout * value * _sigmoid(gate))

    def sigmoid_derivative(dout, value, gate):
        s = _sigmoid(gate)
        return dout * gate * s, dout * value * s * (1 - s)

    def zeroes_value_after(dout, value, gate):
        out = _silu_backward(dout, value, gate)
        value[...] = 0
        return out

    def zeroes_gate_first(dout, value, gate):
        gate[...] = 0
        return _silu_backward(dout, value, gate)

    def one_array(dout, value, gate):
        return np.stack(_silu_backward(dout, value, gate))

    fns = [forgets_dout, swapped, dgate_without_value, dgate_sign, dvalue_twice, wrong_beyond_5,
           sigmoid_derivative, zeroes_value_after, zeroes_gate_first, one_array]
    return {"variant": "swiglu", "my_backward": _silu_backward}, {f.__name__: {"my_backward": f} for f in fns}


def _dauphin_answers():
    X, G = DAUPHIN_POINT
    s = 1 / (1 + math.exp(-G))
    return {"glu_factor": s, "gtu_factor": (1 - math.tanh(X) ** 2) * s}, {
        "the GTU's factor without tanh'": {"gtu_factor": s},
        "tanh'(X) alone": {"gtu_factor": 1 - math.tanh(X) ** 2},
        "sigmoid'(G) for the GLU": {"glu_factor": s * (1 - s)},
        "tanh(X) not squared": {"gtu_factor": (1 - math.tanh(X)) * s},
        "the two swapped": {"glu_factor": (1 - math.tanh(X) ** 2) * s, "gtu_factor": s},
    }


def _gain_prediction_answers():
    g, L = PREDICT_GAIN, GAIN_TASK["depth"]
    return {"prediction": (g / 2) ** L}, {  # (gain x sigmoid(0)) per layer
        "as at gain 1": {"prediction": 0.5 ** L},
        "the gain alone to the power L": {"prediction": g ** L},
        "negative": {"prediction": -((g / 2) ** L)},
        "stays 1": {"prediction": 1.0},
        "one layer's factor": {"prediction": g / 2},
    }


def _glu_gain_answers():
    t = GAIN_TASK
    gains = [round(1.7 + 0.01 * k, 2) for k in range(26)]  # 1.70 to 1.95: the window lies in here
    med = np.median(_backward.gain_sweep(t["unit"], gains, t["mode"], t["depth"], t["width"], t["batch"], t["seeds"]),
                    axis=1)  # (26,) one sweep, the checker measures one gain at a time
    inside = [g for g, m in zip(gains, med) if LOW <= m <= HIGH]
    below = [g for g, m in zip(gains, med) if m < LOW]
    above = [g for g, m in zip(gains, med) if m > HIGH]
    return {"gain": inside[len(inside) // 2]}, {
        "gain 1": {"gain": 1.0}, "the last gain that vanishes": {"gain": below[-1]},
        "the first gain that explodes": {"gain": above[0]}, "zero": {"gain": 0.0}, "negative": {"gain": -inside[0]},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_backward": _backward_answers, "check_dauphin": _dauphin_answers,
           "check_gain_prediction": _gain_prediction_answers, "check_glu_gain": _glu_gain_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({"check_backward": {"variant"}})
