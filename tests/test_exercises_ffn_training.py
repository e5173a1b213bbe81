"""The exercises added to notebooks 05 and 06 accept the right answer, reject the plausible wrong
ones with a sentence that says why, and the written paragraphs of notebook 06 still match the
committed results they interpret."""

import math

import numpy as np
import pytest

from glulib import costs, experiment, train
from glulib.exercises import ffn as ex5
from glulib.exercises import training as ex6


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


@pytest.fixture(scope="module")
def results():
    return experiment.load_results()


def test_paired_interval(results):
    loss = {(r["variant"], r["seed"]): r["heldout_loss"] for r in results["runs"]}
    d = np.array([loss["glu", s] - loss["relu", s] for s in results["seeds"]])  # (n_seeds,)
    half = ex6.t95(d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    rows = experiment.summary(results)
    assert math.isclose(d.mean(), rows["glu"]["delta"]) and math.isclose(half, rows["glu"]["delta_ci"])
    assert ex6.check_paired_interval(d.mean(), half, results)
    assert "sign" in ex6.check_paired_interval(-d.mean(), half, results).message
    assert "ddof" in ex6.check_paired_interval(d.mean(), half * d.std(ddof=0) / d.std(ddof=1), results).message
    g = np.array([loss["glu", s] for s in results["seeds"]])
    r = np.array([loss["relu", s] for s in results["seeds"]])
    unpaired = ex6.t95(d.size - 1) * math.sqrt((g.var(ddof=1) + r.var(ddof=1)) / d.size)
    assert "unpaired" in ex6.check_paired_interval(d.mean(), unpaired, results).message
    assert not ex6.check_paired_interval(None, half, results) and not ex6.check_paired_interval("0.04", half, results)


def test_notebook_06_paragraphs_match_the_results(results):
    """The written reading of the results in notebook 06 says: Bilinear near the top and GLU last;
    every gated FFN but GLU beats ReLU beyond the noise, GLU does not; every curve still falling at
    the end; GLU last from early on. Rerunning the
    experiment must not leave those sentences false."""
    rows = experiment.summary(results)
    assert rows["bilinear"]["rank"] <= 2 and rows["glu"]["rank"] == len(rows)
    gated = [v for v in rows if v in train.model.VARIANTS]
    beats = {v for v in rows if v != "relu" and rows[v]["delta"] + rows[v]["delta_ci"] < 0}
    assert set(gated) - beats == {"glu"}
    mean_curve = {v: np.mean([r["curve"]["heldout_loss"] for r in results["runs"] if r["variant"] == v], axis=0)
                  for v in rows}
    for v, c in mean_curve.items():
        assert c[-1] < c[-2] < c[-3], v
    steps = results["runs"][0]["curve"]["step"]
    last_from = [s for i, s in enumerate(steps)
                 if all(mean_curve["glu"][j] == max(c[j] for c in mean_curve.values()) for j in range(i, len(steps)))]
    assert last_from and last_from[0] <= steps[-1] / 2  # "fell to last place early and stayed there"
    from glulib import zoo

    t = zoo.load_table1()
    at = {name: i for i, name in enumerate(t["ffn"])}
    assert all(t["long"][at["Bilinear"]] > t["long"][at[v]] for v in ("GEGLU", "SwiGLU", "ReGLU"))
    assert t["short"][at["GLU"]] < t["short"][at["ReLU"]] and t["long"][at["GLU"]] < t["long"][at["ReLU"]]


def test_notebook_05_table1_paragraph():
    """Notebook 05: GEGLU first in both columns of Table 1, SwiGLU second, and in the short column
    closer to GEGLU than either's standard deviation."""
    from glulib import zoo

    t = zoo.load_table1()
    assert zoo.ranking(t, "short")[:2] == zoo.ranking(t, "long")[:2] == ["GEGLU", "SwiGLU"]
    g, s = t["ffn"].index("GEGLU"), t["ffn"].index("SwiGLU")
    assert t["short"][s] - t["short"][g] < min(t["short_std"][g], t["short_std"][s])


def test_notebook_06_bilinear_claim(results):
    """Notebook 06 tests the common claim that Bilinear ranks below GLU: negative differences everywhere."""
    from glulib import zoo

    t = zoo.load_table1()
    b, g = t["ffn"].index("Bilinear"), t["ffn"].index("GLU")
    rows = experiment.summary(results)
    assert t["short"][b] < t["short"][g] and t["long"][b] < t["long"][g]
    assert rows["bilinear"]["mean"] < rows["glu"]["mean"]
