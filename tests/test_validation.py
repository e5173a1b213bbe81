"""Bad input gets a clear error naming the function, the argument, what was expected and what came."""

import numpy as np
import pytest

import glulib


def _params(rng, variant="swiglu", bias=False):
    return glulib.init_ffn(4, 6, variant, rng, bias=bias, dtype=np.float64)


@pytest.mark.parametrize("bad, kind", [
    (np.array([1 + 2j, 3j]), "complex"),
    (np.array(["a", "b"]), "<U1"),
    (np.array([object(), object()], dtype=object), "object"),
])
def test_non_real_arrays_are_type_errors(bad, kind):
    with pytest.raises(TypeError, match=r"glu: value must hold real numbers .*got dtype") as info:
        glulib.glu(bad, np.zeros(2))
    assert kind in str(info.value)
    with pytest.raises(TypeError, match=r"glu_backward: gate"):
        glulib.glu_backward(np.zeros(2), np.zeros(2), bad)
    with pytest.raises(TypeError, match=r"activate: z"):
        glulib.activate(bad, "relu")


def test_ragged_lists_are_type_errors():
    with pytest.raises(TypeError, match=r"glu: value must be an array of real numbers"):
        glulib.glu([[1, 2], [3]], [1, 2])


def test_shape_mismatch():
    with pytest.raises(ValueError, match=r"glu: value and gate must have the same shape, got value \(3,\) and gate \(4,\)"):
        glulib.glu(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"glu_backward: dout and value must have the same shape"):
        glulib.glu_backward(np.zeros(2), np.zeros(3), np.zeros(3))


@pytest.mark.parametrize("call", [
    lambda: glulib.glu(1.0, 2.0, activation="swish"),
    lambda: glulib.glu_backward(1.0, 1.0, 2.0, activation="Sigmoid"),
    lambda: glulib.activate(1.0, "softplus"),
    lambda: glulib.activate_grad(1.0, None),
])
def test_unknown_activation_lists_the_valid_names(call):
    with pytest.raises(ValueError, match=r"unknown (activation|name) .*expected one of 'sigmoid', 'tanh', 'relu', 'gelu', 'gelu_tanh', 'silu', 'identity'"):
        call()


@pytest.mark.parametrize("beta, error", [("1", TypeError), (None, TypeError), (np.inf, ValueError), (np.nan, ValueError), (True, TypeError)])
def test_beta_must_be_a_finite_real(beta, error):
    with pytest.raises(error, match=r"glu: beta must be"):
        glulib.glu(1.0, 1.0, "silu", beta=beta)


def test_unknown_variant_lists_both_tables(rng):
    with pytest.raises(ValueError, match=r"ffn: unknown variant 'swiglu2'; expected one of 'glu', 'bilinear', 'reglu', 'geglu', 'swiglu', .*'relu', 'gelu', 'swish'"):
        glulib.ffn(np.zeros((1, 4)), _params(rng), "swiglu2")
    with pytest.raises(ValueError, match=r"matched_d_ff: unknown variant"):
        glulib.matched_d_ff(3072, "SwiGLU")
    with pytest.raises(ValueError, match=r"init_ffn: unknown variant"):
        glulib.init_ffn(4, 6, "mlp", rng)


def test_x_must_be_two_dimensional(rng):
    with pytest.raises(ValueError, match=r"ffn: x must be 2-D \(n, d_model\), got shape \(4,\) \(1-D\)"):
        glulib.ffn(np.zeros(4), _params(rng), "swiglu")


def test_x_must_match_W(rng):
    with pytest.raises(ValueError, match=r"ffn: params\['W'\] must have shape \(d_model, d_ff\) = \(5, 6\) for x of shape \(2, 5\)"):
        glulib.ffn(np.zeros((2, 5)), _params(rng), "swiglu")


@pytest.mark.parametrize("key, shape", [("V", (4, 7)), ("W2", (6, 5)), ("b", (5,)), ("c", (6, 1)), ("b2", (6,))])
def test_params_must_agree(key, shape, rng):
    params = _params(rng, bias=True)
    params[key] = np.zeros(shape)
    with pytest.raises(ValueError, match=rf"ffn_backward: params\['{key}'\] must have shape .* got \({shape[0]},"):
        glulib.ffn_backward(np.zeros((2, 4)), np.zeros((2, 4)), params, "swiglu")


def test_V_missing_for_a_gated_variant(rng):
    params = _params(rng)
    del params["V"]
    with pytest.raises(ValueError, match=r"ffn: params needs 'V' \(the linear branch\) for the gated variant 'swiglu'"):
        glulib.ffn(np.zeros((2, 4)), params, "swiglu")


def test_V_given_to_an_ungated_variant(rng):
    with pytest.raises(ValueError, match=r"ffn: the ungated variant 'relu' has no linear branch; drop 'V'"):
        glulib.ffn(np.zeros((2, 4)), _params(rng), "relu")


def test_unknown_param_and_missing_W2(rng):
    params = _params(rng)
    params["W1"] = params.pop("W")
    with pytest.raises(ValueError, match=r"ffn: params has unknown entries \['W1'\]"):
        glulib.ffn(np.zeros((2, 4)), params, "swiglu")
    with pytest.raises(ValueError, match=r"ffn: params needs 'W2'"):
        glulib.ffn(np.zeros((2, 4)), {"W": np.zeros((4, 6)), "V": np.zeros((4, 6))}, "swiglu")
    with pytest.raises(TypeError, match=r"ffn: params must be a dict of arrays, got list"):
        glulib.ffn(np.zeros((2, 4)), [np.zeros((4, 6))], "swiglu")


def test_dy_must_match_the_output(rng):
    with pytest.raises(ValueError, match=r"ffn_backward: dy must have the shape of the output \(n, d_model\) = \(2, 4\), got \(2, 6\)"):
        glulib.ffn_backward(np.zeros((2, 6)), np.zeros((2, 4)), _params(rng), "swiglu")


def test_params_with_complex_entries(rng):
    params = _params(rng)
    params["W2"] = params["W2"].astype(complex)
    with pytest.raises(TypeError, match=r"ffn: params\['W2'\] must hold real numbers"):
        glulib.ffn(np.zeros((2, 4)), params, "swiglu")


@pytest.mark.parametrize("args, match", [
    ((0, 6, "relu"), r"init_ffn: d_model must be a positive integer, got 0"),
    ((4, 2.5, "relu"), r"init_ffn: d_ff must be a positive integer, got 2.5"),
])
def test_init_ffn_sizes(args, match, rng):
    with pytest.raises(ValueError, match=match):
        glulib.init_ffn(*args, rng)


def test_init_ffn_rng_and_dtype():
    with pytest.raises(TypeError, match=r"init_ffn: rng must be a numpy.random.Generator"):
        glulib.init_ffn(4, 6, "relu", 0)
    with pytest.raises(TypeError, match=r"init_ffn: dtype must be float32 or float64, got float16"):
        glulib.init_ffn(4, 6, "relu", np.random.default_rng(0), dtype=np.float16)


@pytest.mark.parametrize("d_ff, multiple_of", [(0, 1), (3072, 0), (-5, 1), (3072.0, 1), (3072, True)])
def test_matched_d_ff_wants_positive_integers(d_ff, multiple_of):
    with pytest.raises(ValueError, match=r"matched_d_ff: (d_ff_baseline|multiple_of) must be a positive integer"):
        glulib.matched_d_ff(d_ff, "swiglu", multiple_of=multiple_of)
