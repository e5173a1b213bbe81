"""Checkers of notebook 04 (the geometry of the gate): right answers pass, typical wrong ones fail
with a reason."""

import math

from glulib.exercises import geometry as ex4


def test_geometry_checkers():
    z, f = 0.5 * (-0.7517915 + -0.7517915), -0.1699712
    assert ex4.check_gelu_dip(z, f)
    assert not ex4.check_gelu_dip(-1.0, f) and not ex4.check_gelu_dip(z, 0.17)
    u = ex4.ZERO_UNIT
    assert ex4.check_zeros([-u["c"] / u["v"], -u["b"] / u["w"]])
    assert not ex4.check_zeros([-u["b"] / u["w"]]) and not ex4.check_zeros("x")
    gelu_b = ex4.GATE_BIAS * 0.5 * (1 + math.erf(ex4.GATE_BIAS / math.sqrt(2)))
    assert ex4.check_value_bias(ex4.TARGET / gelu_b)
    assert not ex4.check_value_bias(ex4.TARGET)
    a, _ = ex4.HESSIAN_POINT
    d1 = 0.5 * (1 + math.erf(a / math.sqrt(2))) + a * math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    assert ex4.check_hessian_det(-d1 * d1)
    assert not ex4.check_hessian_det(d1 * d1)


def test_zeros_show_a_sign_error():
    """Issue 22: the unit's zeros were -0.5 and 0.5, so flipping both signs gave the same pair."""
    u = ex4.ZERO_UNIT
    right = [-u["b"] / u["w"], -u["c"] / u["v"]]
    assert abs(right[0]) != abs(right[1])
    assert ex4.check_zeros(right)
    for wrong in ([-right[0], -right[1]], [-right[0], right[1]], [right[0], -right[1]]):
        assert not ex4.check_zeros(wrong), wrong


def test_gelu_dip_states_its_tolerance():
    """Issue 22: -0.75 for a minimum at -0.7518 was rejected with a hint it already satisfied."""
    z, f = 0.5 * (-0.7517915 + -0.7517915), -0.1699712
    near = ex4.check_gelu_dip(-0.75, f)
    assert not near and f"{ex4.DIP_RTOL:.1%}" in near.message and "between -1 and -0.5" not in near.message
    assert ex4.check_gelu_dip(z + 0.5 * ex4.DIP_RTOL * abs(z), f)
