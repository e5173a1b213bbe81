"""glulib.backward: the vanishing-gradient experiment against finite differences of a
reference forward written with tests/reference.py's act_reference (float64, element by element)."""

import numpy as np
import pytest

from glulib import backward
from reference import act_reference as reference

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
    """Same draws as backward.gradient_ratios; dx by central differences for each depth."""
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


@pytest.mark.parametrize("mode", backward.MODES)
@pytest.mark.parametrize("unit", backward.UNITS)
def test_ratios_match_finite_differences(unit, mode):
    got = backward.gradient_ratios(unit, mode, max_depth=4, width=3, batch=2, seed=7)
    want = _ref_ratios(unit, mode, max_depth=4, width=3, batch=2, seed=7)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-9)


def test_run_shapes_and_accessors():
    r = backward.run(units=("tanh", "glu"), modes=("plain", "prenorm"), max_depth=5, width=4, batch=2, seeds=(0, 1, 2))
    assert r.ratios.shape == (2, 2, 3, 5)
    assert list(r.depths) == [1, 2, 3, 4, 5]
    np.testing.assert_array_equal(r.seeds_at("glu", "prenorm", 5), r.ratios[1, 1, :, 4])
    assert r.median("tanh", "plain", 3) == np.median(r.ratios[0, 0, :, 2])
    lo, hi = r.band("glu", "plain")
    assert np.all(lo <= r.median("glu", "plain")) and np.all(r.median("glu", "plain") <= hi)
    assert sorted(r.ranking("plain", 5)) == ["glu", "tanh"]
    again = backward.run(units=("tanh", "glu"), modes=("plain", "prenorm"), max_depth=5, width=4, batch=2, seeds=(0, 1, 2))
    np.testing.assert_array_equal(r.ratios, again.ratios)


def test_one_tanh_layer_by_hand():
    """One tanh layer: dx = (dy * tanh'(xW)) W^T, written out with NumPy alone."""
    rng = np.random.default_rng(3)
    got = backward.gradient_ratios("tanh", "plain", 1, 6, 4, 3)
    x = rng.standard_normal((4, 6))
    dy = rng.standard_normal((1, 4, 6))[0]
    W = rng.standard_normal((6, 6)) / np.sqrt(6)
    dx = (dy * (1 - np.tanh(x @ W) ** 2)) @ W.T
    assert got[0] == pytest.approx(np.linalg.norm(dx) / np.linalg.norm(dy), rel=1e-12)


def test_dauphin_factors():
    X = np.array([-3.0, 0.0, 2.0])
    G = np.array([0.5, -1.0, 2.0])
    f = backward.dauphin_factors(X, G)
    s = 1 / (1 + np.exp(-G))
    np.testing.assert_allclose(f["glu_value"], s, rtol=1e-12)
    np.testing.assert_allclose(f["gtu_value"], (1 - np.tanh(X) ** 2) * s, rtol=1e-12)
    np.testing.assert_allclose(f["glu_gate"], X * s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(f["gtu_gate"], np.tanh(X) * s * (1 - s), rtol=1e-12)
    assert np.all(f["gtu_value"] <= f["glu_value"])


@pytest.mark.slow
def test_findings_at_the_notebook_setting():
    """The numbers notebook 03's written paragraphs interpret, at its settings."""
    r = backward.run()
    at_gain = backward.run(modes=("plain",), gains=backward.UNIT_GAINS)
    med = {(u, m): r.median(u, m, 64) for u in backward.UNITS for m in backward.MODES}
    own = {u: at_gain.median(u, "plain", 64) for u in backward.UNITS}
    # at LeCun's gain: tanh keeps a tenth, GLU and GTU ~ (1/2)^64, GEGLU/SwiGLU underflow
    assert 0.01 < med["tanh", "plain"] < 1 and med["sigmoid", "plain"] < med["relu", "plain"] < 1e-6
    for u in ("glu", "gtu"):
        assert 0.1 < med[u, "plain"] / 0.5 ** 64 < 10
    assert med["geglu", "plain"] == 0 and med["swiglu", "plain"] == 0
    assert set(r.ranking("residual", 64)[:2]) == {"geglu", "swiglu"}
    assert all(1e-3 < med[u, "prenorm"] < 1e3 for u in backward.UNITS)
    # each unit at its own gain: He's gain brings ReLU level with tanh; gain 2 overshoots for the GLU
    assert 0.5 < own["relu"] / med["tanh", "plain"] < 2
    assert own["gtu"] > 1e-3 and own["glu"] > 1e6
    assert not np.isfinite(own["geglu"]) and not np.isfinite(own["swiglu"])
    text = " ".join(backward.findings(r) + backward.gain_findings(r, at_gain))
    assert "about as much as tanh" in text and "cannot be ranked" in text and "overflows" in text


def test_findings_follow_the_numbers():
    """Change the numbers and the generated sentences change with them."""
    r = backward.run(units=("tanh", "relu", "glu", "gtu"), modes=("plain",), max_depth=3, width=4, batch=2,
                  seeds=(0,))
    c = backward.run(units=("relu",), modes=("plain",), max_depth=3, width=4, batch=2, seeds=(0,),
                  gains=backward.UNIT_GAINS)
    r.ratios[0, 2, 0, -1], r.ratios[0, 3, 0, -1] = 1e-9, 1e-12
    text = " ".join(backward.findings(r) + backward.gain_findings(r, c))
    assert "cannot be ranked" in text and "GLU passes 1.0e-09" in text
    r.ratios[0, 2, 0, -1], r.ratios[0, 3, 0, -1] = 0.5, 0.25
    assert "cannot be ranked" not in " ".join(backward.findings(r) + backward.gain_findings(r, c))
    r.ratios[0, 0, 0, -1], c.ratios[0, 0, 0, -1] = 0.1, 0.15
    assert "about as much as tanh" in " ".join(backward.findings(r) + backward.gain_findings(r, c))
    c.ratios[0, 0, 0, -1] = 100.0
    assert "about as much" not in " ".join(backward.findings(r) + backward.gain_findings(r, c))


def _notebook_glu_stack(gain, L, width, batch, seed):
    """The measurement as notebook 03 writes it out, with glulib's public functions."""
    import glulib

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, width))
    dy = rng.standard_normal((L, batch, width))[-1]
    layers = [(rng.standard_normal((width, width)) / np.sqrt(width),
               gain * rng.standard_normal((width, width)) / np.sqrt(width)) for _ in range(L)]
    h, saved = x, []
    for W, V in layers:
        gate, value = h @ W, h @ V
        saved.append((value, gate))
        h = glulib.glu(value, gate, "sigmoid")
    dh = dy
    for (W, V), (value, gate) in zip(reversed(layers), reversed(saved)):
        dvalue, dgate = glulib.glu_backward(dh, value, gate, "sigmoid")
        dh = dvalue @ V.T + dgate @ W.T
    return np.linalg.norm(dh) / np.linalg.norm(dy)


@pytest.mark.parametrize("gain", [0.5, 1.0, 1.8])
def test_gain_scales_the_value_branch(gain):
    """A gain on V: the written-out stack of notebook 03 and gradient_ratios agree, draw for draw."""
    got = backward.gradient_ratios("glu", "plain", 6, 5, 3, 11, gain=gain)[-1]
    assert got == pytest.approx(_notebook_glu_stack(gain, 6, 5, 3, 11), rel=1e-10)


def test_gain_on_plain_layers_and_matches_finite_differences():
    got = backward.gradient_ratios("relu", "plain", 3, 4, 2, 5, gain=np.sqrt(2))
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4))
    dy = rng.standard_normal((3, 2, 4))[0]
    W = rng.standard_normal((4, 4)) / 2 * np.sqrt(2)
    dx = (dy * (x @ W > 0)) @ W.T
    assert got[0] == pytest.approx(np.linalg.norm(dx) / np.linalg.norm(dy), rel=1e-12)
    # a gain of 1 is the default, and a larger gain on a linear-at-zero stack keeps more gradient
    np.testing.assert_array_equal(backward.gradient_ratios("glu", "plain", 4, 4, 2, 0),
                                  backward.gradient_ratios("glu", "plain", 4, 4, 2, 0, gain=1.0))
    sweep = backward.gain_sweep("glu", [0.5, 1.0, 1.5], depth=8, width=8, batch=2, seeds=(0, 1))
    assert sweep.shape == (3, 2) and np.all(np.diff(np.median(sweep, axis=1)) > 0)


def test_run_with_gains():
    r = backward.run(units=("tanh", "glu"), modes=("plain",), max_depth=3, width=4, batch=2, seeds=(0,),
                  gains={"tanh": 1.0, "glu": 2.0})
    assert r.gains == {"tanh": 1.0, "glu": 2.0}
    np.testing.assert_array_equal(r.ratios[0, 1, 0], backward.gradient_ratios("glu", "plain", 3, 4, 2, 0, gain=2.0))
    assert backward.run(units=("glu",), modes=("plain",), max_depth=2, width=2, batch=1, seeds=(0,)).gains == {"glu": 1.0}


@pytest.mark.parametrize("gain, match", [(0.0, "gain must be positive"), (-1.0, "gain must be positive"),
                                         (np.inf, "gain must be finite"), ("2", "gain must be a real number"),
                                         (True, "gain must be a real number")])
def test_bad_gain(gain, match):
    with pytest.raises((ValueError, TypeError), match=match):
        backward.gradient_ratios("glu", "plain", 2, 2, 1, 0, gain=gain)
    with pytest.raises((ValueError, TypeError), match=match):
        backward.gain_sweep("glu", [1.0, gain], depth=2, width=2, batch=1, seeds=(0,))
    with pytest.raises((ValueError, TypeError), match=match):
        backward.run(units=("glu",), max_depth=2, width=2, batch=1, seeds=(0,), gains={"glu": gain})
    with pytest.raises(ValueError, match="gains must give a gain for every unit"):
        backward.run(units=("glu", "tanh"), max_depth=2, width=2, batch=1, seeds=(0,), gains={"glu": 1.0})


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
        backward.run(**{"max_depth": 2, "width": 2, "batch": 1, **kwargs})


def test_result_bad_index():
    r = backward.run(units=("glu",), modes=("plain",), max_depth=2, width=2, batch=1, seeds=(0,))
    with pytest.raises(ValueError, match="depth must be an integer from 1 to 2"):
        r.median("glu", "plain", 3)
    with pytest.raises(ValueError, match="unknown mode 'residual'"):
        r.median("glu", "residual", 1)
