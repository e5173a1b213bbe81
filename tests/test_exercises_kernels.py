"""The exercise checkers of notebook 08 (inside the kernels) accept the worked solutions and answer
common mistakes with the hint meant for them."""

import numba
import numpy as np

from glulib import costs
from glulib.exercises import kernels as ex08


def test_fused_bytes():
    item = np.dtype(ex08.DTYPE).itemsize
    assert ex08.check_fused_bytes(8 * ex08.N_ELEMENTS * item)
    forward_only = ex08.check_fused_bytes(3 * ex08.N_ELEMENTS * item)
    assert not forward_only and "forward alone" in forward_only.message
    assert "counts arrays times elements" in ex08.check_fused_bytes(8 * ex08.N_ELEMENTS).message
    stored = ex08.check_fused_bytes(10 * ex08.N_ELEMENTS * item)
    assert not stored and "nothing else" in stored.message


def test_max_tokens_follows_the_shared_memory_count():
    m = ex08.MEMORY_CASE
    budget = m["budget_gib"] * 2**30
    per_token = {s: m["layers"] * (m["d_model"] + len(costs.kept_arrays(m["variant"], s)[1:]) * m["d_ff"])
                 * m["bytes_per_element"] for s in ex08.MEMORY_STRATEGIES}
    # store_all keeps x and four d_ff-wide arrays, recompute_hidden x and two (costs.STRATEGIES)
    assert per_token["store_all"] == m["layers"] * (m["d_model"] + 4 * m["d_ff"]) * m["bytes_per_element"]
    assert per_token["recompute_hidden"] == m["layers"] * (m["d_model"] + 2 * m["d_ff"]) * m["bytes_per_element"]
    want = [budget // per_token[s] for s in ex08.MEMORY_STRATEGIES]
    assert [ex08.max_tokens(s) for s in ex08.MEMORY_STRATEGIES] == want
    assert ex08.check_max_tokens(*want)
    over = ex08.check_max_tokens(want[0] + 1, want[1])
    assert not over and "round down" in over.message
    one_layer = ex08.check_max_tokens(want[0] * m["layers"], want[1])
    assert not one_layer and "layers" in one_layer.message
    three_arrays = budget // (m["layers"] * (m["d_model"] + 3 * m["d_ff"]) * m["bytes_per_element"])
    assert not ex08.check_max_tokens(three_arrays, want[1])
    assert not ex08.check_max_tokens(want[0], want[0])


def _reglu(value, gate, out):
    for i in range(value.size):
        g = gate[i]
        out[i] = value[i] * (0.0 if g <= 0 else g)


def test_reglu_kernel_must_be_one_compiled_loop():
    """Issue 22: plain NumPy (right numbers, NaN kept, but temporaries) was accepted as "one pass"."""
    assert ex08.check_reglu_kernel(numba.njit(_reglu))

    def plain_numpy(value, gate, out):
        out[:] = value * np.maximum(gate, 0)

    numpy_words = ex08.check_reglu_kernel(plain_numpy)
    assert not numpy_words and "not compiled" in numpy_words.message and "temporary" in numpy_words.message
    no_loop = ex08.check_reglu_kernel(numba.njit(plain_numpy))
    assert not no_loop and "no loop" in no_loop.message
    python_loop = ex08.check_reglu_kernel(_reglu)
    assert not python_loop and "@numba.njit" in python_loop.message

    @numba.njit
    def while_loop(value, gate, out):
        i = 0
        while i < value.size:
            g = gate[i]
            out[i] = value[i] * (0.0 if g <= 0 else g)
            i += 1

    assert ex08.check_reglu_kernel(while_loop)


def test_reglu_kernel_mistakes():
    def nan_to_zero(value, gate, out):
        for i in range(value.size):
            g = gate[i]
            out[i] = value[i] * (g if g > 0 else 0.0)

    def untouched(value, gate, out):
        for i in range(value.size):
            out[i] = 0.0

    def skips_last(value, gate, out):
        for i in range(value.size - 1):
            out[i] = value[i] * max(gate[i], 0.0)

    def writes_gate(value, gate, out):
        for i in range(value.size):
            out[i] = value[i] * max(gate[i], 0.0)
        gate[:] = 0.0

    nan_to_zero, untouched, skips_last, writes_gate = (numba.njit(f) for f in (nan_to_zero, untouched, skips_last,
                                                                                 writes_gate))
    fb = ex08.check_reglu_kernel(nan_to_zero)
    assert not fb and "NaN" in fb.message
    fb = ex08.check_reglu_kernel(untouched)  # the exercise cell as given: a wrong number, not the NaN hint
    assert not fb and "expected value * max(gate, 0)" in fb.message
    assert "never written" in ex08.check_reglu_kernel(skips_last).message
    assert "changed its input gate" in ex08.check_reglu_kernel(writes_gate).message
    assert "not compiled" in ex08.check_reglu_kernel(lambda v, g: None).message
