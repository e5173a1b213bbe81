"""Checkers of notebook 02 (the gate zoo): right answers pass, each typical wrong answer fails with
a reason."""

import numpy as np

import glulib
from glulib import zoo
from glulib.exercises import zoo as ex02


def test_zoo_checkers():
    assert ex02.check_llama_variant("swiglu")
    assert not ex02.check_llama_variant("geglu") and not ex02.check_llama_variant(None)
    assert ex02.check_swish_at_zero_beta(1.0)
    assert not ex02.check_swish_at_zero_beta(2.0) and not ex02.check_swish_at_zero_beta(None)
    assert ex02.check_gated_branch("Hugging Face LlamaMLP", "gate_proj")
    fb = ex02.check_gated_branch("Hugging Face LlamaMLP", "up_proj")
    assert not fb and "linear branch" in fb.message
    assert ex02.check_gated_branch("Dauphin et al. 2016", "V")
    assert not ex02.check_gated_branch("Dauphin et al. 2016", "W")
    assert not ex02.check_gated_branch("no such source", "W")
    right = ["bilinear", "swiglu", "geglu", "reglu", "glu"]
    assert ex02.check_rank_at_point(right)
    out = {v: float(glulib.glu(np.array([ex02.RANK_POINT["value"]]), np.array([ex02.RANK_POINT["gate input"]]), a)[0])
           for v, a in glulib.VARIANTS.items()}
    assert sorted(out, key=out.get) == right  # the answer is computed, not remembered
    fb = ex02.check_rank_at_point(["bilinear", "geglu", "swiglu", "reglu", "glu"])  # GELU dips deeper? no
    assert not fb and "GEGLU" in fb.message
    assert not ex02.check_rank_at_point(right[::-1])
    assert not ex02.check_rank_at_point(right[:4])
    assert not ex02.check_rank_at_point(set(right))
    assert not ex02.check_rank_at_point(None)
    assert zoo.CONVENTIONS
