"""glulib.depth: the vanishing-gradient experiment against finite differences of a
reference forward written with glulib.activations.reference (float64, element by element)."""

import numpy as np
import pytest

from glulib import depth
from glulib.activations import reference

ACT = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "gtu": "sigmoid",
       "glu": "sigmoid", "geglu": "gelu", "swiglu": "silu"}


def _ref_forward(unit, mode, x, params):
    h = x
    for W, V in params:
        z = h / np.sqrt(np.mean(h * h, axis=1, keepdims=True) + 1e-6) if mode == "prenorm" else h
        gate, _ = reference(z @ W, ACT[unit])
        if V is None:
            f = gate
        else:
            value = z @ V
            f = (np.tanh(value) if unit == "gtu" else value) * gate
        h = f if mode == "plain" else h + f
    return h


def _ref_ratios(unit, mode, max_depth, width, batch, seed, eps=1e-6):
    """Same draws as depth.gradient_ratios; dx by central differences for each depth."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, width))
    dys = rng.standard_normal((max_depth, batch, width))
    gated = unit in ("gtu", "glu", "geglu", "swiglu")
    params = []
    for _ in range(max_depth):
        W = rng.standard_normal((width, width)) / np.sqrt(width)
        V = rng.standard_normal((width, width)) / np.sqrt(width) if gated else None
        params.append((W, V))
    out = []
    for L in range(1, max_depth + 1):
        dx = np.empty_like(x)
        for i in np.ndindex(x.shape):
            xp, xm = x.copy(), x.copy()
            xp[i] += eps
            xm[i] -= eps
            dx[i] = np.sum((_ref_forward(unit, mode, xp, params[:L]) - _ref_forward(unit, mode, xm, params[:L]))
                           * dys[L - 1]) / (2 * eps)
        out.append(np.linalg.norm(dx) / np.linalg.norm(dys[L - 1]))
    return np.array(out)


@pytest.mark.parametrize("mode", depth.MODES)
@pytest.mark.parametrize("unit", depth.UNITS)
def test_ratios_match_finite_differences(unit, mode):
    got = depth.gradient_ratios(unit, mode, max_depth=4, width=3, batch=2, seed=7)
    want = _ref_ratios(unit, mode, max_depth=4, width=3, batch=2, seed=7)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-9)


def test_run_shapes_and_accessors():
    r = depth.run(units=("tanh", "glu"), modes=("plain", "prenorm"), max_depth=5, width=4, batch=2, seeds=(0, 1, 2))
    assert r.ratios.shape == (2, 2, 3, 5)
    assert list(r.depths) == [1, 2, 3, 4, 5]
    np.testing.assert_array_equal(r.seeds_at("glu", "prenorm", 5), r.ratios[1, 1, :, 4])
    assert r.median("tanh", "plain", 3) == np.median(r.ratios[0, 0, :, 2])
    lo, hi = r.band("glu", "plain")
    assert np.all(lo <= r.median("glu", "plain")) and np.all(r.median("glu", "plain") <= hi)
    assert sorted(r.ranking("plain", 5)) == ["glu", "tanh"]
    again = depth.run(units=("tanh", "glu"), modes=("plain", "prenorm"), max_depth=5, width=4, batch=2, seeds=(0, 1, 2))
    np.testing.assert_array_equal(r.ratios, again.ratios)


def test_one_tanh_layer_by_hand():
    """One tanh layer: dx = (dy * tanh'(xW)) W^T, written out with NumPy alone."""
    rng = np.random.default_rng(3)
    got = depth.gradient_ratios("tanh", "plain", 1, 6, 4, 3)
    x = rng.standard_normal((4, 6))
    dy = rng.standard_normal((1, 4, 6))[0]
    W = rng.standard_normal((6, 6)) / np.sqrt(6)
    dx = (dy * (1 - np.tanh(x @ W) ** 2)) @ W.T
    assert got[0] == pytest.approx(np.linalg.norm(dx) / np.linalg.norm(dy), rel=1e-12)


def test_dauphin_factors():
    X = np.array([-3.0, 0.0, 2.0])
    G = np.array([0.5, -1.0, 2.0])
    f = depth.dauphin_factors(X, G)
    s = 1 / (1 + np.exp(-G))
    np.testing.assert_allclose(f["glu_value"], s, rtol=1e-12)
    np.testing.assert_allclose(f["gtu_value"], (1 - np.tanh(X) ** 2) * s, rtol=1e-12)
    np.testing.assert_allclose(f["glu_gate"], X * s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(f["gtu_gate"], np.tanh(X) * s * (1 - s), rtol=1e-12)
    assert np.all(f["gtu_value"] <= f["glu_value"])


@pytest.mark.slow
def test_findings_directions_at_the_notebook_setting():
    """The sentences notebook 03 prints follow the numbers; these are the directions it states."""
    r = depth.run()
    out = {f["claim"]: f for f in depth.findings(r)}
    by_start = lambda s: next(f for c, f in out.items() if c.startswith(s))  # noqa: E731
    assert by_start("Seed 001: sigmoid")["agrees"]
    assert not by_start("Seed 001: tanh")["agrees"]
    assert not by_start("Seed 001: the GLU keeps")["agrees"]
    assert by_start("Dauphin")["agrees"]
    assert not by_start("Seed 001: gating")["agrees"]
    assert by_start("A normalised")["agrees"]
    # the explanations notebook 03 writes beside the generated sentences
    med = {(u, m): r.median(u, m, 64) for u in depth.UNITS for m in depth.MODES}
    assert all(med[u, "plain"] < med["tanh", "plain"] for u in ("gtu", "glu", "geglu", "swiglu"))
    assert med["sigmoid", "plain"] < med["tanh", "plain"]
    assert med["glu", "plain"] > med["gtu", "plain"]
    assert med["geglu", "plain"] == 0 and med["swiglu", "plain"] == 0
    assert set(r.ranking("residual", 64)[:2]) == {"geglu", "swiglu"}
    assert all(1e-3 < med[u, "prenorm"] < 1e3 for u in depth.UNITS)


def test_findings_follow_the_numbers():
    """Swap two units' numbers and the generated sentence and verdict swap with them."""
    r = depth.run(units=("tanh", "glu", "gtu"), modes=("plain",), max_depth=3, width=4, batch=2, seeds=(0,))
    r.ratios[0, 0, 0, -1], r.ratios[0, 1, 0, -1] = 1e-9, 0.5  # tanh vanishes, glu keeps half
    f = next(f for f in depth.findings(r) if f["claim"].startswith("Seed 001: the GLU"))
    assert f["agrees"] and "0.5" in f["measured"] and "more" in f["measured"]
    r.ratios[0, 0, 0, -1], r.ratios[0, 1, 0, -1] = 0.5, 1e-9
    f = next(f for f in depth.findings(r) if f["claim"].startswith("Seed 001: the GLU"))
    assert not f["agrees"] and "less" in f["measured"]


@pytest.mark.parametrize("kwargs, match", [
    ({"units": ("lstm",)}, "unknown unit 'lstm'"),
    ({"modes": ("skip",)}, "unknown mode 'skip'"),
    ({"units": ()}, "units must name at least one"),
    ({"max_depth": 0}, "max_depth must be a positive integer"),
    ({"width": 2.0}, "width must be a positive integer"),
    ({"seeds": ()}, "seeds must hold at least one"),
])
def test_run_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        depth.run(**{"max_depth": 2, "width": 2, "batch": 1, **kwargs})


def test_result_bad_index():
    r = depth.run(units=("glu",), modes=("plain",), max_depth=2, width=2, batch=1, seeds=(0,))
    with pytest.raises(ValueError, match="depth must be an integer in 1..2"):
        r.median("glu", "plain", 3)
    with pytest.raises(ValueError, match="unknown mode 'residual'"):
        r.median("glu", "residual", 1)
