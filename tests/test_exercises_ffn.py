"""Checkers of notebook 05 (the GLU inside the Transformer FFN): right answers pass, typical wrong
ones fail with a reason."""

import numpy as np
import pytest

from glulib import costs
from glulib.exercises import ffn as ex5


def test_ffn_checkers():
    assert ex5.check_llama_hidden(13824)
    assert not ex5.check_llama_hidden(13653) and not ex5.check_llama_hidden(20480)

    def right(x, W, V, W2):
        a = x @ W
        return (a / (1 + np.exp(-a)) * (x @ V)) @ W2

    def swapped(x, W, V, W2):
        return right(x, V, W, W2)

    def project_first(x, W, V, W2):
        a = x @ W
        return ((a / (1 + np.exp(-a))) @ W2) * ((x @ V) @ W2)

    assert ex5.check_ffn_swiglu(right)
    assert "swapped" in ex5.check_ffn_swiglu(swapped).message
    assert not ex5.check_ffn_swiglu(project_first)
    c = ex5.MEMORY_CASE
    store = c["tokens"] * (c["d_model"] + 4 * c["d_ff"]) * 4  # store_all: x, a, u, act(a), h
    mid = c["tokens"] * (c["d_model"] + 2 * c["d_ff"]) * 4
    assert ex5.check_memory(store, mid)
    assert not ex5.check_memory(mid, mid)


def _first_half(M):
    half = M.shape[1] // 2
    return M[:, :half], M[:, half:]


def _second_half(M):
    half = M.shape[1] // 2
    return M[:, half:], M[:, :half]


@pytest.mark.parametrize("library, right, wrong", [
    ("Phi-3", _first_half, _second_half),
    ("ModernBERT", _first_half, _second_half),
    ("F.glu", _second_half, _first_half),
])
def test_split_accepts_the_layout_and_names_the_swap(library, right, wrong):
    assert ex5.check_split(library, right)
    swapped = ex5.check_split(library, wrong)
    assert not swapped and "wrong way round" in swapped.message


def test_split_rejects_other_answers_in_words():
    assert "ModernBERT" in ex5.check_split("ModernBERT", lambda M: (M[:, ::2], M[:, 1::2])).message
    assert not ex5.check_split("Phi-3", lambda M: (M.T, M.T))
    assert not ex5.check_split("Phi-3", lambda M: M)
    assert not ex5.check_split("Phi-3", None) and not ex5.check_split("GPT-OSS", _first_half)
    transposed = ex5.check_split("Phi-3", lambda M: tuple(a.T for a in _first_half(M)))
    assert not transposed and "shape" in transposed.message


def test_budget_width():
    b = ex5.BUDGET_CASE
    budget = costs.ffn_params(b["d_model"], b["d_ff_relu"], "relu")
    widths = range(b["multiple_of"], b["d_ff_relu"] + 1, b["multiple_of"])
    want = max(w for w in widths if costs.ffn_params(b["d_model"], w, "swiglu") <= budget)
    assert ex5.check_budget_width(want) and ex5.check_budget_width(float(want))
    rounded_up = ex5.check_budget_width(want + b["multiple_of"])
    assert not rounded_up and "over the budget" in rounded_up.message
    assert "multiple" in ex5.check_budget_width(2 * b["d_ff_relu"] // 3).message
    assert "wider" in ex5.check_budget_width(want - b["multiple_of"]).message
    assert not ex5.check_budget_width(None) and not ex5.check_budget_width(-want)


def test_memory_uses_the_shared_strategies():
    c = ex5.MEMORY_CASE
    store, hidden = (costs.activation_memory(c["d_model"], c["d_ff"], c["variant"], c["tokens"], s)
                     for s in ("store_all", "recompute_hidden"))
    assert store == c["tokens"] * (c["d_model"] + 4 * c["d_ff"]) * 4
    assert ex5.check_memory(store, hidden)
    assert "4 bytes" in ex5.check_memory(store // 4, hidden).message
    three = c["tokens"] * (c["d_model"] + 3 * c["d_ff"]) * 4  # forgetting act(a)
    assert not ex5.check_memory(three, hidden) and not ex5.check_memory(hidden, hidden)
