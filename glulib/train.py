"""Seeded, deterministic training of ``glulib.model`` on the committed text.

    corpus = glulib.textdata.load_corpus()
    run = train(corpus, QUICK.replace(variant="swiglu"), seed=0, callback=print_progress)
    run.heldout_loss, run.curve["heldout_loss"]

A ``TrainConfig`` holds the model's sizes as a ``glulib.model.ModelConfig`` (``config.model``,
its vocabulary left to the text) and the optimiser's settings and run length beside it;
``replace`` takes either kind of field: ``QUICK.replace(variant="swiglu", steps=50)``.

One seed fixes everything: the initial weights and the order of the training windows
(two independent streams spawned from ``np.random.SeedSequence(seed)``). The batch
stream does not depend on the variant, so with the same seed all eight FFNs see the same
windows in the same order: their differences are paired, not blurred by data order.
Same seed, same machine: the same losses to the bit.

Training runs single-threaded (``single_threaded``): the model's matrices are small, and
on a shared machine the BLAS and Numba thread pools fight over the cores (what that cost:
docs/PERFORMANCE.md); one thread also fixes the order of every floating-point sum.

A training step allocates and frees arrays of up to a few MB. By default glibc hands such blocks
back to the system when they are freed and maps fresh pages for the next step, which cost a
quarter of the step here. ``keep_freed_memory`` asks glibc, once per process, to keep freed memory
for reuse; it changes the allocator of the whole process, so ``train`` does not call it: the
entry points that own their process do (``python -m glulib.experiment`` and its worker processes,
``python -m glulib.retrain``, ``make bench``).

The library never prints: pass ``callback(event)`` to hear about each step. ``event`` is
a dict with ``step`` (1-based), ``steps``, ``train_loss``, ``lr``, ``elapsed`` (s) and,
at evaluation steps, ``heldout_loss`` (otherwise None).
"""

import contextlib
import ctypes
import ctypes.util
import functools
import sys
import time
from dataclasses import dataclass, field, fields

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from . import _validate, costs, model, optim, textdata
from .model import ModelConfig


#: The ModelConfig fields a TrainConfig sets (the vocabulary comes from the text).
MODEL_FIELDS = tuple(f.name for f in fields(ModelConfig) if f.name != "vocab_size")


@dataclass(frozen=True)
class TrainConfig:
    """The model (a ModelConfig), optimiser settings and run length. ``QUICK`` and ``FULL`` are the presets."""

    model: ModelConfig = ModelConfig()
    batch_size: int = 16
    steps: int = 200
    lr: float = 3e-3
    warmup: int = 20
    final_lr_fraction: float = 0.1
    weight_decay: float = 0.01
    eval_every: int = 50
    eval_windows: int = 64
    dtype: str = "float32"

    def __post_init__(self):
        func = "TrainConfig"
        if not isinstance(self.model, model.ModelConfig):
            raise TypeError(f"{func}: model must be a glulib.model.ModelConfig, got {type(self.model).__name__}")
        for name in ("batch_size", "steps", "eval_every", "eval_windows"):
            _validate.positive_int(getattr(self, name), func, name)
        _validate.integer(self.warmup, func, "warmup", 0, self.steps + 1)
        for name in ("lr", "final_lr_fraction", "weight_decay"):
            if _validate.real_scalar(getattr(self, name), func, name) < 0:
                raise ValueError(f"{func}: {name} must be non-negative, got {getattr(self, name)}")
        _validate.choice(self.dtype, ("float32", "float64"), func, "dtype")

    def model_config(self, vocab_size):
        """``self.model`` with the vocabulary of the text set: the config a model is built from."""
        if self.model.vocab_size not in (None, vocab_size):
            raise ValueError(f"TrainConfig.model_config: the config's vocab_size {self.model.vocab_size} differs "
                             f"from the text's {vocab_size}")
        return self.model.replace(vocab_size=vocab_size)

    def replace(self, **changes):
        """A copy with some settings changed: TrainConfig fields, ``model``, or ModelConfig fields
        (``variant``, ``d_model``, ...), which change ``self.model``."""
        own = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - own - set(MODEL_FIELDS))
        if unknown:
            raise ValueError(f"TrainConfig.replace: unknown settings {unknown}; expected fields of TrainConfig "
                             f"{sorted(own)} or of its model {list(MODEL_FIELDS)}")
        mine = {k: v for k, v in changes.items() if k in own}
        sizes = {k: v for k, v in changes.items() if k not in own}
        new_model = mine.pop("model", self.model)
        if not isinstance(new_model, model.ModelConfig):
            raise TypeError(f"TrainConfig.replace: model must be a glulib.model.ModelConfig, "
                            f"got {type(new_model).__name__}")
        return TrainConfig(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **mine,
                              "model": new_model.replace(**sizes)})

    def as_dict(self):
        """Every setting in one flat dict (the model's fields first, without vocab_size): the
        ``config`` of a results file."""
        sizes = {k: getattr(self.model, k) for k in MODEL_FIELDS}
        return {**sizes, **{f.name: getattr(self, f.name) for f in fields(self) if f.name != "model"}}

    @classmethod
    def from_dict(cls, settings):
        """The TrainConfig of an ``as_dict`` dict (checked like any new config)."""
        if not isinstance(settings, dict):
            raise TypeError(f"TrainConfig.from_dict: expected a dict, got {type(settings).__name__}")
        expected = set(MODEL_FIELDS) | {f.name for f in fields(cls) if f.name != "model"}
        if set(settings) != expected:
            raise ValueError(f"TrainConfig.from_dict: settings missing {sorted(expected - set(settings))}, "
                             f"unexpected {sorted(set(settings) - expected)}")
        return cls().replace(**settings)


#: Small enough for the notebook's live runs and the tests (its time: docs/PERFORMANCE.md).
QUICK = TrainConfig(steps=120, batch_size=8, eval_every=20, eval_windows=32, warmup=12)
#: The committed comparison (``python -m glulib.experiment``; ``--estimate`` prints its time here).
FULL = TrainConfig(ModelConfig(d_model=96, d_ff_baseline=384), steps=400, batch_size=16, eval_every=50, eval_windows=128,
                   warmup=40)


@dataclass
class Run:
    """One finished training run."""

    variant: str
    seed: int
    config: TrainConfig
    n_params: int
    ffn_params: int
    d_ff: int
    steps: int
    tokens: int
    heldout_loss: float
    wall_time_s: float
    curve: dict = field(default_factory=dict)  # step, train_loss, heldout_loss lists
    params: dict = field(default_factory=dict, repr=False)
    model_config: model.ModelConfig = None


@contextlib.contextmanager
def single_threaded():
    """BLAS and Numba's parallel kernels on one thread inside the block; restored after."""
    before = numba.get_num_threads()
    with threadpool_limits(limits=1):
        numba.set_num_threads(1)
        try:
            yield
        finally:
            numba.set_num_threads(before)


@functools.cache
def keep_freed_memory():
    """On Linux with glibc: serve blocks of up to 32 MB from the heap and never trim it
    (mallopt M_MMAP_THRESHOLD and M_TRIM_THRESHOLD), so that the arrays a step frees are reused
    by the next one instead of being unmapped and faulted in again. Once per process; returns
    whether glibc took the settings (False elsewhere: nothing changes)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(M_TRIM_THRESHOLD, 1 << 30))


def evaluate(params, cfg, inputs, targets, batch=32):
    """Mean cross-entropy (nats per token) over evaluation windows (n, T), in batches."""
    total = 0.0
    for lo in range(0, inputs.shape[0], batch):
        x, y = inputs[lo:lo + batch], targets[lo:lo + batch]
        total += model.loss(params, x, y, cfg) * y.size
    return total / targets.size


def train(corpus, config, seed, callback=None, stop_after=None):
    """Train one model; returns a Run. ``stop_after`` ends early (the schedule still spans
    ``config.steps``), so a short rerun reproduces the start of a long one."""
    with single_threaded():
        return _train(corpus, config, seed, callback, stop_after)


def _check_run(func, corpus, config, seed):
    if not isinstance(corpus, textdata.Corpus):
        raise TypeError(f"{func}: corpus must be a glulib.textdata.Corpus (load_corpus()), got {type(corpus).__name__}")
    if not isinstance(config, TrainConfig):
        raise TypeError(f"{func}: config must be a TrainConfig (e.g. QUICK or FULL), got {type(config).__name__}")
    _validate.integer(seed, func, "seed")


def _train(corpus, config, seed, callback, stop_after):
    func = "train"
    _check_run(func, corpus, config, seed)
    if callback is not None and not callable(callback):
        raise TypeError(f"{func}: callback must be callable, got {type(callback).__name__}")
    if stop_after is not None and (isinstance(stop_after, bool) or not isinstance(stop_after, (int, np.integer))):
        raise ValueError(f"{func}: stop_after must be None or an integer in [1, steps = {config.steps}], "
                         f"got {stop_after!r}")
    steps = config.steps if stop_after is None else int(stop_after)
    if not 1 <= steps <= config.steps:
        raise ValueError(f"{func}: stop_after must lie in [1, steps = {config.steps}], got {stop_after!r}")

    cfg = config.model_config(corpus.vocab_size)
    init_seq, batch_seq = np.random.SeedSequence(int(seed)).spawn(2)
    params = model.init_params(cfg, np.random.default_rng(init_seq), dtype=np.dtype(config.dtype))
    batches = np.random.default_rng(batch_seq)
    matrices = [k for k, v in params.items() if v.ndim == 2 and "emb" not in k]
    opt = optim.AdamW(params, weight_decay=config.weight_decay, decay=matrices)
    eval_x, eval_y = textdata.windows(corpus.heldout, cfg.seq_len, config.eval_windows)

    curve = {"step": [], "train_loss": [], "heldout_loss": []}
    recent = []
    start = time.perf_counter()
    for step in range(steps):
        x, y = textdata.batch(corpus.train, config.batch_size, cfg.seq_len, batches)  # (B, T) each
        loss, grads = model.loss_and_grads(params, x, y, cfg)
        if not np.isfinite(loss):
            raise FloatingPointError(f"{func}: the loss became {loss} at step {step + 1} "
                                     f"({cfg.variant}, seed {seed}); lower lr (now {config.lr})")
        lr = optim.lr_at(step, config.lr, config.warmup, config.steps, config.final_lr_fraction)
        opt.step(grads, lr)
        recent.append(loss)
        done = step + 1
        heldout = None
        if done % config.eval_every == 0 or done == steps:
            heldout = evaluate(params, cfg, eval_x, eval_y)
            curve["step"].append(done)
            curve["train_loss"].append(float(np.mean(recent)))
            curve["heldout_loss"].append(float(heldout))
            recent = []
        if callback is not None:
            callback({"step": done, "steps": steps, "train_loss": float(loss), "lr": lr,
                      "elapsed": time.perf_counter() - start, "heldout_loss": heldout})
    return Run(variant=cfg.variant, seed=int(seed), config=config, n_params=model.count_params(params),
               ffn_params=costs.ffn_params(cfg.d_model, cfg.d_ff, cfg.variant), d_ff=cfg.d_ff, steps=steps,
               tokens=steps * config.batch_size * cfg.seq_len, heldout_loss=curve["heldout_loss"][-1],
               wall_time_s=time.perf_counter() - start, curve=curve, params=params, model_config=cfg)


def time_step(corpus, config, seed=0, steps=3):
    """Measured seconds of one training step (forward, backward, AdamW; the mean of ``steps``
    steps after one untimed step) and of one held-out evaluation, single-threaded as ``train``
    runs: what ``glulib.experiment.estimate_wall_time`` scales up."""
    _check_run("time_step", corpus, config, seed)
    _validate.positive_int(steps, "time_step", "steps")
    cfg = config.model_config(corpus.vocab_size)
    init_seq, batch_seq = np.random.SeedSequence(int(seed)).spawn(2)
    params = model.init_params(cfg, np.random.default_rng(init_seq), dtype=np.dtype(config.dtype))
    batches = np.random.default_rng(batch_seq)
    opt = optim.AdamW(params, weight_decay=config.weight_decay)
    eval_x, eval_y = textdata.windows(corpus.heldout, cfg.seq_len, config.eval_windows)
    with single_threaded():
        for i in range(steps + 1):
            if i == 1:
                start = time.perf_counter()
            x, y = textdata.batch(corpus.train, config.batch_size, cfg.seq_len, batches)  # (B, T) each
            opt.step(model.loss_and_grads(params, x, y, cfg)[1], config.lr)
        step_s = (time.perf_counter() - start) / steps
        start = time.perf_counter()
        evaluate(params, cfg, eval_x, eval_y)
        return step_s, time.perf_counter() - start


def initial_loss(corpus, config, seed):
    """Held-out loss of the untrained model (step 0), on the same windows ``train`` evaluates."""
    _check_run("initial_loss", corpus, config, seed)
    cfg = config.model_config(corpus.vocab_size)
    init_seq, _ = np.random.SeedSequence(int(seed)).spawn(2)
    params = model.init_params(cfg, np.random.default_rng(init_seq), dtype=np.dtype(config.dtype))
    eval_x, eval_y = textdata.windows(corpus.heldout, cfg.seq_len, config.eval_windows)
    with single_threaded():
        return evaluate(params, cfg, eval_x, eval_y)


def sample_text(corpus, run, prompt, n_chars, seed=0, temperature=1.0):
    """``prompt`` continued by ``n_chars`` characters sampled from a finished Run's model."""
    if not isinstance(run, Run):
        raise TypeError(f"sample_text: run must be a glulib.train.Run (what train returns), got {type(run).__name__}")
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"sample_text: prompt must be a non-empty str, got {prompt!r}")
    with single_threaded():
        ids = model.generate(run.params, run.model_config, corpus.encode(prompt), n_chars,
                             np.random.default_rng(seed), temperature=temperature)
    return prompt + corpus.decode(ids)
