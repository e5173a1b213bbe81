"""Premises of notebook 03's prose about gains: the RMS opening and the GLU's edge."""

import numpy as np
import pytest

import glulib
from glulib import backward


def _rms_opening():
    z = np.linspace(-12, 12, 240001)
    density = np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
    s = glulib.activate(z, "sigmoid")
    return np.sqrt(np.sum(s * s * density) * (z[1] - z[0]))


@pytest.mark.slow
def test_the_glu_edge_lies_a_little_below_one_over_the_rms_opening():
    """'A unit-size signal keeps its size at a gain of 1 / RMS opening, not at 2 ... the measured edge
    lies a little below it' (the edge: where the median over five seeds crosses 1 at depth 64)."""
    rms = _rms_opening()
    assert 0.53 < rms < 0.55
    lo, hi = 1.0, 2.0
    for _ in range(12):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.median(backward.gain_sweep("glu", [mid])[0]) < 1 else (lo, mid)
    assert 1 / rms - 0.1 < lo < 1 / rms
    # between the quarter steps 1.75 and 2 of the notebook's sweep
    assert 1.75 < lo < 2.0


def test_quadratic_units_have_no_small_signal_gain():
    """act(0) = 0 for GELU and Swish: a signal s times smaller comes out about s^2 times smaller."""
    for act in ("gelu", "silu"):
        assert glulib.activate(np.zeros(1), act)[0] == 0
        a = np.array([1e-3, 1e-4])
        out = glulib.glu(a, a, act)  # value = gate input = a
        assert out[0] / out[1] == pytest.approx(100, rel=1e-3)
