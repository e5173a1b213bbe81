"""The FFN block: Shazeer's equations, gradients, sizes and initialisation."""

import numpy as np
import pytest

import glulib
from glulib.feedforward import FFNS, LABELS, LIBRARY_VARIANTS, gate_activation
from reference import ffn_ref

ALL = list(glulib.VARIANTS) + list(glulib.BASELINES)


def test_variant_tables():
    assert glulib.VARIANTS == {"glu": "sigmoid", "bilinear": "identity", "reglu": "relu",
                               "geglu": "gelu", "swiglu": "silu"}
    assert glulib.BASELINES == {"relu": "relu", "gelu": "gelu", "swish": "silu"}
    assert set(glulib.VARIANTS.values()) <= set(glulib.ACTIVATIONS)


@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_matches_the_equations(variant, bias, dtype, rng):
    params = glulib.init_ffn(6, 10, variant, rng, bias=bias, dtype=dtype)
    if bias:  # non-zero biases, so that a dropped bias would show
        params = {k: (v + rng.standard_normal(v.shape).astype(dtype) if k in "b c b2".split() else v)
                  for k, v in params.items()}
    x = rng.standard_normal((9, 6)).astype(dtype)
    y = glulib.ffn(x, params, variant)
    assert y.shape == (9, 6) and y.dtype == dtype
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(y, ffn_ref(x, params, variant), **tol)


@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("bias", [False, True])
def test_backward_matches_finite_differences(variant, bias, rng):
    params = glulib.init_ffn(5, 7, variant, rng, bias=bias, dtype=np.float64)
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in params.items()}
    x = rng.standard_normal((4, 5))
    errors = glulib.gradcheck(glulib.ffn, glulib.ffn_backward, x, params, variant)
    assert set(errors) == {"x", *params}
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("variant", ALL)
def test_float32_gradients_within_1e_5_of_float64(variant, rng):
    params = glulib.init_ffn(8, 12, variant, rng, bias=True, dtype=np.float64)
    x = rng.standard_normal((16, 8))
    dy = rng.standard_normal((16, 8))
    g64 = glulib.ffn_backward(dy, x, params, variant)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    g32 = glulib.ffn_backward(dy.astype(np.float32), x.astype(np.float32), p32, variant)
    for key in g64:
        assert g32[key].dtype == np.float32
        np.testing.assert_allclose(g32[key], g64[key], rtol=1e-5, atol=1e-5, err_msg=key)


def test_backward_returns_gradients_shaped_like_params(rng):
    params = glulib.init_ffn(4, 6, "swiglu", rng, bias=True)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    grads = glulib.ffn_backward(np.ones((3, 4), np.float32), x, params, "swiglu")
    assert {k: g.shape for k, g in grads.items()} == {"x": x.shape, **{k: v.shape for k, v in params.items()}}


def test_one_token_and_size_one_widths(rng):
    params = glulib.init_ffn(1, 1, "geglu", rng, dtype=np.float64)
    x = rng.standard_normal((1, 1))
    np.testing.assert_allclose(glulib.ffn(x, params, "geglu"), ffn_ref(x, params, "geglu"), rtol=1e-12)


def test_no_tokens(rng):
    params = glulib.init_ffn(4, 6, "reglu", rng)
    x = np.zeros((0, 4), np.float32)
    assert glulib.ffn(x, params, "reglu").shape == (0, 4)
    grads = glulib.ffn_backward(np.zeros((0, 4), np.float32), x, params, "reglu")
    assert grads["x"].shape == (0, 4) and np.all(grads["W"] == 0)


def test_non_contiguous_params(rng):
    params = glulib.init_ffn(6, 4, "swiglu", rng, dtype=np.float64)
    fortran = {k: np.asfortranarray(v) for k, v in params.items()}
    x = rng.standard_normal((12, 6))[::2]
    np.testing.assert_allclose(glulib.ffn(x, fortran, "swiglu"), ffn_ref(x, params, "swiglu"), rtol=1e-12)


def test_matched_d_ff_keeps_parameters_equal():
    assert glulib.matched_d_ff(3072, "swiglu") == 2048
    assert 2 * 768 * 3072 == 3 * 768 * glulib.matched_d_ff(3072, "geglu") == 4_718_592
    assert glulib.matched_d_ff(4 * 4096, "swiglu", multiple_of=256) == 11008
    assert glulib.matched_d_ff(3072, "relu") == 3072
    assert glulib.matched_d_ff(3, "glu") == 2
    assert glulib.matched_d_ff(1, "glu") == 1


@pytest.mark.parametrize("kind", [np.int8, np.int16, np.int32, np.int64, np.uint16, int])
def test_matched_d_ff_is_exact_for_every_integer_type(kind):
    """2 * np.int16(30000) wraps around in NumPy; the answer must not."""
    n = kind(120) if kind is np.int8 else kind(30000)
    want = (2 * int(n)) // 3
    assert glulib.matched_d_ff(n, "swiglu") == want and type(glulib.matched_d_ff(n, "swiglu")) is int
    assert glulib.matched_d_ff(n, "relu", multiple_of=kind(64)) == 64 * -(-int(n) // 64)
    assert glulib.matched_d_ff(np.int64(2**62), "glu") == (2**63) // 3  # beyond float64's exact integers


@pytest.mark.parametrize("bad", [3072.0, 2.5, True, np.bool_(True), 0, -3, np.int16(-30000), "3072", None,
                                 np.float32(3072)])
@pytest.mark.parametrize("arg", ["d_ff_baseline", "multiple_of"])
def test_matched_d_ff_refuses_what_is_not_a_positive_integer(bad, arg):
    kwargs = {"d_ff_baseline": 3072, "multiple_of": 1, arg: bad}
    with pytest.raises(ValueError, match=rf"matched_d_ff: {arg} must be a positive integer, got "):
        glulib.matched_d_ff(kwargs["d_ff_baseline"], "swiglu", multiple_of=kwargs["multiple_of"])


def test_one_label_per_ffn_name():
    assert set(LABELS) == set(FFNS) == {*glulib.VARIANTS, *LIBRARY_VARIANTS, *glulib.BASELINES}
    assert len(set(LABELS.values())) == len(LABELS)
    assert set(FFNS.values()) <= set(glulib.ACTIVATIONS)
    for name, activation in FFNS.items():
        assert gate_activation(name) == (activation, name not in glulib.BASELINES)
    with pytest.raises(ValueError, match="matched_d_ff: unknown variant 'GEGLU'"):
        gate_activation("GEGLU", "matched_d_ff")


# ---- the tanh form of GELU (T5 v1.1's "gated-gelu", Gemma's gelu_pytorch_tanh) ----
def _gelu_tanh(z):
    """The formula as T5 v1.1 and Gemma write it, in float64."""
    return 0.5 * z * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (z + 0.044715 * z**3)))


def _geglu_tanh_ffn(x, p):
    x = x.astype(np.float64)
    p = {k: v.astype(np.float64) for k, v in p.items()}
    a = x @ p["W"] + p.get("b", 0.0)  # (n, d_ff)
    u = x @ p["V"] + p.get("c", 0.0)  # (n, d_ff)
    return (_gelu_tanh(a) * u) @ p["W2"] + p.get("b2", 0.0)  # (n, d_model)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("shape", [(1, 1, 1), (9, 6, 10), (33, 5, 7)])
def test_geglu_tanh_is_the_tanh_formula(dtype, bias, shape, rng):
    n, d_model, d_ff = shape
    params = glulib.init_ffn(d_model, d_ff, "geglu_tanh", rng, bias=bias, dtype=dtype)
    assert set(params) == ({"W", "V", "W2", "b", "c", "b2"} if bias else {"W", "V", "W2"})
    params = {k: v + rng.standard_normal(v.shape).astype(dtype) for k, v in params.items()}
    x = (3 * rng.standard_normal((n, d_model))).astype(dtype)
    y = glulib.ffn(x, params, "geglu_tanh")
    assert y.dtype == dtype and y.shape == (n, d_model)
    tol = dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y, _geglu_tanh_ffn(x, params), **tol)


def test_geglu_tanh_differs_from_exact_geglu_by_the_approximation_error():
    """With W = W2 = 1, V = 0, c = 1 the FFN is the gate activation itself: on [-6, 6] the tanh
    form is at most 4.7e-4 from x Phi(x), and that far at its worst point."""
    z = np.linspace(-6, 6, 12001)[:, None]  # (n, 1)
    params = {"W": np.ones((1, 1)), "V": np.zeros((1, 1)), "c": np.ones(1), "W2": np.ones((1, 1))}
    tanh_form, exact = glulib.ffn(z, params, "geglu_tanh"), glulib.ffn(z, params, "geglu")  # (n, 1) each
    np.testing.assert_allclose(tanh_form, _gelu_tanh(z), rtol=1e-13, atol=1e-15)
    assert 4.6e-4 < np.abs(tanh_form - exact).max() < 4.8e-4


@pytest.mark.parametrize("bias", [False, True])
def test_geglu_tanh_backward_matches_finite_differences(bias, rng):
    params = glulib.init_ffn(5, 7, "geglu_tanh", rng, bias=bias, dtype=np.float64)
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in params.items()}
    x = 2 * rng.standard_normal((4, 5))
    errors = glulib.gradcheck(glulib.ffn, glulib.ffn_backward, x, params, "geglu_tanh")
    assert set(errors) == {"x", *params}
    assert max(errors.values()) < 1e-6, errors


def test_geglu_tanh_float32_gradients_within_1e_5_of_float64(rng):
    params = glulib.init_ffn(8, 12, "geglu_tanh", rng, bias=True, dtype=np.float64)
    x, dy = rng.standard_normal((16, 8)), rng.standard_normal((16, 8))
    g64 = glulib.ffn_backward(dy, x, params, "geglu_tanh")
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    g32 = glulib.ffn_backward(dy.astype(np.float32), x.astype(np.float32), p32, "geglu_tanh")
    for key in g64:
        assert g32[key].dtype == np.float32
        np.testing.assert_allclose(g32[key], g64[key], rtol=1e-5, atol=1e-5, err_msg=key)


def test_geglu_tanh_is_sized_like_geglu():
    assert glulib.matched_d_ff(3072, "geglu_tanh") == glulib.matched_d_ff(3072, "geglu") == 2048


@pytest.mark.parametrize("variant", ALL)
def test_init_ffn_shapes_and_scale(variant):
    rng = np.random.default_rng(0)
    params = glulib.init_ffn(256, 512, variant, rng, bias=True)
    gated = variant in glulib.VARIANTS
    assert set(params) == ({"W", "V", "W2", "b", "c", "b2"} if gated else {"W", "W2", "b", "b2"})
    assert all(v.dtype == np.float32 for v in params.values())
    assert params["W"].std() == pytest.approx(256**-0.5, rel=0.02)
    assert params["W2"].std() == pytest.approx(512**-0.5, rel=0.02)
    assert not params["b"].any()


def test_init_ffn_is_reproducible():
    a = glulib.init_ffn(8, 16, "swiglu", np.random.default_rng(7))
    b = glulib.init_ffn(8, 16, "swiglu", np.random.default_rng(7))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
