"""Checkers for notebook 04, the geometry of the gate."""

import math

import numpy as np

from .. import geometry as _geo
from ..elementwise import activate, activate_grad
from ._feedback import Feedback, checker, close, frozen, number, numbers, worst

#: Exercise 1: how close z and GELU(z) must be to the lowest point, relative (0.1 %).
DIP_RTOL = 1e-3
#: Exercise 2's unit: GEGLU with w, v, b, c. Its two zeros, -b/w = -0.5 and -c/v = 0.75, differ in
#: size, so a sign slip (b/w, c/v, or both) gives other points, not the same pair in another order.
ZERO_UNIT = frozen({"w": 2.0, "v": -2.0, "b": 1.0, "c": 1.5})
#: Exercise 3: the gate bias is fixed; choose c so that the output at x = 0 is TARGET.
GATE_BIAS, TARGET = 1.0, 1.0
#: Exercise 4: the point of the (a, u) plane where the learner computes det H for GEGLU.
HESSIAN_POINT = frozen((0.5, 2.0))


@checker
def check_gelu_dip(z, value):
    """Exercise 1: where GELU is lowest, and how low."""
    z, value = number(z, "z"), number(value, "value")
    z_ref, f_ref = _geo.activation_minimum("gelu")
    tol = DIP_RTOL * abs(z_ref)
    if not close(z, z_ref, rtol=DIP_RTOL, atol=0.0):
        if abs(z - z_ref) <= 0.05:
            return Feedback(False, f"z = {z:g} is near the lowest point, but the check wants it within {DIP_RTOL:.1%} "
                                   f"(about {tol:.5f}): bisect until the bracket is narrower than that, and "
                                   "give its middle with every digit.")
        return Feedback(False, f"z = {z:g} is not where GELU' changes sign; look between -1 and -0.5 "
                               f"(bisect on glulib.activate_grad, to within {DIP_RTOL:.1%}).")
    if not close(value, f_ref, rtol=DIP_RTOL):
        if close(value, -f_ref, rtol=DIP_RTOL):
            return Feedback(False, "the place is right; check the sign of the value: GELU is below zero there.")
        return Feedback(False, f"the place is right; the value is GELU at that place, not {value:g}.")
    return Feedback(True, f"GELU({z_ref:.4f}) = {f_ref:.4f} (checked to {DIP_RTOL:.1%}): for negative gate inputs the opening is slightly negative, "
                          "so the product takes the opposite sign to the value there.")


@checker
def check_zeros(points):
    """Exercise 2: every x where the GEGLU unit ZERO_UNIT outputs zero."""
    got = np.sort(numbers(points, "your list of points"))  # (k,)
    u = ZERO_UNIT
    want = np.sort([-u["b"] / u["w"], -u["c"] / u["v"]])  # (2,)
    if got.size != want.size:
        return Feedback(False, f"there are {want.size} such points: one where the opening is zero "
                               f"(GELU(a) = 0 only at a = 0) and one where the value is zero; "
                               f"you gave {got.size}.")
    if not worst(got, want, rtol=0, atol=1e-3).ok:
        return Feedback(False, f"{got.tolist()} are not both zeros: solve w x + b = 0 and v x + c = 0.")
    return Feedback(True, f"x = {want[0]:g} (one branch is zero) and x = {want[1]:g} (the other).")


@checker
def check_value_bias(c):
    """Exercise 3: c such that GEGLU's output at x = 0, GELU(b) c, equals TARGET with b = GATE_BIAS."""
    c = number(c, "c")
    g = float(activate(np.array([GATE_BIAS]), "gelu")[0])
    want = TARGET / g
    if not close(c, want, rtol=1e-3):
        return Feedback(False, f"at x = 0 the output is GELU(b) c = {g:.4f} c; solve for c (you gave {c:g}).")
    return Feedback(True, f"c = {want:.4f}: with the value bias alone the unit outputs {TARGET:g} "
                          "where its input is 0.")


@checker
def check_hessian_det(det):
    """Exercise 4: det of the Hessian of GELU(a) u at HESSIAN_POINT."""
    det = number(det, "det")
    a, u = HESSIAN_POINT
    d1 = float(activate_grad(np.array([a]), "gelu")[0])
    want = -d1 * d1
    if close(det, -want, rtol=1e-3):
        return Feedback(False, "check the sign: det [[p, q], [q, 0]] = -q^2.")
    if not close(det, want, rtol=1e-3):
        return Feedback(False, f"H = [[GELU''(a) u, GELU'(a)], [GELU'(a), 0]]; its determinant needs "
                               f"GELU'({a:g}) only. "
                               f"You gave {det:g}.")
    return Feedback(True, f"det H = -GELU'({a:g})^2 = {want:.4f} < 0: a saddle, as everywhere GELU' is not zero.")


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6). GELU and its slope written out with
# math.erf, the minimum found by bisection: nothing here calls glulib.

def _gelu(z):
    return 0.5 * z * (1 + math.erf(z / math.sqrt(2)))


def _gelu_d(z):
    return 0.5 * (1 + math.erf(z / math.sqrt(2))) + z * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def _bisect(f, lo, hi):
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if f(lo) * f(mid) > 0 else (lo, mid)
    return 0.5 * (lo + hi)


def _gelu_dip_answers():
    z = _bisect(_gelu_d, -2.0, -0.1)
    silu_z = _bisect(lambda t: 1 / (1 + math.exp(-t)) * (1 + t * (1 - 1 / (1 + math.exp(-t)))), -3.0, -0.1)
    return {"z": z, "value": _gelu(z)}, {
        "value with the wrong sign": {"value": -_gelu(z)},
        "SiLU's minimum": {"z": silu_z, "value": silu_z / (1 + math.exp(-silu_z))},
        "z rounded to one decimal": {"z": round(z, 1)},
        "z rounded to two decimals": {"z": round(z, 2), "value": _gelu(round(z, 2))},
        "value at z = -1": {"value": _gelu(-1.0)},
        "z and value swapped": {"z": _gelu(z), "value": z},
    }


def _zeros_answers():
    u = ZERO_UNIT
    a, b = -u["b"] / u["w"], -u["c"] / u["v"]
    return {"points": [b, a]}, {
        "one point only": {"points": [a]},
        "c / v instead of -c / v": {"points": [a, u["c"] / u["v"]]},
        "b / w instead of -b / w": {"points": [u["b"] / u["w"], b]},
        "both signs flipped": {"points": [-a, -b]},
        "w / b and v / c (upside down)": {"points": [-u["w"] / u["b"], -u["v"] / u["c"]]},
        "an extra zero at 0": {"points": [a, b, 0.0]},
        "a point twice": {"points": [a, a]},
        "as text": {"points": f"{a}, {b}"},
    }


def _value_bias_answers():
    gelu_b = _gelu(GATE_BIAS)
    return {"c": TARGET / gelu_b}, {
        "the target itself": {"c": TARGET},
        "target x GELU(b)": {"c": TARGET * gelu_b},
        "with SiLU instead of GELU": {"c": TARGET / (GATE_BIAS / (1 + math.exp(-GATE_BIAS)))},
        "with GELU'(b) instead of GELU(b)": {"c": TARGET / _gelu_d(GATE_BIAS)},
        "wrong sign": {"c": -TARGET / gelu_b},
    }


def _hessian_det_answers():
    a, u = HESSIAN_POINT
    d1 = _gelu_d(a)
    d2 = (2 - a * a) * math.exp(-a * a / 2) / math.sqrt(2 * math.pi)  # GELU''
    return {"det": -d1 * d1}, {
        "wrong sign": {"det": d1 * d1},
        "GELU' not squared": {"det": -d1},
        "twice too large": {"det": -2 * d1 * d1},
        "p^2 - q^2 with p = GELU''(a) u": {"det": (d2 * u) ** 2 - d1 * d1},
        "GELU(a) for GELU'(a)": {"det": -_gelu(a) ** 2},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_gelu_dip": _gelu_dip_answers, "check_zeros": _zeros_answers,
           "check_value_bias": _value_bias_answers, "check_hessian_det": _hessian_det_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({})
