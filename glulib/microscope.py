"""A microscope on the gates of the trained models (notebook 07).

    params, config = glulib.checkpoints.load_model("swiglu")
    tokens, targets = passage(corpus, start=0, n_windows=16, seq_len=config.seq_len)
    states = record(params, config, tokens)       # every layer's gate input, opening, value, product
    states.opening[1][:, 5]                       # act(gate input) of unit 5 in layer 1, per character

For a gated FFN (GLU, Bilinear, ReGLU, GEGLU, SwiGLU) hidden unit j at one character has a gate
input a = x W[:, j], an opening act(a), a value u = x V[:, j] and the product h = act(a) u that
W2 carries back (x is the normalised input of the FFN). An ungated FFN (ReLU, GELU, Swish) has
only a and h = act(a): its "opening" is its whole hidden unit, and it has no value. The arrays
come from the model's own forward pass (``model.forward(..., record=FFNRecord())``).

What is computed here, all vectorised over the passage's characters:
``opening_stats`` (how often an opening is near 0, near 1, negative, exactly zero, and how often
opening and value are both large), ``class_masks`` and ``selectivity`` (for each character class,
how well each unit's opening separates the class from the rest: the area under the ROC curve),
``top_contexts`` (where a unit opens most), and ``ablate`` (the held-out loss when one unit's
opening is held at its mean or at 1, or its value at its mean).
"""

import keyword
import re
from dataclasses import dataclass

import numpy as np

from . import _validate, model, textdata
from .feedforward import BASELINES
from .recording import FFNRecord

#: Character classes a unit may pick out, by name (each a rule on the text, see ``class_masks``).
CLASSES = ("line break", "indentation", "quote", "keyword", "digit", "capital letter", "bracket")
#: Ablations: the opening held at its mean over the passage or at 1 (fully open), or the value at its mean.
ABLATIONS = ("opening at mean", "opening at 1", "value at mean")


@dataclass(frozen=True)
class States:
    """What every hidden unit did on a passage: lists with one (n_chars, d_ff) array per layer.
    ``value`` is None for an ungated FFN."""

    variant: str
    text: str  # the passage's characters, one per row of the arrays
    gate_input: list
    opening: list
    value: list | None
    product: list

    @property
    def gated(self):
        return self.value is not None

    @property
    def n_layers(self):
        return len(self.opening)


def passage(corpus, start=0, n_windows=16, seq_len=64):
    """``n_windows`` consecutive windows of the held-out text from character ``start``: inputs and
    next-character targets, (n_windows, seq_len) each. Each window is read by the model on its own
    (its first character sees no earlier text), as in training."""
    func = "passage"
    if not isinstance(corpus, textdata.Corpus):
        raise TypeError(f"{func}: corpus must be a glulib.textdata.Corpus, got {type(corpus).__name__}")
    for name, n, lo in (("start", start, 0), ("n_windows", n_windows, 1), ("seq_len", seq_len, 1)):
        _validate.integer(n, func, name, lo)
    end = start + n_windows * seq_len + 1
    if end > corpus.heldout.size:
        raise ValueError(f"{func}: start + n_windows * seq_len + 1 = {end} exceeds the held-out text's "
                         f"{corpus.heldout.size} characters")
    ids = corpus.heldout[start:end]  # (n_windows * T + 1,)
    return ids[:-1].reshape(n_windows, seq_len), ids[1:].reshape(n_windows, seq_len)


def _check_model(func, params, config, tokens):
    """The model's own checks of ``config``, ``params`` and ``tokens``; the checked tokens."""
    model.check_config(func, config)
    model.check_params(func, params, config)
    return model.check_tokens(func, tokens, config)


def record(params, config, tokens, text=""):
    """``States`` of every layer's hidden units on ``tokens`` (B, T); rows in reading order
    (window by window). ``text`` (optional) is kept with them for display."""
    tokens = _check_model("record", params, config, tokens)
    if not isinstance(text, str) or (text and len(text) != tokens.size):
        raise ValueError(f"record: text must be a str of one character per token ({tokens.size}), "
                         f"got {type(text).__name__} of length {len(text) if isinstance(text, str) else '-'}")
    rec = FFNRecord()
    model.forward(params, tokens, config, record=rec)  # each FFN layer hands its arrays to rec
    gated = config.variant not in BASELINES
    return States(config.variant, text, rec.gate_input, rec.opening, rec.value if gated else None, rec.product)


#: The passage the notebook reads: consecutive held-out windows from its first character.
PASSAGE_START = 0
PASSAGE_WINDOWS = 32


def record_all(corpus, variants=model.FFN_NAMES, start=PASSAGE_START, n_windows=PASSAGE_WINDOWS, models_dir=None):
    """``{variant: States}`` of the saved models (``glulib.checkpoints.load_model``) on one passage."""
    from . import checkpoints

    out = {}
    for v in variants:
        params, config = checkpoints.load_model(v, models_dir=models_dir)
        tokens, _ = passage(corpus, start, n_windows, config.seq_len)
        out[v] = record(params, config, tokens, corpus.decode(tokens))
    return out


# ---- how openings are distributed ----
def opening_stats(states, near=0.05, large=0.9):
    """Per layer, over every (character, unit): the fractions of openings with |act(a)| < ``near``,
    exactly 0, negative, within ``near`` of 1, and above 1 + ``near``; the fraction in the middle
    (between ``near`` and 1 - ``near``); and, for gated FFNs, how often the opening and the value
    are both large (|.| above the unit's ``large`` quantile over the passage) compared with
    (1 - large)^2, what independence would give. A list of dicts, one per layer."""
    if not isinstance(states, States):
        raise TypeError(f"opening_stats: states must be glulib.microscope.States (record), got {type(states).__name__}")
    near = _validate.real_scalar(near, "opening_stats", "near")
    large = _validate.real_scalar(large, "opening_stats", "large")
    if not 0 < near < 0.5 or not 0 < large < 1:
        raise ValueError(f"opening_stats: near must lie in (0, 0.5) and large in (0, 1), got {near}, {large}")
    out = []
    for i, g in enumerate(states.opening):
        g = g.astype(np.float64)  # (n, d_ff)
        row = {"layer": i, "near 0": float(np.mean(np.abs(g) < near)), "exactly 0": float(np.mean(g == 0)),
               "negative": float(np.mean(g < 0)), "near 1": float(np.mean(np.abs(g - 1) < near)),
               "above 1": float(np.mean(g > 1 + near)), "middle": float(np.mean((g >= near) & (g <= 1 - near))),
               "mean": float(g.mean()), "both large": float("nan"), "both large if independent": (1 - large) ** 2}
        if states.gated:
            big_g = np.abs(g) > np.quantile(np.abs(g), large, axis=0)  # (n, d_ff)
            u = np.abs(states.value[i])  # (n, d_ff)
            big_u = u > np.quantile(u, large, axis=0)  # (n, d_ff)
            row["both large"] = float(np.mean(big_g & big_u))
        out.append(row)
    return out


# ---- which characters a unit picks out ----
def class_masks(text):
    """For each name in CLASSES, a boolean array over the characters of ``text``: line break
    (``\\n``), indentation (a space with only spaces before it on its line), quote (' " `),
    keyword (a letter of a whole-word Python keyword), digit, capital letter, bracket (()[]{})."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"class_masks: text must be a non-empty str, got {text!r:.40}")
    chars = np.array(list(text))  # (n,)
    indent = np.zeros(len(text), dtype=bool)  # (n,)
    at_line_start = True
    for k, ch in enumerate(text):
        if ch == "\n":
            at_line_start = True
        elif ch == " " and at_line_start:
            indent[k] = True
        else:
            at_line_start = False
    kw = np.zeros(len(text), dtype=bool)  # (n,)
    for m in re.finditer(r"\b(" + "|".join(keyword.kwlist) + r")\b", text):
        kw[m.start():m.end()] = True
    return {"line break": chars == "\n", "indentation": indent, "quote": np.isin(chars, list("'\"`")),
            "keyword": kw, "digit": np.char.isdigit(chars), "capital letter": np.char.isupper(chars),
            "bracket": np.isin(chars, list("()[]{}"))}


def _ranks(scores):
    """Ranks (1 = smallest) of each column of ``scores`` (n, m), ties given their average rank."""
    n = scores.shape[0]
    order = np.argsort(scores, axis=0, kind="stable")  # (n, m)
    s = np.take_along_axis(scores, order, axis=0)  # (n, m), each column sorted
    idx = np.broadcast_to(np.arange(n)[:, None], s.shape)  # (n, m)
    first = np.ones(s.shape, dtype=bool)  # (n, m): a tie group starts here
    first[1:] = s[1:] != s[:-1]
    last = np.ones(s.shape, dtype=bool)  # (n, m): a tie group ends here
    last[:-1] = s[1:] != s[:-1]
    lo = np.maximum.accumulate(np.where(first, idx, 0), axis=0)  # (n, m)
    hi = np.minimum.accumulate(np.where(last, idx, n)[::-1], axis=0)[::-1]  # (n, m)
    ranks = np.empty(s.shape)  # (n, m)
    np.put_along_axis(ranks, order, (lo + hi) / 2.0 + 1.0, axis=0)
    return ranks


def _auc_from_ranks(ranks, mask):
    n1 = int(mask.sum())
    n0 = mask.size - n1
    if n1 == 0 or n0 == 0:
        raise ValueError(f"auc: the mask must hold both classes, got {n1} in and {n0} out")
    return (mask.astype(np.float64) @ ranks - n1 * (n1 + 1) / 2.0) / (n1 * n0)  # (m,)


def auc(scores, mask):
    """Area under the ROC curve of each column of ``scores`` (n, m) for telling ``mask`` (n,)
    from the rest: the chance that a random character of the class scores higher than a random
    other one (ties count half). 1: the class always scores higher; 0.5: no separation. (m,)"""
    scores = np.asarray(scores, dtype=np.float64)
    mask = np.asarray(mask)
    if scores.ndim != 2 or mask.shape != (scores.shape[0],) or mask.dtype != bool:
        raise ValueError(f"auc: scores must be (n, m) and mask a boolean (n,), got {scores.shape} and "
                         f"{mask.dtype} {mask.shape}")
    return _auc_from_ranks(_ranks(scores), mask)


def selectivity(states, masks=None):
    """For each class: an (n_layers, d_ff) array of every unit's AUC (``auc``) at telling the
    class's characters from the rest by its opening. Classes absent from the text are left out."""
    if not isinstance(states, States) or not states.text:
        raise ValueError("selectivity: states must be States recorded with their text (record(..., text=...))")
    masks = class_masks(states.text) if masks is None else masks
    masks = {name: m for name, m in masks.items() if 0 < m.sum() < m.size}
    ranks = [_ranks(g.astype(np.float64)) for g in states.opening]  # (n, d_ff) per layer
    return {name: np.stack([_auc_from_ranks(r, m) for r in ranks]) for name, m in masks.items()}  # (n_layers, d_ff)


def best_units(scores):
    """For each class, the unit whose opening separates it best: {class: (layer, unit, auc)}."""
    out = {}
    for name, s in scores.items():
        layer, unit = np.unravel_index(int(np.argmax(s)), s.shape)
        out[name] = (int(layer), int(unit), float(s[layer, unit]))
    return out


def top_contexts(states, layer, unit, k=5, before=24, after=4, seq_len=None):
    """Where unit ``unit`` of ``layer`` opens most: the ``k`` characters with the largest opening,
    each as ``(text before, the character, text after, opening)``. With ``seq_len``, the text before
    stops at the start of the character's window (what the model saw)."""
    if not isinstance(states, States) or not states.text:
        raise ValueError("top_contexts: states must be States recorded with their text")
    _check_unit("top_contexts", states, layer, unit)
    k = _validate.positive_int(k, "top_contexts", "k")
    before = _validate.integer(before, "top_contexts", "before")
    after = _validate.integer(after, "top_contexts", "after")
    if seq_len is not None:
        seq_len = _validate.positive_int(seq_len, "top_contexts", "seq_len")
    g = states.opening[layer][:, unit]  # (n,)
    k = min(k, g.size)
    top = np.argsort(-g, kind="stable")[:k]  # (k,)
    text = states.text
    out = []
    for t in top:
        lo = max(0, t - before) if seq_len is None else max(t - before, (t // seq_len) * seq_len)
        out.append((text[lo:t], text[t], text[t + 1:t + 1 + after], float(g[t])))
    return out


def _check_unit(func, states, layer, unit):
    for name, n, hi in (("layer", layer, states.n_layers), ("unit", unit, states.opening[0].shape[1])):
        _validate.integer(n, func, name, 0, hi)


# ---- which units matter ----
def _loss_per_row(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)  # (..., V)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))  # (..., V)
    return -np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]  # (...)


def ablate(params, config, tokens, targets, layer, how, units=None, chunk=32):
    """Held-out loss (nats per character) with one unit at a time changed in ``layer``, for each
    of ``units`` (all by default), and the unchanged loss: ``(losses (len(units),), base)``.

    ``how``: "opening at mean" holds act(a) at its mean over these tokens (h = mean * u, or
    h = mean when ungated); "opening at 1" opens the gate fully (h = u; gated only); "value at
    mean" holds u at its mean (h = act(a) * mean; gated only). Units are ablated ``chunk`` (a
    positive integer) at a time, stacked on the batch axis, through every later layer."""
    func = "ablate"
    tokens = _check_model(func, params, config, tokens)
    targets = model.check_tokens(func, targets, config, "targets")
    if targets.shape != tokens.shape:
        raise ValueError(f"{func}: targets must have the shape of tokens {tokens.shape}, got {targets.shape}")
    _validate.choice(how, ABLATIONS, func, "how")
    chunk = _validate.positive_int(chunk, func, "chunk")
    gated = config.variant not in BASELINES
    if how != "opening at mean" and not gated:
        raise ValueError(f"{func}: {config.variant} is ungated (no value); only how='opening at mean' applies")
    _validate.integer(layer, func, "layer", 0, config.n_layers)
    units = np.arange(config.d_ff) if units is None else np.asarray(units)
    if units.ndim != 1 or units.dtype.kind not in "iu" or units.size == 0 or units.min() < 0 \
            or units.max() >= config.d_ff:
        raise ValueError(f"{func}: units must be a non-empty 1-D array of integers in [0, {config.d_ff})")
    B, T = tokens.shape
    x = model.embed(params, tokens)  # (B, T, d)
    for i in range(layer):
        x = model.block(x, model.layer_params(params, i), config.n_heads, config.variant)
    rec = FFNRecord()
    y = model.block(x, model.layer_params(params, layer), config.n_heads, config.variant, record=rec)  # (B, T, d)
    opening, u, prod = rec.opening[0], rec.value[0], rec.product[0]  # (B*T, d_ff) each; u None when ungated
    W2 = params[f"{layer}.ffn.W2"]  # (d_ff, d)
    if how == "opening at mean":
        new = (opening.mean(axis=0) * u) if gated else np.broadcast_to(opening.mean(axis=0), prod.shape)
    elif how == "opening at 1":
        new = u
    else:
        new = opening * u.mean(axis=0)
    change = (new - prod)[:, units]  # (B*T, n_units)

    def rest(z):  # later layers, final norm, output: loss per character of z (k*B, T, d)
        for i in range(layer + 1, config.n_layers):
            z = model.block(z, model.layer_params(params, i), config.n_heads, config.variant)
        # one 2-D product: NumPy runs a 3-D @ 2-D one as a gemm per batch row, and a loaded
        # machine's BLAS threads turned that into 10 s a call (notebook 07 over a minute)
        n = model.rmsnorm(z, params["norm_f"])  # (k*B, T, d)
        logits = (n.reshape(-1, n.shape[-1]) @ params["W_out"]).reshape(*n.shape[:-1], -1)  # (k*B, T, V)
        return _loss_per_row(logits, np.tile(targets, (z.shape[0] // B, 1)))  # (k*B, T)

    base = float(rest(y).mean())
    losses = np.empty(units.size)  # (n_units,)
    for lo in range(0, units.size, chunk):
        c = change[:, lo:lo + chunk]  # (B*T, c)
        dy = c.T[:, :, None] * W2[units[lo:lo + chunk]][:, None, :]  # (c, B*T, d)
        z = (y[None] + dy.reshape(-1, B, T, y.shape[-1])).reshape(-1, T, y.shape[-1])  # (c*B, T, d)
        losses[lo:lo + chunk] = rest(np.ascontiguousarray(z, dtype=y.dtype)).reshape(-1, B * T).mean(axis=1)  # (c,)
    return losses, base


# ---- the ablation table: every unit of every saved model, computed once ----
#: The held-out characters the ablation table is measured on: windows from the passage's start.
ABLATION_WINDOWS = PASSAGE_WINDOWS  # the whole passage
ABLATION_FILE = "ablations.json"


def ablation_table(corpus, models_dir=None, variants=model.FFN_NAMES, n_windows=ABLATION_WINDOWS):
    """Every unit's loss change under every ablation that applies, for each saved model:
    {"n_windows", "seq_len", "text_sha256", "models": {variant: {"base": loss,
    "<how>": [[change per unit] per layer]}}}. Minutes of work: ``python -m glulib.microscope``
    writes it to data/models/ablations.json, which the notebook reads."""
    from . import checkpoints

    table = {"n_windows": int(n_windows), "text_sha256": corpus.sha256, "models": {}}
    for v in variants:
        params, config = checkpoints.load_model(v, models_dir=models_dir)
        tokens, targets = passage(corpus, 0, n_windows, config.seq_len)
        table["seq_len"] = config.seq_len
        entry = {}
        for how in ABLATIONS if v not in BASELINES else ABLATIONS[:1]:
            rows = []
            for layer in range(config.n_layers):
                losses, base = ablate(params, config, tokens, targets, layer, how)
                rows.append([round(float(x - base), 7) for x in losses])
            entry[how] = rows
        entry["base"] = base
        table["models"][v] = entry
    return table


def load_ablations(path=None):
    """The committed ablation table (``ablation_table``), as {variant: {how: (n_layers, d_ff) array,
    "base": loss}} plus its settings."""
    from . import checkpoints

    import json

    path = checkpoints.MODELS_DIR / ABLATION_FILE if path is None else path
    if not path.is_file():
        raise FileNotFoundError(f"load_ablations: {path} is missing; rebuild it with `python -m glulib.microscope`")
    table = json.loads(path.read_text(encoding="utf-8"))
    for v, entry in table["models"].items():
        for how in ABLATIONS:
            if how in entry:
                entry[how] = np.array(entry[how])  # (n_layers, d_ff)
    return table


def main():
    """Write data/models/ablations.json from the saved models."""
    import json

    from . import checkpoints

    table = ablation_table(textdata.load_corpus())
    checkpoints.write_atomic(checkpoints.MODELS_DIR / ABLATION_FILE, (json.dumps(table) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()


# ---- nulls: what the scores reach without training, or for positions drawn at random ----
def untrained_copy(config, seed=0):
    """The parameters a model with ``config`` started from before training with ``seed``: drawn by
    ``model.init_params`` from the first of the two streams ``glulib.train`` spawns from the seed
    (the second orders the batches). An untrained copy of the same model, for a baseline."""
    if not isinstance(config, model.ModelConfig) or config.vocab_size is None:
        raise TypeError(f"untrained_copy: config must be a glulib.model.ModelConfig with vocab_size set, "
                        f"got {config!r:.60}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"untrained_copy: seed must be a non-negative integer, got {seed!r}")
    init_seq, _ = np.random.SeedSequence(int(seed)).spawn(2)
    return model.init_params(config, np.random.default_rng(init_seq))


def _check_size(func, size, n):
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size < n:
        raise ValueError(f"{func}: size must be an integer in [1, {n}), got {size!r}")
    return int(size)


def random_set_aucs(states, size, n_sets=100, rng=None):
    """For ``n_sets`` sets of ``size`` positions of the passage drawn at random (no class behind
    them), the best AUC any unit reaches at telling the set from the rest: (n_sets,). What the
    best-of-all-units score gives for a "class" of that size by chance."""
    func = "random_set_aucs"
    if not isinstance(states, States):
        raise TypeError(f"{func}: states must be glulib.microscope.States (record), got {type(states).__name__}")
    n = states.opening[0].shape[0]
    size = _check_size(func, size, n)
    if isinstance(n_sets, bool) or not isinstance(n_sets, (int, np.integer)) or n_sets < 1:
        raise ValueError(f"{func}: n_sets must be a positive integer, got {n_sets!r}")
    rng = np.random.default_rng(0) if rng is None else rng
    return _random_set_aucs([_ranks(g.astype(np.float64)) for g in states.opening], size, n_sets, rng)


def _random_set_aucs(ranks, size, n_sets, rng):
    n = ranks[0].shape[0]
    out = np.empty(n_sets)  # (n_sets,)
    for k in range(n_sets):
        idx = rng.choice(n, size, replace=False)  # (size,) the set's positions
        rank_sum = max(float(r[idx].sum(axis=0).max()) for r in ranks)  # the best unit's rank sum
        out[k] = (rank_sum - size * (size + 1) / 2.0) / (size * (n - size))
    return out


def _window_pair_counts(g, mask, window, n_windows):
    """C[p, q]: over the class's characters in window p and the other characters in window q, the
    pairs the opening g orders correctly (ties half). With window weights w (how often a bootstrap
    draws each window), the AUC is w C w / ((w n1)(w n0))."""
    C = np.zeros((n_windows, n_windows))  # (n_windows, n_windows)
    pos, pos_win = g[mask], window[mask]  # (n1,)
    for q in range(n_windows):
        neg = np.sort(g[~mask & (window == q)])  # (n0 in window q,)
        below = np.searchsorted(neg, pos, "left") + 0.5 * (np.searchsorted(neg, pos, "right")
                                                           - np.searchsorted(neg, pos, "left"))  # (n1,)
        C[:, q] = np.bincount(pos_win, weights=below, minlength=n_windows)
    return C


def _bootstrap_best_auc(states, scores, mask, window, weights, k):
    """The best AUC among the ``k`` units that score best on the whole passage, under each row of
    window ``weights`` (n_boot, n_windows): (n_boot,), NaN where a draw holds no character of the class."""
    n_windows = weights.shape[1]
    n1 = np.bincount(window[mask], minlength=n_windows)  # (n_windows,)
    n0 = np.bincount(window[~mask], minlength=n_windows)  # (n_windows,)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = (weights @ n1) * (weights @ n0)  # (n_boot,)
        best = np.full(weights.shape[0], -np.inf)  # (n_boot,)
        for flat in np.argsort(-scores.ravel(), kind="stable")[:k]:
            layer, unit = np.unravel_index(flat, scores.shape)
            C = _window_pair_counts(states.opening[layer][:, unit].astype(np.float64), mask, window, n_windows)
            best = np.maximum(best, ((weights @ C) * weights).sum(axis=1) / denom)  # w C w per draw
    return np.where(denom > 0, best, np.nan)


def null_comparison(trained, untrained, seq_len, n_sets=100, n_boot=1000, k=8, level=0.95, rng=None):
    """Each class's best unit in the ``trained`` States beside its nulls on the same passage:
    {class: {"auc", "untrained" (the untrained copy's best AUC for the class), "random" (the
    ``level`` quantile of ``random_set_aucs`` for sets of the class's size, in the trained model),
    "gain" (auc - untrained), "gain_low", "gain_high" (a ``level`` bootstrap interval of the gain)}}.

    The interval resamples the passage's windows of ``seq_len`` characters with replacement (the
    characters of one window are not independent) and, in each draw, picks the best unit again in
    both models among the ``k`` that score best on the whole passage, so that the luck of choosing
    the best of many units is in the interval too; draws with no character of the class are left out.
    """
    func = "null_comparison"
    for name, s in (("trained", trained), ("untrained", untrained)):
        if not isinstance(s, States) or not s.text:
            raise ValueError(f"{func}: {name} must be States recorded with their text (record(..., text=...))")
    if trained.text != untrained.text:
        raise ValueError(f"{func}: trained and untrained must be recorded on the same passage")
    n = len(trained.text)
    if isinstance(seq_len, bool) or not isinstance(seq_len, (int, np.integer)) or seq_len < 1 or n % seq_len:
        raise ValueError(f"{func}: seq_len must be a positive integer dividing the passage's {n} characters, "
                         f"got {seq_len!r}")
    level = _validate.real_scalar(level, func, "level")
    if not 0 < level < 1:
        raise ValueError(f"{func}: level must lie in (0, 1), got {level}")
    for name, v in (("n_boot", n_boot), ("k", k)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{func}: {name} must be a positive integer, got {v!r}")
    rng = np.random.default_rng(0) if rng is None else rng
    n_windows = n // seq_len
    window = np.repeat(np.arange(n_windows), seq_len)  # (n,) the window of each character
    weights = rng.multinomial(n_windows, np.full(n_windows, 1.0 / n_windows), size=n_boot).astype(np.float64)  # (n_boot, n_windows)
    masks = {c: m for c, m in class_masks(trained.text).items() if 0 < m.sum() < m.size}
    ranks = [[_ranks(g.astype(np.float64)) for g in s.opening] for s in (trained, untrained)]  # (n, d_ff) per layer
    scores = [{c: np.stack([_auc_from_ranks(r, m) for r in rs]) for c, m in masks.items()} for rs in ranks]
    out = {}
    for c in scores[0]:
        gain = _bootstrap_best_auc(trained, scores[0][c], masks[c], window, weights, k) \
            - _bootstrap_best_auc(untrained, scores[1][c], masks[c], window, weights, k)  # (n_boot,)
        gain = gain[~np.isnan(gain)]
        best, base = float(scores[0][c].max()), float(scores[1][c].max())
        lo, hi = np.quantile(gain, [(1 - level) / 2, (1 + level) / 2])
        out[c] = {"auc": best, "untrained": base, "gain": best - base, "gain_low": float(lo), "gain_high": float(hi),
                  "random": float(np.quantile(_random_set_aucs(ranks[0], int(masks[c].sum()), n_sets, rng), level))}
    return out
