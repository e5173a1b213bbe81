"""The arithmetic of bench/bench_llama.py (no timing here: timing lives in make bench)."""

import numpy as np
import pytest

from bench import bench_llama as b
from glulib.llama import Config

SMOLLM2 = Config(d_model=576, d_ff=1536, n_layers=30, n_heads=9, n_kv_heads=3, head_size=64, vocab_size=49152,
                 context_length=8192, rope_base=100000.0, norm_eps=1e-5, bos_id=1, eos_id=2, chat_template="")


def test_weights_a_token_meets_are_every_matmul_once():
    per_block = 576 * 576 * 2 + 576 * 192 * 2 + 3 * 576 * 1536  # Wq, Wo; Wk, Wv; W, V, W2
    assert b.matmul_weights(SMOLLM2) == 30 * per_block + 49152 * 576
    assert b.flops_per_token(SMOLLM2) == pytest.approx(0.27e9, rel=0.01)  # the "about 0.27 GFLOP"
    assert b.weight_bytes(SMOLLM2) == pytest.approx(540e6, rel=0.01)  # "about 540 MB"


def test_fraction_of_limit():
    assert b.fraction_of_limit(10.0, 2.0, 10.0) == 0.5
    with pytest.raises(ValueError, match="must be > 0"):
        b.fraction_of_limit(1.0, 0.0, 1.0)


def test_course_ids_are_the_first_tokens_of_the_course_text():
    class Counting:
        def encode(self, text):
            return np.arange(len(text))

    ids = b.course_ids(Counting(), 16)
    assert ids.tolist() == list(range(16))
    with pytest.raises(ValueError, match="fewer than"):
        b.course_ids(type("Few", (), {"encode": lambda self, t: np.arange(3)})(), 16)


def test_limits_are_measured_as_positive_rates():
    assert b.sgemm_rate(SMOLLM2, repeats=1) > 0
    assert b.copy_bandwidth(n_bytes=1 << 20, repeats=1) > 0
