"""glulib.costs: parameter, FLOP and memory counts against independent counts."""

import numpy as np
import pytest

import glulib
from glulib import costs
from glulib.feedforward import FFNS, gate_activation


def _count_params(d_model, d_ff, variant, bias, rng):
    """Reference: count the entries of the arrays init_ffn actually builds."""
    params = glulib.init_ffn(d_model, d_ff, variant, rng, bias=bias)
    return sum(a.size for a in params.values())


@pytest.mark.parametrize("variant", FFNS)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("d_model, d_ff", [(1, 1), (7, 5), (16, 48)])
def test_params_match_init_ffn(variant, bias, d_model, d_ff, rng):
    assert costs.ffn_params(d_model, d_ff, variant, bias=bias) == _count_params(d_model, d_ff, variant, bias, rng)


def test_shazeer_two_thirds_rule():
    """2 * 768 * 3072 = 3 * 768 * 2048 = 4,718,592 (Shazeer 2020, section 2)."""
    d_ff = glulib.matched_d_ff(3072, "geglu")
    assert d_ff == 2048
    assert costs.ffn_params(768, 3072, "relu") == costs.ffn_params(768, d_ff, "geglu") == 4_718_592


def test_llama_rounding():
    assert glulib.matched_d_ff(4 * 4096, "swiglu", multiple_of=256) == 11008


def test_flops_count_matmul_terms():
    """Forward FLOPs = 2 x (multiply-adds of the matmuls), counted from the shapes."""
    n, d, f = 5, 7, 11
    shapes = [((n, d), (d, f)), ((n, d), (d, f)), ((n, f), (f, d))]  # xW, xV, hW2
    expected = sum(2 * a[0] * a[1] * b[1] for a, b in shapes)
    got = costs.ffn_flops(d, f, "swiglu", n)
    assert got["forward"] == expected
    assert got["backward"] == 2 * expected and got["recompute"] == 0
    again = costs.ffn_flops(d, f, "swiglu", n, "recompute_from_x")
    assert again["backward"] - got["backward"] == again["recompute"] == 2 * 2 * n * d * f
    assert costs.ffn_flops(d, f, "relu", n)["forward"] == 2 * (2 * n * d * f)


def test_flops_equal_at_matched_width():
    assert costs.ffn_flops(768, 3072, "relu", 512)["forward"] == costs.ffn_flops(768, 2048, "swiglu", 512)["forward"]


class Tape:
    """An independent count: a tiny autograd in which every operation keeps the inputs its own
    backward reads (weights aside), as PyTorch's autograd does; ``saved`` holds each array once."""

    def __init__(self):
        self.saved = {}

    def keep(self, *arrays):
        for a in arrays:
            self.saved[id(a)] = a

    def matmul(self, x, W):  # d(x W)/dW reads x
        self.keep(x)
        return x @ W

    def act(self, a, activation):  # act'(a) reads a
        self.keep(a)
        return glulib.activate(a, activation)

    def mul(self, g, u):  # d(g u) reads u for dg and g for du
        self.keep(g, u)
        return g * u


def _layer(variant, rng, n, d, f):
    """float64 parameters, input and output gradient of one FFN layer, and the true gradients."""
    p = glulib.init_ffn(d, f, variant, rng, dtype=np.float64)
    x, dy = rng.standard_normal((n, d)), rng.standard_normal((n, d))  # (n, d_model) each
    return p, x, dy, glulib.ffn_backward(dy, x, p, variant)


@pytest.mark.parametrize("variant", FFNS)
def test_store_all_is_what_an_autograd_keeps_and_enough_for_the_backward(variant, rng):
    n, d, f = 3, 4, 6
    (activation, gated), (p, x, dy, want) = gate_activation(variant), _layer(variant, rng, n, d, f)
    tape = Tape()
    a = tape.matmul(x, p["W"])  # (n, d_ff)
    g = tape.act(a, activation)  # (n, d_ff)
    if gated:
        u = tape.matmul(x, p["V"])  # (n, d_ff)
        h = tape.mul(g, u)  # (n, d_ff)
    else:
        h = g
    tape.matmul(h, p["W2"])
    assert costs.activation_memory(d, f, variant, n, "store_all", 8) == sum(k.nbytes for k in tape.saved.values())
    assert len(tape.saved) == len(costs.kept_arrays(variant, "store_all"))
    # the backward from the kept arrays alone (no activation evaluated again) is the true one
    dh = dy @ p["W2"].T  # (n, d_ff)
    dg = dh * u if gated else dh  # (n, d_ff)
    da = dg * glulib.activate_grad(a, activation)  # (n, d_ff)
    np.testing.assert_allclose(h.T @ dy, want["W2"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.T @ da, want["W"], rtol=1e-12, atol=1e-12)
    if gated:
        du = dh * g  # (n, d_ff)
        np.testing.assert_allclose(x.T @ du, want["V"], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(da @ p["W"].T + du @ p["V"].T, want["x"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("variant", FFNS)
def test_recompute_hidden_keeps_x_and_the_pre_activations_and_they_suffice(variant, rng):
    n, d, f = 5, 3, 7
    (activation, gated), (p, x, dy, want) = gate_activation(variant), _layer(variant, rng, n, d, f)
    kept = {"x": x, "a": x @ p["W"]}
    if gated:
        kept["u"] = x @ p["V"]
    assert tuple(kept) == costs.kept_arrays(variant, "recompute_hidden")
    assert costs.activation_memory(d, f, variant, n, "recompute_hidden", 8) == sum(k.nbytes for k in kept.values())
    dh = dy @ p["W2"].T  # (n, d_ff)
    if gated:  # act(a) and h recomputed elementwise from a and u
        h = glulib.glu(kept["u"], kept["a"], activation)  # (n, d_ff)
        du, da = glulib.glu_backward(dh, kept["u"], kept["a"], activation)  # (n, d_ff) each
    else:
        h = glulib.activate(kept["a"], activation)  # (n, d_ff)
        da = dh * glulib.activate_grad(kept["a"], activation)  # (n, d_ff)
    np.testing.assert_allclose(h.T @ dy, want["W2"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kept["x"].T @ da, want["W"], rtol=1e-12, atol=1e-12)
    if gated:
        np.testing.assert_allclose(kept["x"].T @ du, want["V"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("variant", FFNS)
def test_recompute_from_x_keeps_x_alone(variant, rng):
    assert costs.kept_arrays(variant, "recompute_from_x") == ("x",)
    assert costs.activation_memory(7, 9, variant, 5, "recompute_from_x", 2) == 5 * 7 * 2


def test_memory_per_token_in_rows_of_d_model_and_d_ff():
    n, d, f = 3, 4, 6
    rows = {"store_all": (4, 2), "recompute_hidden": (2, 1), "recompute_from_x": (0, 0)}  # (gated, ungated)
    for strategy, (gated, ungated) in rows.items():
        assert costs.activation_memory(d, f, "geglu", n, strategy) == n * (d + gated * f) * 4
        assert costs.activation_memory(d, f, "relu", n, strategy, bytes_per_element=2) == n * (d + ungated * f) * 2


def test_kept_counts_any_subset_and_agrees_with_the_strategies():
    """Liger-Kernel's MLP keeps x, a, u and h: one d_ff per token fewer than storing all; at
    LLaMA-7B's size that saves about 23%, half of what recomputing act(a) and h saves."""
    n, d, f = 3, 4, 6
    for strategy in costs.STRATEGIES:
        kept = costs.kept_arrays("swiglu", strategy)
        assert costs.activation_memory(d, f, "swiglu", n, kept=kept) == costs.activation_memory(d, f, "swiglu", n, strategy)
    assert costs.activation_memory(d, f, "swiglu", n, kept=("x", "a", "u", "h")) == n * (d + 3 * f) * 4
    store, liger, hidden = (costs.activation_memory(4096, 11008, "swiglu", 1, **k)
                            for k in ({}, {"kept": ("x", "a", "u", "h")}, {"strategy": "recompute_hidden"}))
    assert round(1 - liger / store, 2) == 0.23 and round(1 - hidden / store, 2) == 0.46


def test_numpy_integers_are_counted_exactly():
    """int16 sizes would wrap around in NumPy arithmetic; the counts are exact Python ints."""
    got = costs.activation_memory(np.int16(4096), np.int16(11008), "swiglu", np.int16(16384), "store_all")
    assert got == 16384 * (4096 + 4 * 11008) * 4 and type(got) is int
    assert costs.ffn_params(np.int16(4096), np.int16(11008), "swiglu") == 3 * 4096 * 11008


def test_order_flops():
    o = costs.order_flops(8, 32, 10)
    assert o["project_then_gate"] - o["gate_then_project"] == 2 * 10 * 32 * 8


def test_summary_keys():
    s = costs.summary(64, 128, "glu", 16)
    assert s["params"] == 3 * 64 * 128
    assert s["memory_store_all"] > s["memory_recompute_hidden"] > s["memory_recompute_from_x"]
    assert s["flops_backward_recompute_from_x"] == costs.ffn_flops(64, 128, "glu", 16, "recompute_from_x")["backward"]
    assert set(s) == {"params", "flops_forward", "flops_backward", "flops_backward_recompute_from_x",
                      *(f"memory_{strategy}" for strategy in costs.STRATEGIES)}


@pytest.mark.parametrize("call, match", [
    (lambda: costs.ffn_params(0, 8, "glu"), "d_model must be a positive integer"),
    (lambda: costs.ffn_params(8, 2.5, "glu"), "d_ff must be a positive integer"),
    (lambda: costs.ffn_params(8, 8, "gtu"), "unknown variant 'gtu'"),
    (lambda: costs.ffn_flops(8, 8, "glu", True), "tokens must be a positive integer"),
    (lambda: costs.ffn_flops(8, 8, "glu", 4, "keep"), "unknown strategy 'keep'"),
    (lambda: costs.activation_memory(8, 8, "glu", 4, bytes_per_element=0), "bytes_per_element"),
    (lambda: costs.activation_memory(8, 8, "glu", 4, "store"), "activation_memory: unknown strategy 'store'"),
    (lambda: costs.kept_arrays("glu", "recompute_h"), "kept_arrays: unknown strategy 'recompute_h'"),
    (lambda: costs.activation_memory(8, 8, "relu", 4, kept=("x", "u")), "activation_memory: kept must be"),
    (lambda: costs.activation_memory(8, 8, "glu", 4, kept="x"), "activation_memory: kept must be"),
    (lambda: costs.activation_memory(8, 8, "glu", 4, kept=("x", "x")), "activation_memory: kept must be"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
