"""The premises of what notebooks 11 and 12 say in prose, checked on the data they describe, so
that a change to the model files, the passage or the library that breaks a sentence breaks a test."""

from functools import cache

import numpy as np
import pytest

from glulib import (
    bilinear,
    checkpoints,
    hardware,
    llama,
    microscope,
    model,
    quantize,
    sparse,
    textdata,
)
from glulib.recording import FFNRecord


# ---- 11 ----
@cache
def _smol():
    llm = llama.load()
    ids = hardware.passage_ids(llm)
    rec = FFNRecord()
    base = hardware.token_losses(llm, ids, record=rec)
    return llm, ids, rec, base


def test_11_the_formats_spacing_as_the_prose_reads_it():
    int8, e4m3 = quantize.describe("int8"), quantize.describe("e4m3")
    assert int8["relative gap max"] == 1.0 and int8["relative gap min"] < 0.01  # 100% next to 1, under 1% next to 127
    assert e4m3["relative gap max"] == 0.125  # at most 1/8 over the normal range
    assert np.log10(e4m3["largest"] / e4m3["smallest normal"]) > 4  # more than four orders of magnitude


def test_11_the_sparse_kernel_can_save_at_most_two_thirds_of_the_bytes():
    d_model, d_ff = 576, 1536
    dense, gate_only = 3 * d_model * d_ff, d_model * d_ff
    assert 1 - gate_only / dense == pytest.approx(2 / 3)


def test_11_outliers_sit_at_the_first_token_and_int8_per_tensor_zeroes_their_layer():
    _, _, rec, _ = _smol()
    ratio = [np.abs(p).max() / np.median(np.abs(p)) for p in rec.product]
    top = int(np.argmax(ratio))
    p = rec.product[top]
    token, _ = np.unravel_index(int(np.argmax(np.abs(p))), p.shape)
    assert token == 0 and ratio[top] > 1000  # "hundreds to thousands of times", at the passage's first token
    assert np.mean(quantize.quantize(p, "int8", "tensor") == 0) > 0.9  # "nearly every other entry ... stored as 0"
    for fmt, per in (("int8", "token"), ("int8", "unit"), ("e4m3", "tensor")):
        assert np.mean(quantize.quantize(p, fmt, per) == 0) < 0.5


def test_11_folding_the_unit_scales_changes_the_output_by_rounding_only_and_removes_most_int8_error():
    llm, _, rec, _ = _smol()
    ratio = [np.abs(p).max() / np.median(np.abs(p)) for p in rec.product]
    top = int(np.argmax(ratio))
    p, W2 = rec.product[top], llm.layers[top]["W2"]
    h_s, W2_s = quantize.fold_unit_scales(p, W2, np.max(np.abs(p), axis=0))
    out = p @ W2
    assert np.linalg.norm(h_s @ W2_s - out) / np.linalg.norm(out) < 1e-5
    err = lambda q, w: np.median(np.linalg.norm(q @ w - out, axis=1) / np.linalg.norm(out, axis=1))
    assert err(quantize.quantize(h_s, "int8", "tensor"), W2_s) < 0.2 * err(quantize.quantize(p, "int8", "tensor"), W2)


def test_11_silu_never_gives_exact_zeros_and_the_toy_relu_gates_often_do():
    _, _, rec, _ = _smol()
    assert all(np.mean(g == 0) < 1e-3 for g in rec.opening)
    corpus = textdata.load_corpus()
    for variant in ("reglu", "relu"):
        states = microscope.record_all(corpus, variants=(variant,))[variant]
        assert all(np.mean(g == 0) > 0.3 for g in states.opening)  # "exactly 0 much of the time"


def test_11_the_largest_outliers_of_two_layers_sit_on_strongly_aligned_units_and_not_in_every_layer():
    llm, _, rec, _ = _smol()
    ratio = [np.abs(p).max() / np.median(np.abs(p)) for p in rec.product]
    ranks = []
    for layer in np.argsort(ratio)[::-1][:3]:
        j = int(np.argmax(np.abs(rec.product[layer]).max(axis=0)))
        cos = quantize.unit_cosines(llm.layers[layer]["W"], llm.layers[layer]["V"])
        ranks.append(int(np.sum(np.abs(cos) > abs(cos[j]))))
    assert sum(r < 10 for r in ranks) >= 2 and max(ranks) > 100  # "in some layers and not in others"


def test_11_the_course_swiglu_is_less_aligned_than_smollm2():
    llm, *_ = _smol()
    params, config = checkpoints.load_model("swiglu")
    toy = max(np.abs(quantize.unit_cosines(params[f"{i}.ffn.W"], params[f"{i}.ffn.V"])).max() for i in range(config.n_layers))
    smol = max(np.abs(quantize.unit_cosines(layer["W"], layer["V"])).max() for layer in llm.layers)
    assert toy < smol


def test_11_keeping_fewer_units_costs_more_and_the_relu_swap_costs_most():
    llm, ids, _, base = _smol()
    half = hardware.token_losses(llm, ids, edit_product=hardware.keep_largest(0.5)).mean()
    tenth = hardware.token_losses(llm, ids, edit_product=hardware.keep_largest(0.1)).mean()
    relu = hardware.token_losses(llm, ids, gate_activation="relu").mean()
    assert base.mean() < tenth and half < tenth < relu


def test_11_keep_largest_keeps_the_share_per_token():
    rng = np.random.default_rng(0)
    h = rng.standard_normal((5, 40))
    kept = hardware.keep_largest(0.25)(0, h)
    assert np.all(np.count_nonzero(kept, axis=1) == 10)
    for row, k in zip(h, kept):
        assert np.abs(row[k != 0]).min() >= np.abs(row[k == 0]).max()
    with pytest.raises(ValueError, match=r"keep_largest: share must lie in \(0, 1\], got 0.0"):
        hardware.keep_largest(0.0)


def test_11_a_threshold_of_zero_on_the_toy_reglu_layer_is_exact():
    params, config = checkpoints.load_model("reglu")
    corpus = textdata.load_corpus()
    tokens, _ = microscope.passage(corpus, 0, 1, config.seq_len)
    x = bilinear.ffn_inputs(params, config, tokens, 1)[5].astype(np.float32)  # one character's FFN input
    p = {k: params[f"1.ffn.{k}"] for k in ("W", "V", "W2")}
    y, kept = sparse.sparse_ffn_token(x, sparse.pack(p), "reglu", threshold=0.0)
    dense = (np.maximum(x @ p["W"], 0) * (x @ p["V"])) @ p["W2"]
    assert kept.size < p["W"].shape[1]
    np.testing.assert_allclose(y, dense, rtol=1e-5, atol=1e-5)


# ---- 12 ----
@cache
def _bilinear():
    params, config = checkpoints.load_model("bilinear")
    corpus = textdata.load_corpus()
    tokens, targets = microscope.passage(corpus, microscope.PASSAGE_START, microscope.PASSAGE_WINDOWS, config.seq_len)
    layer = config.n_layers - 1
    W, V, W2 = (params[f"{layer}.ffn.{k}"] for k in ("W", "V", "W2"))
    x = bilinear.ffn_inputs(params, config, tokens, layer)
    newline = corpus.encode("\n")[0]
    u = bilinear.readout_directions(params)[newline]
    lam, vecs = bilinear.eigen(bilinear.quadratic_form(W, V, W2, u))
    untrained = model.init_params(config, np.random.default_rng(0))
    lam_u, _ = bilinear.eigen(bilinear.quadratic_form(*(untrained[f"{layer}.ffn.{k}"] for k in ("W", "V", "W2")),
                                                      bilinear.readout_directions(untrained)[newline]))
    y = ((x @ W) * (x @ V)) @ W2 @ u
    return x, y, lam, vecs, lam_u, targets.reshape(-1) == newline


def test_12_the_trained_form_is_more_concentrated_than_untrained_yet_spread():
    _, _, lam, _, lam_u, _ = _bilinear()
    for k in (1, 3):
        assert bilinear.captured(lam, k) > bilinear.captured(lam_u, k)
    assert bilinear.captured(lam, 3) < 0.5  # "only a minority"
    assert 0.35 < np.mean(lam > 0) < 0.65  # "about half its eigenvalues are negative"


def test_12_on_real_inputs_the_first_terms_explain_more_than_their_share_of_the_weights():
    x, y, lam, vecs, _, _ = _bilinear()
    for k in (1, 3, 10):
        partial = ((x @ vecs[:, :k]) ** 2) @ lam[:k]
        assert 1 - np.var(y - partial) / np.var(y) > bilinear.captured(lam, k)


def test_12_the_first_term_picks_out_characters_before_a_line_break_far_above_chance():
    x, _, lam, vecs, _, followed = _bilinear()
    assert microscope.auc((lam[0] * (x @ vecs[:, 0]) ** 2)[:, None], followed)[0] > 0.8
