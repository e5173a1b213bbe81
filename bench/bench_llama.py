"""glulib.llama (NumPy) against Hugging Face transformers' eager CPU model on the same GGUF file,
one thread each, timed in interleaved rounds (issue 20). Targets: ratio >= 1.0 for both.

- prefill: the logits of 256 tokens of the course's text in one pass. Limit: matmuls,
  ``flops_per_token`` (2 per weight: about 0.27 GFLOP) times 256, at the float32 matmul rate of
  one core measured here on the model's own shapes.
- decoding: greedy, one new token at a time with a key-value cache. Limit: each token reads every
  weight matrix once (``weight_bytes``: about 540 MB in float32), at the copy bandwidth measured here.

Each is printed as a fraction of its limit (1.0 would be the limit itself). Needs the bench extra
(``pip install -e '.[bench]'``).
"""

import os

import numpy as np

from bench import stats
from glulib import kernelstudy as ks

PREFILL_TOKENS = 256
PROMPT_TOKENS = 16
NEW_TOKENS = 24
ROUNDS = 5


def matmul_weights(config):
    """Weights a token meets in matmuls: per block Wq, Wk, Wv, Wo and the FFN's W, V, W2, then
    the (tied) output embedding."""
    kv = config.n_kv_heads * config.head_size
    block = 2 * config.d_model * config.d_model + 2 * config.d_model * kv + 3 * config.d_model * config.d_ff
    return config.n_layers * block + config.vocab_size * config.d_model


def flops_per_token(config):
    """Multiply-adds of the matmuls for one token, counted as 2 flops each (attention's own
    scores, a few percent at 256 tokens, left out)."""
    return 2 * matmul_weights(config)


def weight_bytes(config):
    """Bytes of float32 weights a decoding step reads once."""
    return 4 * matmul_weights(config)


def fraction_of_limit(work, seconds, rate):
    """How close ``work`` done in ``seconds`` comes to ``rate`` (work per second): 1.0 is the limit."""
    if seconds <= 0 or rate <= 0:
        raise ValueError(f"fraction_of_limit: seconds and rate must be > 0, got {seconds}, {rate}")
    return work / seconds / rate


def sgemm_rate(config, repeats=5):
    """float32 flops a second of one (PREFILL_TOKENS, d_model) @ (d_model, d_ff) matmul, the best of ``repeats``."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((PREFILL_TOKENS, config.d_model), dtype=np.float32)
    w = rng.standard_normal((config.d_model, config.d_ff), dtype=np.float32)
    best = min(ks.interleaved_rounds({"mm": lambda: x @ w}, repeats=repeats)["mm"])
    return 2 * PREFILL_TOKENS * config.d_model * config.d_ff / best


def copy_bandwidth(n_bytes=256 << 20, repeats=5):
    """Bytes a second moved by np.copyto of a large float32 array (read + write), the best of ``repeats``."""
    src = np.ones(n_bytes // 4, dtype=np.float32)
    dst = np.empty_like(src)
    best = min(ks.interleaved_rounds({"copy": lambda: np.copyto(dst, src)}, repeats=repeats)["copy"])
    return 2 * n_bytes / best


def course_ids(llm, n):
    """The first ``n`` tokens of the course's training text."""
    from glulib import textdata

    path = textdata.TEXT_DIR / textdata.TEXT_FILE
    textdata.verify(path)
    text = path.read_text(encoding="utf-8")[:8 * n]
    ids = llm.encode(text)[:n]
    if len(ids) < n:
        raise ValueError(f"course_ids: the text gave {len(ids)} tokens, fewer than {n}")
    return ids


def run():
    import numba
    import torch
    from threadpoolctl import threadpool_limits

    from bench.crosscheck_llama import reference_model
    from glulib import llama

    llm = llama.load()
    model, _ = reference_model(llm.path)
    ids = course_ids(llm, PREFILL_TOKENS)
    prompt = ids[:PROMPT_TOKENS]
    before = numba.get_num_threads(), torch.get_num_threads()
    with threadpool_limits(limits=1):
        numba.set_num_threads(1)
        torch.set_num_threads(1)
        try:
            t_ids, t_prompt = torch.tensor(ids[None]), torch.tensor(prompt[None])

            def torch_prefill():
                with torch.no_grad():
                    return model(t_ids).logits

            def torch_decode():
                with torch.no_grad():
                    return model.generate(t_prompt, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                                          do_sample=False)

            assert np.array_equal(torch_decode()[0, PROMPT_TOKENS:].numpy(), llm.generate(prompt, NEW_TOKENS))
            prefill = ks.interleaved_rounds({"glulib": lambda: llm.logits(ids), "torch": torch_prefill},
                                            repeats=ROUNDS)
            decode = ks.interleaved_rounds({"glulib": lambda: llm.generate(prompt, NEW_TOKENS),
                                            "torch": torch_decode}, repeats=ROUNDS)
            rate, bandwidth = sgemm_rate(llm.config), copy_bandwidth()
        finally:
            numba.set_num_threads(before[0])
            torch.set_num_threads(before[1])
    c = llm.config
    print(f"load average: {os.getloadavg()[0]:.2f}; one thread each; {ROUNDS} interleaved rounds; "
          f"one-core sgemm {rate / 1e9:.1f} GFLOP/s, copy bandwidth {bandwidth / 1e9:.1f} GB/s")
    print(f"{'':28s} {'glulib s':>9s} {'torch s':>9s} {'torch/glulib':>13s} {'90% interval':>14s} "
          f"{'glulib: fraction of limit':>26s}")
    misses = []
    rows = (
        (f"prefill {PREFILL_TOKENS} tokens", prefill, flops_per_token(c) * PREFILL_TOKENS, rate),
        (f"decode {NEW_TOKENS} tokens (+{PROMPT_TOKENS} prompt)", decode, weight_bytes(c) * NEW_TOKENS, bandwidth),
    )
    for name, t, work, limit in rows:
        ratio, low, high = stats.ratio_interval(t["torch"], t["glulib"])
        ours = float(np.median(t["glulib"]))
        print(f"{name:28s} {ours:9.3f} {float(np.median(t['torch'])):9.3f} {ratio:13.2f} "
              f"{f'{low:.2f}-{high:.2f}':>14s} {fraction_of_limit(work, ours, limit):26.2f}")
        if high < 1.0:
            misses.append(f"{name}: {ratio:.2f}")
    print(f"(limits: {flops_per_token(c) / 1e9:.3f} GFLOP a token for prefill; "
          f"{weight_bytes(c) / 1e6:.0f} MB of float32 weights read a token for decoding)")
    print("target torch/glulib >= 1.0: " + ("met for both" if not misses else "missed for " + ", ".join(misses)))


if __name__ == "__main__":
    run()
