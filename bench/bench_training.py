"""Training throughput of the eight FFNs at the experiment's size (``train.FULL``), and where
the time of a step goes.

For each variant: tokens per second over ``STEPS`` training steps (forward, backward and
AdamW; single-threaded as in ``glulib.train``), its ratio to ReLU's in the same run, and the
share of the step spent in

* gate kernels: the fused Numba kernels behind ``glulib.ffn`` (the experiment trains in
  float32: ``glulib.fast.kernels.forward`` and ``backward``, which the ungated FFNs use too);
* FFN matmuls: the rest of ``ffn`` and ``ffn_backward``, i.e. the BLAS matmuls (including
  the two that ``ffn_backward`` repeats to recompute the hidden pre-activations);
* attention: the causal self-attention forward and backward, its four projections included;
* rest: embeddings, RMSNorm, the output layer, the loss and AdamW.

The shares come from wrapping those functions with timers for the same steps; the wrapping
costs a few microseconds per call. The machine is shared, so variants alternate in rounds
and the median round is reported.
"""

import statistics
import time
from contextlib import contextmanager

import numpy as np

STEPS = 10
ROUNDS = 3


@contextmanager
def _timed(timers):
    """Wrap the functions behind each category with timers; restore them afterwards."""
    from glulib import model
    from glulib.fast import kernels

    targets = [(kernels, "forward", "gate kernels"), (kernels, "backward", "gate kernels")]
    targets += [(model, "ffn", "ffn"), (model, "ffn_backward", "ffn"),
                (model, "_attention_forward", "attention"), (model, "_attention_backward", "attention")]
    saved = []
    for module, name, key in targets:
        orig = getattr(module, name)

        def wrapper(*args, _orig=orig, _key=key, **kwargs):
            start = time.perf_counter()
            try:
                return _orig(*args, **kwargs)
            finally:
                timers[_key] += time.perf_counter() - start

        saved.append((module, name, orig))
        setattr(module, name, wrapper)
    try:
        yield
    finally:
        for module, name, orig in saved:
            setattr(module, name, orig)


def _measure(corpus, config, seed):
    from glulib import model, optim, textdata, train

    cfg = config.model_config(corpus.vocab_size)
    params = model.init_params(cfg, np.random.default_rng(seed))
    opt = optim.AdamW(params, weight_decay=config.weight_decay)
    batches = np.random.default_rng(seed + 1)
    timers = {"gate kernels": 0.0, "ffn": 0.0, "attention": 0.0}
    with train.single_threaded():
        x, y = textdata.batch(corpus.train, config.batch_size, cfg.seq_len, batches)
        _, grads = model.loss_and_grads(params, x, y, cfg)  # warm-up (compilation, caches)
        with _timed(timers):
            start = time.perf_counter()
            for _ in range(STEPS):
                x, y = textdata.batch(corpus.train, config.batch_size, cfg.seq_len, batches)
                _, grads = model.loss_and_grads(params, x, y, cfg)
                opt.step(grads, config.lr)
            total = time.perf_counter() - start
    tokens = STEPS * config.batch_size * cfg.seq_len
    shares = {"gate kernels": timers["gate kernels"] / total,
              "FFN matmuls": (timers["ffn"] - timers["gate kernels"]) / total,
              "attention": timers["attention"] / total}
    shares["rest"] = 1.0 - sum(shares.values())
    return tokens / total, shares


def run():
    from glulib import model, textdata, train

    corpus = textdata.load_corpus()
    config = train.FULL
    rounds = {v: [] for v in model.FFN_NAMES}
    for r in range(ROUNDS):
        for v in model.FFN_NAMES:
            rounds[v].append(_measure(corpus, config.replace(variant=v), seed=r))
    print(f"train.FULL: d_model {config.model.d_model}, {config.model.n_layers} layers, batch {config.batch_size} x "
          f"{config.model.seq_len} tokens, {STEPS} steps x {ROUNDS} rounds, one thread; median round")
    print(f"{'FFN':9s} {'tokens/s':>9s} {'vs ReLU':>8s} {'gate kern':>9s} {'FFN mm':>7s} {'attention':>9s} "
          f"{'rest':>6s}")
    relu = statistics.median(t for t, _ in rounds["relu"])
    for v in model.FFN_NAMES:
        tps = [t for t, _ in rounds[v]]
        mid = sorted(range(ROUNDS), key=lambda i: tps[i])[ROUNDS // 2]
        t, s = rounds[v][mid]
        print(f"{v:9s} {t:9.0f} {t / relu:8.2f} {s['gate kernels']:9.1%} {s['FFN matmuls']:7.1%} "
              f"{s['attention']:9.1%} {s['rest']:6.1%}")


if __name__ == "__main__":
    run()
