"""A training step of glulib's model against the same model in PyTorch, per FFN, and where
glulib's time goes.

For each of the eight FFNs at the experiment's size (``train.FULL``: float32, batch 16 x 64
tokens), one training step = forward, backward and AdamW, on one thread each
(``torch.set_num_threads(1)``; ``glulib.train.single_threaded``):

* glulib: ``glulib.model.loss_and_grads`` and ``glulib.optim.AdamW``, as ``glulib.train`` runs them;
* PyTorch eager on CPU: ``bench/torch_model.py``, the same architecture and parameters
  (``F.scaled_dot_product_attention``, ``torch.optim.AdamW``), started from glulib's weights.

Before timing, the bench checks that PyTorch computes glulib's loss from the same parameters.
The two run side by side in one process and in alternating rounds (``bench.stats``), so a
burst of load on the shared machine hits both; it reports the median ms per step, tokens per
second, and the ratio PyTorch time / glulib time (above 1: glulib is faster) with its interval.

Then one step of glulib by parts: embedding, attention, norms, FFN, loss, optimizer, and the
rest (the output layer's matmuls, residual additions, Python), measured by wrapping the model's
private functions with timers for a few steps (a few microseconds per call of overhead).
Without torch (``pip install -e '.[bench]'``) only glulib is timed.
"""

import statistics
import time
from contextlib import contextmanager

import numpy as np

from bench import stats
from glulib import kernelstudy as ks

STEPS = 4  # training steps per timed call
ROUNDS = 9  # alternating rounds per variant
LOSS_TOLERANCE = 1e-4  # |glulib - PyTorch| of the loss from the same float32 parameters

#: The parts of a glulib step: the functions of glulib.model ("model") and of its kernels
#: (glulib.fast.training, "kernels") behind each; the optimizer is timed too.
PARTS = {
    "embedding": (("model", "_embed_forward"), ("kernels", "embed_backward")),
    "attention": (("model", "_attention_forward"), ("model", "_attention_backward")),
    "norms": (("kernels", "rmsnorm_rows"), ("kernels", "rmsnorm_rows_backward")),
    "FFN": (("model", "_ffn_forward"), ("model", "_ffn_backward")),
    "loss": (("kernels", "cross_entropy_and_grad"),),
}


def _setup(corpus, config, seed):
    """The step functions of glulib (and PyTorch, when installed), the two losses from the same
    parameters (None without PyTorch), and glulib's optimizer."""
    from glulib import model, optim, textdata

    cfg = config.model_config(corpus.vocab_size)
    params = model.init_params(cfg, np.random.default_rng(seed))  # float32
    x, y = textdata.batch(corpus.train, config.batch_size, cfg.seq_len, np.random.default_rng(seed + 1))
    mine = {k: v.copy() for k, v in params.items()}
    opt = optim.AdamW(mine, weight_decay=config.weight_decay,
                      decay=[k for k, v in mine.items() if v.ndim == 2 and "emb" not in k])

    def glulib_step():
        for _ in range(STEPS):
            opt.step(model.loss_and_grads(mine, x, y, cfg)[1], config.lr)

    steps = {"glulib": glulib_step}
    check = None
    try:
        import torch

        from bench import torch_model
    except ImportError:
        return steps, check, opt
    torch.set_num_threads(1)
    check = (model.loss(params, x, y, cfg), torch_model.loss(params, x, y, cfg))
    net = torch_model.TorchModel(params, cfg)
    topt = net.optimizer(config.weight_decay)
    for group in topt.param_groups:
        group["lr"] = config.lr
    tx, ty = torch.as_tensor(x, dtype=torch.long), torch.as_tensor(y, dtype=torch.long)

    def torch_step():
        for _ in range(STEPS):
            topt.zero_grad(set_to_none=True)
            net(tx, ty).backward()
            topt.step()

    steps["torch"] = torch_step
    return steps, check, opt


@contextmanager
def _timed(timers, opt):
    """Wrap the functions behind each part with timers; restore them afterwards."""
    from glulib import model
    from glulib.fast import training as kernels

    owners = {"model": model, "kernels": kernels}
    targets = [(owners[owner], name, part) for part, names in PARTS.items() for owner, name in names]
    targets.append((opt, "step", "optimizer"))
    saved = []
    for owner, name, part in targets:
        orig = getattr(owner, name)

        def wrapper(*args, _orig=orig, _part=part, **kwargs):
            start = time.perf_counter()
            try:
                return _orig(*args, **kwargs)
            finally:
                timers[_part] += time.perf_counter() - start

        saved.append((owner, name, orig))
        setattr(owner, name, wrapper)
    try:
        yield
    finally:
        for owner, name, orig in reversed(saved):
            if owner is opt:
                del opt.step  # back to the class's method
            else:
                setattr(owner, name, orig)


def _parts(step, opt, repeats=3):
    """Seconds of one glulib step by part (the median of ``repeats`` timed calls)."""
    rounds = []
    for _ in range(repeats):
        timers = dict.fromkeys([*PARTS, "optimizer"], 0.0)
        with _timed(timers, opt):
            start = time.perf_counter()
            step()
            total = time.perf_counter() - start
        timers["rest"] = total - sum(timers.values())
        rounds.append({k: v / STEPS for k, v in timers.items()})
    return {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}


def run():
    from glulib import model, textdata, train

    corpus = textdata.load_corpus()
    config = train.FULL
    train.keep_freed_memory()  # what the experiment's processes do; the same for both (one process)
    tokens = config.batch_size * config.model.seq_len
    print(f"train.FULL: d_model {config.model.d_model}, {config.model.n_layers} layers, {config.model.n_heads} heads, "
          f"d_ff {config.model.d_ff_baseline} (gated: 2/3 of it), batch {config.batch_size} x {config.model.seq_len} "
          f"tokens, float32, one thread each; {ROUNDS} alternating rounds of {STEPS} steps, medians")
    rows, parts = {}, {}
    with train.single_threaded():
        for v in model.FFN_NAMES:
            steps, check, opt = _setup(corpus, config.replace(variant=v), seed=0)
            if check is not None and not abs(check[0] - check[1]) <= LOSS_TOLERANCE:
                raise SystemExit(f"bench_training: {v}: PyTorch's loss {check[1]:.6f} differs from glulib's "
                                 f"{check[0]:.6f} from the same parameters: the two models are not the same")
            times = ks.interleaved_rounds(steps, repeats=ROUNDS)
            rows[v] = (times, check)
            parts[v] = _parts(steps["glulib"], opt)
    have_torch = "torch" in rows["relu"][0]
    if have_torch:
        print(f"{'FFN':9s} {'loss glulib':>11s} {'PyTorch':>9s} {'glulib ms':>9s} {'PyTorch ms':>10s} "
              f"{'glulib tok/s':>12s} {'PyTorch tok/s':>13s} {'ratio':>6s} {'(90% interval)':>15s}")
    else:
        print("PyTorch is not installed (pip install -e '.[bench]'): glulib alone")
        print(f"{'FFN':9s} {'glulib ms':>9s} {'glulib tok/s':>12s}")
    for v, (times, check) in rows.items():
        g = statistics.median(times["glulib"]) / STEPS
        if not have_torch:
            print(f"{v:9s} {g * 1e3:9.1f} {tokens / g:12.0f}")
            continue
        t = statistics.median(times["torch"]) / STEPS
        ratio, low, high = stats.ratio_interval(times["torch"], times["glulib"])
        print(f"{v:9s} {check[0]:11.6f} {check[1]:9.6f} {g * 1e3:9.1f} {t * 1e3:10.1f} {tokens / g:12.0f} "
              f"{tokens / t:13.0f} {ratio:6.2f} {f'({low:.2f}-{high:.2f})':>15s}")
    print("\nglulib's step by parts, ms (median of 3 timed calls):")
    names = [*PARTS, "optimizer", "rest"]
    print(f"{'FFN':9s} " + " ".join(f"{n:>9s}" for n in names) + f" {'total':>7s}")
    for v, p in parts.items():
        print(f"{v:9s} " + " ".join(f"{p[n] * 1e3:9.2f}" for n in names) + f" {sum(p.values()) * 1e3:7.2f}")


if __name__ == "__main__":
    run()
