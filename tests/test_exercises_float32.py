"""The exercise checkers of notebook 09 (float32 and the cache) accept the worked solutions and
answer common mistakes with the hint meant for them."""

import numpy as np

from glulib.exercises import float32 as ex09

F32 = np.float32


def test_ulps_apart():
    a, b = (F32(x) for x in ex09.ULP_PAIR)
    right = int(round((float(b) - float(a)) / float(np.spacing(a))))
    assert ex09.check_ulps_apart(right)
    assert not ex09.check_ulps_apart(right + 1)
    assert "near 1" in ex09.check_ulps_apart(8389).message  # the count between 1 and 1.001
    assert "text" in ex09.check_ulps_apart("16").message


def test_rounded_square_prediction():
    # the solution's reasoning: half the spacing of z^2 in [64, 128), halved again, over 2^-24
    predicted = 2.0**-19 / 2.0**-24
    assert ex09.check_rounded_square(predicted)
    worst = ex09.rounded_square_error(ex09.Z_ROUNDED)
    assert predicted / 2 <= worst <= 2 * predicted
    assert "too small" in ex09.check_rounded_square(1).message
    assert "too large" in ex09.check_rounded_square(1000).message


def test_rounded_square_error_grows_with_z():
    # the error of the rounded z^2, passed on by exp, grows like z^2
    assert ex09.rounded_square_error(3.0) > 0
    assert ex09.rounded_square_error(9.4) > ex09.rounded_square_error(3.0)


def test_two_sum():
    def knuth(a, b):
        s = a + b
        b_in = s - a
        a_in = s - b_in
        return s, (a - a_in) + (b - b_in)

    def via_float64(a, b):  # right only while a + b fits a float64 exactly
        s = a + b
        return s, F32(float(a) + float(b) - float(s))

    assert ex09.check_two_sum(knuth)
    fb = ex09.check_two_sum(via_float64)
    assert not fb and "float64 cannot hold" in fb.message
    fb = ex09.check_two_sum(lambda a, b: (a + b, F32(0)))
    assert not fb and "misses a + b" in fb.message
    assert "float32" in ex09.check_two_sum(lambda a, b: (float(a + b), 0.0)).message
    assert "pair" in ex09.check_two_sum(lambda a, b: a + b).message


def test_silu_zero():
    w0 = ex09.silu_d_zero()
    assert abs(1 + w0 + np.exp(w0)) < 1e-15
    assert -2 < w0 < -1
    newton = -1.5
    for _ in range(8):
        newton = newton - (1 + newton + np.exp(newton)) / (1 + np.exp(newton))
    assert ex09.check_silu_zero(newton, F32(newton))
    assert "15 digits" in ex09.check_silu_zero(w0 + 1e-9, F32(w0)).message
    assert "not 0" in ex09.check_silu_zero(-1.0, F32(w0)).message
    assert "np.float32" in ex09.check_silu_zero(w0, w0).message
    off = ex09.check_silu_zero(w0, np.nextafter(F32(w0), F32(0)))
    assert not off and "nearest" in off.message
