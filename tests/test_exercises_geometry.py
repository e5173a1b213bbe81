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
