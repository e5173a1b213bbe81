"""glulib.costs: parameter, FLOP and memory counts against independent counts."""

import numpy as np
import pytest

import glulib
from glulib import costs


def _count_params(d_model, d_ff, variant, bias, rng):
    """Reference: count the entries of the arrays init_ffn actually builds."""
    params = glulib.init_ffn(d_model, d_ff, variant, rng, bias=bias)
    return sum(a.size for a in params.values())


@pytest.mark.parametrize("variant", [*glulib.VARIANTS, *glulib.BASELINES])
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
    again = costs.ffn_flops(d, f, "swiglu", n, "recompute_all")
    assert again["backward"] - got["backward"] == again["recompute"] == 2 * 2 * n * d * f
    assert costs.ffn_flops(d, f, "relu", n)["forward"] == 2 * (2 * n * d * f)


def test_flops_equal_at_matched_width():
    assert costs.ffn_flops(768, 3072, "relu", 512)["forward"] == costs.ffn_flops(768, 2048, "swiglu", 512)["forward"]


def test_memory_orders_and_values():
    n, d, f = 3, 4, 6
    store = costs.activation_memory(d, f, "geglu", n, "store", bytes_per_element=4)
    mid = costs.activation_memory(d, f, "geglu", n, "recompute_h", bytes_per_element=4)
    low = costs.activation_memory(d, f, "geglu", n, "recompute_all", bytes_per_element=4)
    assert (store, mid, low) == (n * (d + 3 * f) * 4, n * (d + 2 * f) * 4, n * d * 4)
    assert costs.activation_memory(d, f, "relu", n, "store", bytes_per_element=2) == n * (d + 2 * f) * 2


def test_memory_matches_the_arrays_the_backward_reads(rng):
    """'store' keeps exactly x and the d_ff-wide arrays the step-by-step backward reads."""
    n, d, f = 3, 4, 6
    x = rng.standard_normal((n, d)).astype(np.float32)
    p = glulib.init_ffn(d, f, "swiglu", rng)
    a, u = x @ p["W"], x @ p["V"]
    h = glulib.glu(u, a, "silu")
    kept = [x, a, u, h]
    assert costs.activation_memory(d, f, "swiglu", n, "store") == sum(k.nbytes for k in kept)


def test_order_flops():
    o = costs.order_flops(8, 32, 10)
    assert o["project_then_gate"] - o["gate_then_project"] == 2 * 10 * 32 * 8


def test_summary_keys():
    s = costs.summary(64, 128, "glu", 16)
    assert s["params"] == 3 * 64 * 128
    assert s["memory_store"] > s["memory_recompute_h"] > s["memory_recompute_all"]


@pytest.mark.parametrize("call, match", [
    (lambda: costs.ffn_params(0, 8, "glu"), "d_model must be a positive integer"),
    (lambda: costs.ffn_params(8, 2.5, "glu"), "d_ff must be a positive integer"),
    (lambda: costs.ffn_params(8, 8, "gtu"), "unknown variant 'gtu'"),
    (lambda: costs.ffn_flops(8, 8, "glu", True), "tokens must be a positive integer"),
    (lambda: costs.ffn_flops(8, 8, "glu", 4, "keep"), "unknown strategy 'keep'"),
    (lambda: costs.activation_memory(8, 8, "glu", 4, bytes_per_element=0), "bytes_per_element"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
