"""glulib.zoo: surfaces, GELU approximations, the conventions and the same function in two letters."""

import math

import numpy as np
import pytest

import glulib
from glulib import zoo
from reference import act_reference


def test_gelu_tanh_error_matches_facts():
    z = np.linspace(-6, 6, 120001)
    err = zoo.gelu_tanh_error(z)
    # reference: math.erf and math.tanh element by element
    zs = z[::1000]
    ref = [0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3)))
           - 0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in zs]
    np.testing.assert_allclose(err[::1000], ref, atol=1e-13)
    assert np.abs(err).max() == pytest.approx(4.7e-4, abs=0.05e-4)  # FACTS.md
    assert np.abs(zoo.gelu_sigmoid_error(z)).max() == pytest.approx(0.020, abs=0.001)


@pytest.mark.parametrize("variant", list(glulib.VARIANTS))
def test_surface_is_value_times_act_gate(variant):
    values, gates, out = zoo.surface(variant, lim=2.0, n=9, beta=1.0)
    assert out.shape == (9, 9)
    act = glulib.VARIANTS[variant]
    for i in (0, 4, 8):
        for j in (0, 3, 8):
            f, _ = act_reference(np.array(gates[j]), act, 1.0)
            assert out[i, j] == pytest.approx(values[i] * float(f), abs=1e-12)


def test_surface_bad_variant():
    with pytest.raises(ValueError, match="surface: unknown variant 'swish'"):
        zoo.surface("swish")


def test_curves_are_activation_and_derivative():
    z = np.linspace(-3, 3, 13)
    for variant, (f, df) in zoo.curves(z, beta=1.5).items():
        ref_f, ref_df = act_reference(z, glulib.VARIANTS[variant], 1.5)
        np.testing.assert_allclose(f, ref_f, atol=1e-12)
        np.testing.assert_allclose(df, ref_df, atol=1e-12)


def test_dauphin_and_shazeer_letters_compute_the_same_function(rng):
    x = rng.normal(size=(6, 4))
    W, V = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    b, c = rng.normal(size=3), rng.normal(size=3)
    d = zoo.glu_dauphin(x, W, b, V, c)
    # reference: plain NumPy
    ref = (x @ W + b) / (1 + np.exp(-(x @ V + c)))
    np.testing.assert_allclose(d, ref, rtol=1e-12)
    np.testing.assert_allclose(zoo.glu_shazeer(x, W=V, V=W, b=c, c=b), d, rtol=1e-12)
    assert not np.allclose(zoo.glu_shazeer(x, W=W, V=V, b=b, c=c), d)  # same letters, other function
    t = np.concatenate([x @ W + b, x @ V + c], axis=1)
    np.testing.assert_allclose(zoo.glu_torch_style(t), d, rtol=1e-12)


def test_torch_style_needs_an_even_last_axis():
    with pytest.raises(ValueError, match="even length"):
        zoo.glu_torch_style(np.ones((2, 3)))


def test_conventions_table_rows():
    sources = [row[0] for row in zoo.CONVENTIONS]
    assert len(sources) == 9 and len(set(sources)) == 9
    table = dict((s, g) for s, g, _, _ in zoo.CONVENTIONS)
    assert table["Dauphin et al. 2016"] == "V" and table["Shazeer 2020"] == "W"
    assert table["Hugging Face LlamaMLP"] == "gate_proj"
    md = zoo.conventions_markdown()
    assert md.count("\n") == 10 and "xformers" in md


def test_table1_matches_facts():
    t = zoo.load_table1()
    assert t["ffn"] == ["ReLU", "GELU", "Swish", "GLU", "Bilinear", "GEGLU", "SwiGLU", "ReGLU"]
    np.testing.assert_allclose(t["long"], [1.677, 1.679, 1.683, 1.663, 1.648, 1.633, 1.636, 1.645])
    np.testing.assert_allclose(t["short"], [1.997, 1.983, 1.994, 1.982, 1.960, 1.942, 1.944, 1.953])
    assert zoo.ranking(t, "long")[0] == "GEGLU"
    r = zoo.ranking(t, "long")
    assert r.index("Bilinear") < r.index("GLU")  # the seed's ranking is wrong
