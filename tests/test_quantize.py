"""glulib.quantize: 8-bit formats, scales per tensor / token / unit, and a scale folded into W2."""

import ml_dtypes
import numpy as np
import pytest

from glulib import quantize as qz


def test_the_formats_ranges_and_spacing_come_from_the_formats_themselves():
    e4m3, e5m2, int8 = qz.describe("e4m3"), qz.describe("e5m2"), qz.describe("int8")
    assert (e4m3["largest"], e5m2["largest"], int8["largest"]) == (448.0, 57344.0, 127.0)
    assert (e4m3["gap above 1"], e5m2["gap above 1"], int8["gap above 1"]) == (2.0 ** -3, 2.0 ** -2, 1.0)
    assert e4m3["smallest"] == 2.0 ** -9 and e5m2["smallest"] == 2.0 ** -16
    # a float's relative spacing stays within a factor 2 over its normal range; int8's spans 127x
    assert e4m3["relative gap max"] / e4m3["relative gap min"] < 2.01
    assert int8["relative gap max"] / int8["relative gap min"] == pytest.approx(126.0)
    v = qz.representable("e4m3")
    assert np.all(v.astype(ml_dtypes.float8_e4m3fn).astype(np.float64) == v) and np.all(np.diff(v) > 0)


@pytest.mark.parametrize("fmt", list(qz.FORMATS))
@pytest.mark.parametrize("per", list(qz.GRANULARITIES))
def test_quantize_rounds_each_group_onto_the_scaled_grid(fmt, per):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 30))
    assert qz.quantize(x.astype(np.float32), fmt, per).dtype == np.float32
    q = qz.quantize(x, fmt, per)
    s = qz.scales(x, fmt, per)
    assert q.dtype == np.float64 and q.shape == x.shape
    grid = qz.representable(fmt)
    z = q.astype(np.float64) / s  # (n, d_ff), back on the format's grid
    assert np.all(np.isin(np.round(z, 9), np.round(grid, 9)))
    # each group's largest |x| lands on the format's largest number
    top = np.max(np.abs(z), axis=qz.GRANULARITIES[per])
    np.testing.assert_allclose(top, qz.largest(fmt), rtol=1e-6)
    # rounding to nearest: no entry is further from x than half the local gap
    idx = np.clip(np.searchsorted(grid, x / s), 1, grid.size - 1)
    gap = grid[idx] - grid[idx - 1]
    assert np.all(np.abs(z - x / s) <= gap / 2 + 1e-6)


def test_int8_per_tensor_breaks_on_one_outlier_and_float8_does_not():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 100))
    x[3, 7] = 2000.0  # one outlier, as in a massive activation
    typical = np.ones_like(x, dtype=bool)
    typical[3, 7] = False
    int8_err = qz.relative_error(x[typical], qz.quantize(x, "int8", "tensor")[typical])
    e4m3_err = qz.relative_error(x[typical], qz.quantize(x, "e4m3", "tensor")[typical])
    assert int8_err > 0.9  # spacing 2000 / 127 = 16: nearly every typical entry rounds to 0
    assert e4m3_err < 0.05
    unit = qz.relative_error(x[:, :7], qz.quantize(x, "int8", "unit")[:, :7])  # columns without the outlier
    assert unit < 0.02


def test_folding_the_unit_scales_into_W2_leaves_the_function_and_removes_the_outlier_column():
    rng = np.random.default_rng(2)
    h = rng.standard_normal((32, 24))
    h[:, 5] *= 500.0
    W2 = rng.standard_normal((24, 8))
    s = np.max(np.abs(h), axis=0)
    h_s, W2_s = qz.fold_unit_scales(h, W2, s)
    np.testing.assert_allclose(h_s @ W2_s, h @ W2, rtol=1e-12, atol=1e-9)
    assert np.max(np.abs(h_s)) == pytest.approx(1.0) and np.allclose(np.max(np.abs(h_s), axis=0), 1.0)
    # per-tensor int8 on the folded product is per-unit int8 on the original
    np.testing.assert_allclose(qz.quantize(h_s, "int8", "tensor") @ W2_s, qz.quantize(h, "int8", "unit") @ W2,
                               rtol=1e-9, atol=1e-9)


def test_given_scales_are_used_and_saturate():
    x = np.array([[1.0, -3.0], [0.5, 10.0]])
    q = qz.quantize(x, "int8", "unit", scale=np.array([[1 / 127, 1 / 127]]))
    assert np.array_equal(q, [[1.0, -1.0], [0.5039370078740157, 1.0]])


def test_unit_cosines():
    W = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 2.0]])
    V = np.array([[2.0, -1.0, 0.0], [0.0, -1.0, 0.0]])
    np.testing.assert_allclose(qz.unit_cosines(W, V), [1.0, -1.0, 0.0])


def test_bad_input_gets_a_clear_error():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="quantize: unknown fmt 'fp8'; expected one of 'int8', 'e4m3', 'e5m2'"):
        qz.quantize(x, "fp8")
    with pytest.raises(ValueError, match="unknown per 'row'"):
        qz.quantize(x, "int8", "row")
    with pytest.raises(ValueError, match=r"x must be 2-D \(n_tokens, d_ff\)"):
        qz.quantize(np.ones(3), "int8")
    with pytest.raises(ValueError, match="x holds NaN"):
        qz.quantize(np.full((2, 2), np.nan), "e4m3")
    with pytest.raises(ValueError, match=r"scale for per='token' must be positive and finite of shape \(2, 1\)"):
        qz.quantize(x, "int8", "token", scale=np.ones((1, 3)))
    with pytest.raises(ValueError, match="every scale s_j must be positive"):
        qz.fold_unit_scales(x, np.ones((3, 4)), np.array([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="W and V must both be"):
        qz.unit_cosines(np.ones((2, 3)), np.ones((3, 2)))
