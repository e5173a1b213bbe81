"""Checkers for notebook 04, the geometry of the gate."""

import numpy as np

from .. import geometry as _geo
from ..elementwise import activate, activate_grad
from ._feedback import Feedback, checker, close, number, numbers, worst

#: Exercise 2's unit: GEGLU with w, v, b, c.
ZERO_UNIT = {"w": 2.0, "v": -1.0, "b": 1.0, "c": 0.5}
#: Exercise 3: the gate bias is fixed; choose c so that the output at x = 0 is TARGET.
GATE_BIAS, TARGET = 1.0, 1.0
#: Exercise 4: the point of the (a, u) plane where the learner computes det H for GEGLU.
HESSIAN_POINT = (0.5, 2.0)


@checker
def check_gelu_dip(z, value):
    """Exercise 1: where GELU is lowest, and how low."""
    z, value = number(z, "z"), number(value, "value")
    z_ref, f_ref = _geo.activation_minimum("gelu")
    if not close(z, z_ref, rtol=1e-3):
        return Feedback(False, f"z = {z:g} is not where GELU' changes sign; look between -1 and -0.5 "
                               "(bisect on glulib.activate_grad).")
    if not close(value, f_ref, rtol=1e-3):
        if close(value, -f_ref, rtol=1e-3):
            return Feedback(False, f"the place is right; check the sign of the value: GELU is below zero there.")
        return Feedback(False, f"the place is right; the value is GELU at that place, not {value:g}.")
    return Feedback(True, f"GELU({z_ref:.4f}) = {f_ref:.4f}: for negative gate inputs the opening is slightly negative, "
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
