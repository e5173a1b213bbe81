"""A small decoder-only Transformer whose FFN is any of the eight in Shazeer (2020), Table 1.

    tokens (B, T) -> embed -> n_layers x block -> rmsnorm -> W_out -> logits (B, T, vocab)
    block(x) = h + ffn(rmsnorm(h)),   h = x + attention(rmsnorm(x))       (pre-norm, residual)

Every layer is a pair: the forward returns its output and what the backward needs (a
cache), and the backward sits right below it. The public ``rmsnorm``/``attention``/``block``
functions and their ``*_backward`` twins take plain arrays so that ``glulib.gradcheck``
can test each one; ``loss_and_grads`` runs the whole model. The FFN computes ``glulib.ffn`` and
``glulib.ffn_backward``'s numbers (the same fused gate kernels); its width comes from ``matched_d_ff`` so
that all eight variants have the same number of parameters.

Speed (a training step at the experiment's size is faster than the same model in PyTorch
eager, bench/bench_training.py): the layers of the whole model run in the arrays' own dtype
(float32 in training) with no copies of the parameters; the four attention projections are
two matmuls (q, k, v from one ``x @ [Wq | Wk | Wv]``); the causal softmax and its backward, the
RMSNorms of the model and the embedding's gradient are small Numba kernels (one pass, no
temporaries, in ``glulib.fast.training``); the FFN keeps its pre-activations from the forward pass for the backward instead
of computing them again. The public layer functions compute the same numbers.

Parameters live in one flat dict of arrays, ``"tok_emb"``, ``"pos_emb"``, per layer
``"0.norm1"``, ``"0.Wq"``, ``"0.Wk"``, ``"0.Wv"``, ``"0.Wo"``, ``"0.norm2"``, ``"0.ffn.W"``,
``"0.ffn.V"`` (gated only), ``"0.ffn.W2"``, then ``"norm_f"`` and ``"W_out"``
(``param_shapes`` lists them with their shapes; ``forward`` checks them).
"""

import math
from dataclasses import asdict, dataclass

import numpy as np

from . import _validate
from .codes import CODES
from .elementwise import fused_activate, fused_activate_grad, fused_backward, fused_forward
from .feedforward import BASELINES, FFNS, VARIANTS, init_ffn, matched_d_ff
from .fast import training as kernels
from .recording import FFNRecord

#: The eight FFNs, in the order of Shazeer (2020), Table 1.
FFN_NAMES = ("relu", "gelu", "swish", "glu", "bilinear", "geglu", "swiglu", "reglu")
RMS_EPS = kernels.RMS_EPS


@dataclass(frozen=True)
class ModelConfig:
    """Sizes of the model. ``d_ff_baseline`` is the ungated width; gated FFNs get 2/3 of it.

    ``vocab_size`` may stay None in a training preset (``glulib.train.TrainConfig.model``):
    the text sets it. Building or running a model needs it.
    """

    vocab_size: int | None = None
    variant: str = "relu"
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    seq_len: int = 64
    d_ff_baseline: int = 192

    def __post_init__(self):
        func = "ModelConfig"
        _validate.choice(self.variant, {**BASELINES, **VARIANTS}, func, "variant")
        for name in ("vocab_size", "d_model", "n_layers", "n_heads", "seq_len", "d_ff_baseline"):
            if getattr(self, name) is not None or name != "vocab_size":
                _validate.positive_int(getattr(self, name), func, name)
        if self.d_model % self.n_heads:
            raise ValueError(f"{func}: d_model = {self.d_model} must be a multiple of n_heads = {self.n_heads}")

    @property
    def d_ff(self):
        """The FFN width of this variant: d_ff_baseline, or 2/3 of it when gated."""
        return matched_d_ff(self.d_ff_baseline, self.variant)

    def replace(self, **changes):
        """A copy with some fields changed (checked like a new config)."""
        unknown = sorted(set(changes) - set(asdict(self)))
        if unknown:
            raise ValueError(f"ModelConfig.replace: unknown fields {unknown}; the fields are {list(asdict(self))}")
        return ModelConfig(**{**asdict(self), **changes})


def check_config(func, config):
    """``config`` must be a ModelConfig with its vocabulary size set (the model's input checks,
    ``check_config``, ``check_params`` and ``check_tokens``, serve ``glulib.microscope`` too)."""
    if not isinstance(config, ModelConfig):
        raise TypeError(f"{func}: config must be a ModelConfig, got {type(config).__name__}")
    if config.vocab_size is None:
        raise ValueError(f"{func}: config.vocab_size is None; set it from the text, "
                         f"e.g. config.replace(vocab_size=corpus.vocab_size)")
    return config


def param_shapes(config):
    """The name and shape of every parameter of a model with ``config``, in the order of ``init_params``."""
    config = check_config("param_shapes", config)
    d, V, T = config.d_model, config.vocab_size, config.seq_len
    ffn_names = ("W", "V", "W2") if config.variant in VARIANTS else ("W", "W2")
    ffn_shapes = {"W": (d, config.d_ff), "V": (d, config.d_ff), "W2": (config.d_ff, d)}
    shapes = {"tok_emb": (V, d), "pos_emb": (T, d)}
    for i in range(config.n_layers):
        shapes[f"{i}.norm1"] = (d,)
        shapes.update({f"{i}.{name}": (d, d) for name in ("Wq", "Wk", "Wv", "Wo")})
        shapes[f"{i}.norm2"] = (d,)
        shapes.update({f"{i}.ffn.{name}": ffn_shapes[name] for name in ffn_names})
    shapes["norm_f"] = (d,)
    shapes["W_out"] = (d, V)
    return shapes


def init_params(config, rng, dtype=np.float32):
    """Initial parameters: N(0, 1/fan_in) weights, residual outputs scaled by 1/sqrt(2 n_layers)."""
    check_config("init_params", config)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"init_params: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    dtype = np.dtype(dtype)
    d, V, T = config.d_model, config.vocab_size, config.seq_len
    depth = np.sqrt(2.0 * config.n_layers)

    def normal(shape, std):
        return (rng.standard_normal(shape) * std).astype(dtype)

    params = {"tok_emb": normal((V, d), 0.1), "pos_emb": normal((T, d), 0.1)}  # (V, d), (T, d)
    for i in range(config.n_layers):
        params[f"{i}.norm1"] = np.ones(d, dtype=dtype)  # (d,)
        for name in ("Wq", "Wk", "Wv"):
            params[f"{i}.{name}"] = normal((d, d), 1.0 / np.sqrt(d))  # (d, d)
        params[f"{i}.Wo"] = normal((d, d), 1.0 / np.sqrt(d) / depth)  # (d, d)
        params[f"{i}.norm2"] = np.ones(d, dtype=dtype)  # (d,)
        ffn_params = init_ffn(d, config.d_ff, config.variant, rng, dtype=dtype)  # W, V, W2
        ffn_params["W2"] = (ffn_params["W2"] / depth).astype(dtype)
        params.update({f"{i}.ffn.{k}": v for k, v in ffn_params.items()})
    params["norm_f"] = np.ones(d, dtype=dtype)  # (d,)
    params["W_out"] = normal((d, V), 0.5 / np.sqrt(d))  # (d, V)
    return params


def count_params(params_or_config):
    """Total number of scalars in a parameter dict, or in the model a ModelConfig describes
    (counted from ``param_shapes``, without drawing any weights)."""
    if isinstance(params_or_config, ModelConfig):
        return sum(math.prod(shape) for shape in param_shapes(params_or_config).values())
    if not isinstance(params_or_config, dict):
        raise TypeError(f"count_params: expected a dict of arrays or a ModelConfig, "
                        f"got {type(params_or_config).__name__}")
    return int(sum(np.asarray(a).size for a in params_or_config.values()))


# ---- RMSNorm: y = g * x / rms(x), rms(x) = sqrt(mean(x^2) + eps) over the last axis ----
def _rmsnorm_forward(x, g):
    r = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + RMS_EPS)  # (..., 1)
    xhat = x * r  # (..., d)
    return xhat * g, (xhat, r, g)


def _rmsnorm_backward(dy, cache):
    xhat, r, g = cache
    dg = np.sum((dy * xhat).reshape(-1, xhat.shape[-1]), axis=0)  # (d,)
    dxhat = dy * g  # (..., d)
    dx = r * (dxhat - xhat * np.mean(dxhat * xhat, axis=-1, keepdims=True))  # (..., d)
    return dx, dg


def rmsnorm(x, g=None):
    """RMSNorm of ``x`` (..., d) with gain ``g`` (d,); without ``g``, the gain is 1
    (``glulib.backward`` normalises that way)."""
    return _rmsnorm_forward(x, _gain(x, g))[0]


def rmsnorm_backward(dy, x, g=None):
    """Gradients of ``rmsnorm``: {"x"}, and "g" when a gain is given. ``dy`` may carry extra
    leading axes (k, ..., d): k gradients pulled back through the same normalisation."""
    dx, dg = _rmsnorm_backward(dy, _rmsnorm_forward(x, _gain(x, g))[1])
    return {"x": dx} if g is None else {"x": dx, "g": dg}


def _gain(x, g):
    return np.ones(np.shape(x)[-1], dtype=np.asarray(x).dtype) if g is None else g


# ---- causal multi-head self-attention: softmax(q k^T / sqrt(d_head) + mask) v, then Wo ----
def _attention_forward(x, Wq, Wk, Wv, Wo, n_heads):
    B, T, d = x.shape
    H, dh = n_heads, d // n_heads
    scale = 1.0 / math.sqrt(dh)
    W = np.concatenate((Wq, Wk, Wv), axis=1)  # (d, 3d)
    x2 = x.reshape(-1, d)  # (B*T, d)
    qkv = np.ascontiguousarray((x2 @ W).reshape(B, T, 3, H, dh).transpose(2, 0, 3, 1, 4))  # (3, B, H, T, dh)
    q, k, v = qkv.reshape(3, B * H, T, dh)  # (B*H, T, dh) each
    p = q @ k.transpose(0, 2, 1)  # (B*H, T, T): scores, then probabilities in place
    kernels.causal_softmax(p, scale)
    o = (p @ v).reshape(B, H, T, dh).transpose(0, 2, 1, 3).reshape(B * T, d)  # (B*T, d)
    y = (o @ Wo).reshape(B, T, d)  # (B, T, d)
    return y, (x2, q, k, v, p, o, scale, W, Wo, H)


def _attention_backward(dy, cache):
    x2, q, k, v, p, o, scale, W, Wo, H = cache
    BH, T, dh = q.shape
    B, d = BH // H, H * dh
    dy2 = dy.reshape(-1, d)  # (B*T, d)
    dWo = o.T @ dy2  # (d, d)
    do = np.ascontiguousarray((dy2 @ Wo.T).reshape(B, T, H, dh).transpose(0, 2, 1, 3)).reshape(BH, T, dh)
    dqkv = np.empty((B, T, 3, H, dh), dtype=q.dtype)  # (B, T, 3, H, dh): dq, dk, dv side by side
    heads = dqkv.transpose(2, 0, 3, 1, 4)  # (3, B, H, T, dh) view
    heads[2] = (p.transpose(0, 2, 1) @ do).reshape(B, H, T, dh)  # dv
    dp = do @ v.transpose(0, 2, 1)  # (B*H, T, T), then the scores' gradient in place
    kernels.causal_softmax_backward_kernel(dp, p, scale)
    heads[0] = (dp @ k).reshape(B, H, T, dh)  # dq
    heads[1] = (dp.transpose(0, 2, 1) @ q).reshape(B, H, T, dh)  # dk
    dqkv = dqkv.reshape(B * T, 3 * d)  # (B*T, 3d)
    dW = x2.T @ dqkv  # (d, 3d)
    grads = {"Wq": dW[:, :d], "Wk": dW[:, d:2 * d], "Wv": dW[:, 2 * d:], "Wo": dWo}  # (d, d) each
    dx = (dqkv @ W.T).reshape(B, T, d)  # (B, T, d)
    return dx, grads


def attention(x, params, n_heads):
    """Causal self-attention of ``x`` (B, T, d); ``params`` holds Wq, Wk, Wv, Wo (d, d)."""
    return _attention_forward(x, params["Wq"], params["Wk"], params["Wv"], params["Wo"], n_heads)[0]


def attention_backward(dy, x, params, n_heads):
    """Gradients of ``attention``: {"x", "Wq", "Wk", "Wv", "Wo"}."""
    _, cache = _attention_forward(x, params["Wq"], params["Wk"], params["Wv"], params["Wo"], n_heads)
    dx, grads = _attention_backward(dy, cache)
    return {"x": dx, **grads}


# ---- the FFN inside the model: glulib.ffn's numbers, its pre-activations kept for the backward ----
_ONES = {}


def _ones(n, dtype):
    """A read-only flat array of n ones, kept per (n, dtype), made once instead of at every call."""
    key = (n, np.dtype(dtype))
    if key not in _ONES:
        if len(_ONES) > 16:
            _ONES.clear()
        _ONES[key] = np.ones(n, dtype=dtype)
        _ONES[key].flags.writeable = False
    return _ONES[key]


def _ffn_forward(x, W, V, W2, variant, training=False, record=None):
    """``glulib.ffn(x, {"W", "V", "W2"}, variant)`` for x (n, d) of the parameters' dtype; V is
    None for an ungated FFN. Returns the output (n, d) and the cache ``_ffn_backward`` needs.
    ``training``: an ungated FFN computes act'(a) with act(a), so that its backward is one
    multiplication. ``record`` (an ``FFNRecord``) is handed this layer's gate input, opening,
    value, product and output."""
    code = CODES[FFNS[variant]]
    a = x @ W  # (n, d_ff): the gate input (the hidden layer's pre-activation when ungated)
    h = np.empty_like(a)  # (n, d_ff): the product act(a) u, or act(a) when ungated
    value = None  # (n, d_ff) x V; an ungated FFN has none
    dact = None  # (n, d_ff) act'(a), kept by an ungated FFN in training
    if V is None and training:
        # one pass for act(a) and act'(a): the gated backward with dout = value = 1 gives both
        dact = np.empty_like(a)
        ones = _ones(a.size, a.dtype)
        fused_backward(ones, ones, a.reshape(-1), h.reshape(-1), dact.reshape(-1), code, 1.0)
    elif V is None:
        fused_activate(a.reshape(-1), h.reshape(-1), code, 1.0)  # h = act(a)
    else:
        value = x @ V
        fused_forward(value.reshape(-1), a.reshape(-1), h.reshape(-1), code, 1.0)
    y = h @ W2  # (n, d)
    if record is not None:
        opening = h if V is None else np.empty_like(a)  # (n, d_ff) act(a)
        if V is not None:
            fused_activate(a.reshape(-1), opening.reshape(-1), code, 1.0)
        record.add(a, opening, value, h, y)
    return y, (x, a, value, dact, h, W, V, W2, code)


def _ffn_backward(dy, cache):
    """``glulib.ffn_backward``'s gradients {"x", "W", "V" (gated), "W2"} from the kept cache."""
    x, a, value, dact, h, W, V, W2, code = cache
    dh = dy @ W2.T  # (n, d_ff)
    grads = {"W2": h.T @ dy}  # (d_ff, d)
    da = np.empty_like(a)  # (n, d_ff)
    if V is None:
        if dact is None:
            fused_activate_grad(a.reshape(-1), da.reshape(-1), code, 1.0)  # act'(a)
            dact = da
        np.multiply(dh, dact, out=da)  # da = dh act'(a)
        dx = da @ W.T  # (n, d)
    else:
        du = np.empty_like(value)  # (n, d_ff)
        fused_backward(dh.reshape(-1), value.reshape(-1), a.reshape(-1), du.reshape(-1), da.reshape(-1), code, 1.0)
        grads["V"] = x.T @ du  # (d, d_ff)
        dx = da @ W.T + du @ V.T  # (n, d)
    grads["W"] = x.T @ da  # (d, d_ff)
    grads["x"] = dx
    return grads


# ---- one pre-norm block: h = x + attention(rmsnorm(x)); y = h + ffn(rmsnorm(h)) ----
def _block_forward(x, layer, n_heads, variant, training=False, record=None):
    B, T, d = x.shape
    attn_in, norm1_cache = kernels.rmsnorm_rows(x, layer["norm1"])  # (B, T, d)
    attn_out, attn_cache = _attention_forward(attn_in, layer["Wq"], layer["Wk"], layer["Wv"], layer["Wo"],
                                              n_heads)
    h = x + attn_out  # (B, T, d)
    ffn_in, norm2_cache = kernels.rmsnorm_rows(h, layer["norm2"])  # (B, T, d)
    ffn_out, ffn_cache = _ffn_forward(ffn_in.reshape(-1, d), layer["ffn.W"], layer.get("ffn.V"), layer["ffn.W2"],
                                      variant, training, record)  # (B*T, d)
    y = h + ffn_out.reshape(B, T, d)  # (B, T, d)
    return y, (norm1_cache, attn_cache, norm2_cache, ffn_cache)


def _block_backward(dy, cache):
    norm1_cache, attn_cache, norm2_cache, ffn_cache = cache
    B, T, d = dy.shape
    ffn_grads = _ffn_backward(dy.reshape(-1, d), ffn_cache)  # dict, "x": (B*T, d)
    dh_from_ffn, dnorm2 = kernels.rmsnorm_rows_backward(ffn_grads.pop("x").reshape(B, T, d), norm2_cache)  # (B, T, d)
    dh = dy + dh_from_ffn  # (B, T, d): the residual path plus the FFN path
    dattn_in, attn_grads = _attention_backward(dh, attn_cache)  # (B, T, d), dict of (d, d)
    dx_from_attn, dnorm1 = kernels.rmsnorm_rows_backward(dattn_in, norm1_cache)  # (B, T, d)
    dx = dh + dx_from_attn  # (B, T, d)
    grads = {"norm1": dnorm1, **attn_grads, "norm2": dnorm2,
             **{f"ffn.{k}": v for k, v in ffn_grads.items()}}
    return dx, grads


def block(x, params, n_heads, variant, record=None):
    """One Transformer block on ``x`` (B, T, d); ``params`` keys as in a layer without its "i." prefix
    (``layer_params``). ``record``: an ``FFNRecord`` that the FFN hands its arrays to."""
    return _block_forward(x, params, n_heads, variant, record=_check_record("block", record))[0]


def block_backward(dy, x, params, n_heads, variant):
    """Gradients of ``block``: {"x", and one entry per entry of params}."""
    dx, grads = _block_backward(dy, _block_forward(x, params, n_heads, variant)[1])
    return {"x": dx, **grads}


# ---- the whole model: embeddings, blocks, final norm, output projection, cross-entropy ----
def check_tokens(func, tokens, config, name="tokens"):
    """``tokens`` as an integer array (batch, T) of ids in [0, vocab_size), 1 <= T <= seq_len."""
    tokens = np.asarray(tokens)
    if tokens.dtype.kind not in "iu":
        raise TypeError(f"{func}: {name} must be integer token ids, got dtype {tokens.dtype}")
    if tokens.ndim != 2 or tokens.shape[1] > config.seq_len or tokens.shape[1] < 1:
        raise ValueError(f"{func}: {name} must have shape (batch, T) with 1 <= T <= seq_len = "
                         f"{config.seq_len}, got {tokens.shape}")
    if tokens.size and (tokens.min() < 0 or tokens.max() >= config.vocab_size):
        raise ValueError(f"{func}: {name} must lie in [0, vocab_size = {config.vocab_size}), "
                         f"got range [{tokens.min()}, {tokens.max()}]")
    return tokens


def _check_record(func, record):
    if record is not None and not isinstance(record, FFNRecord):
        raise TypeError(f"{func}: record must be a glulib.recording.FFNRecord or None, got {type(record).__name__}")
    return record


def layer_params(params, i):
    """Layer ``i``'s parameters with the "i." prefix removed (the keys ``block`` takes)."""
    prefix = f"{i}."
    return {k.removeprefix(prefix): v for k, v in params.items() if k.startswith(prefix)}


def check_params(func, params, config):
    """``params`` must hold exactly the arrays of ``param_shapes(config)``, of one float dtype."""
    if not isinstance(params, dict):
        raise TypeError(f"{func}: params must be a dict of arrays (init_params), got {type(params).__name__}")
    shapes = param_shapes(config)
    missing, extra = sorted(set(shapes) - set(params)), sorted(set(params) - set(shapes))
    if missing or extra:
        raise ValueError(f"{func}: params do not match the config ({config.variant}, {config.n_layers} layers): "
                         f"missing {missing}, unexpected {extra}")
    dtypes = set()
    for name, shape in shapes.items():
        a = params[name]
        if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
            raise TypeError(f"{func}: params[{name!r}] must be a float32 or float64 array, "
                            f"got {type(a).__name__} {getattr(a, 'dtype', '')}")
        if a.shape != shape:
            raise ValueError(f"{func}: params[{name!r}] must have shape {shape} for this config "
                             f"(d_model = {config.d_model}, vocab_size = {config.vocab_size}, "
                             f"seq_len = {config.seq_len}, d_ff = {config.d_ff}), got {a.shape}")
        dtypes.add(a.dtype)
    if len(dtypes) > 1:
        raise TypeError(f"{func}: params must all have one dtype, got {sorted(str(t) for t in dtypes)}")


def forward(params, tokens, config, training=False, record=None):
    """Logits (B, T, vocab) for ``tokens`` (B, T), and the cache ``backward`` needs.
    ``training=True`` (``loss_and_grads``) also keeps what makes the backward faster.
    ``record``: an ``FFNRecord`` (``glulib.recording``) that each layer's FFN hands its gate
    input, opening, value, product and output to, rows in reading order (window by window)."""
    check_config("forward", config)
    check_params("forward", params, config)
    tokens = check_tokens("forward", tokens, config)
    record = _check_record("forward", record)
    x = _embed_forward(tokens, params["tok_emb"], params["pos_emb"])  # (B, T, d)
    caches = []
    for i in range(config.n_layers):
        x, c = _block_forward(x, layer_params(params, i), config.n_heads, config.variant, training, record)
        caches.append(c)
    xn, norm_f = kernels.rmsnorm_rows(x, params["norm_f"])  # (B, T, d)
    logits = xn @ params["W_out"]  # (B, T, V)
    return logits, (tokens, caches, xn, norm_f)


def backward(dlogits, params, cache, config):
    """Gradients of sum(logits * dlogits) for every parameter (same keys as ``params``)."""
    check_config("backward", config)
    tokens, caches, xn, norm_f = cache
    d = xn.shape[-1]
    if np.shape(dlogits) != xn.shape[:-1] + (config.vocab_size,):
        raise ValueError(f"backward: dlogits must have the shape of the logits {xn.shape[:-1] + (config.vocab_size,)}, "
                         f"got {np.shape(dlogits)}")
    grads = {"W_out": xn.reshape(-1, d).T @ dlogits.reshape(-1, dlogits.shape[-1])}  # (d, V)
    dx, grads["norm_f"] = kernels.rmsnorm_rows_backward(dlogits @ params["W_out"].T, norm_f)  # (B, T, d)
    for i in reversed(range(config.n_layers)):
        dx, g = _block_backward(dx, caches[i])
        grads.update({f"{i}.{k}": v for k, v in g.items()})
    grads["tok_emb"], grads["pos_emb"] = kernels.embed_backward(dx, tokens, params["tok_emb"], params["pos_emb"])
    return {k: grads[k] for k in params}


# ---- embeddings: x = tok_emb[tokens] + pos_emb[:T], and the gradients of both tables ----
def _embed_forward(tokens, tok_emb, pos_emb):
    return tok_emb[tokens] + pos_emb[:tokens.shape[1]]  # (B, T, d)


def embed(params, tokens):
    """The input of the first block for checked ``tokens`` (B, T): token plus position embedding (B, T, d)."""
    return _embed_forward(tokens, params["tok_emb"], params["pos_emb"])


# ---- cross-entropy in nats per token, with its gradient ----
def _cross_entropy(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)  # (B, T, V)
    logsumexp = np.log(np.exp(z).sum(axis=-1, keepdims=True))  # (B, T, 1)
    logp = z - logsumexp  # (B, T, V)
    picked = np.take_along_axis(logp, targets[..., None], axis=-1)  # (B, T, 1)
    return -float(picked.mean()), logp


def _cross_entropy_backward(logp, targets):
    dlogits = np.exp(logp)  # (B, T, V): softmax
    np.put_along_axis(dlogits, targets[..., None], np.take_along_axis(dlogits, targets[..., None], -1) - 1, -1)
    return dlogits / logp.dtype.type(targets.size)


def _logits_and_targets(func, params, tokens, targets, config, training=False):
    check_config(func, config)
    targets = check_tokens(func, targets, config, "targets")
    logits, cache = forward(params, tokens, config, training)  # (B, T, V)
    if targets.shape != logits.shape[:2]:
        raise ValueError(f"{func}: targets must have the shape of tokens {logits.shape[:2]}, got {targets.shape}")
    return logits, targets, cache


def loss(params, tokens, targets, config):
    """Mean cross-entropy (nats per token) of predicting ``targets`` (B, T) from ``tokens``."""
    logits, targets, _ = _logits_and_targets("loss", params, tokens, targets, config)
    return _cross_entropy(logits, targets)[0]


def loss_and_grads(params, tokens, targets, config):
    """The loss and its gradient for every parameter."""
    logits, targets, cache = _logits_and_targets("loss_and_grads", params, tokens, targets, config, training=True)
    value, dlogits = kernels.cross_entropy_and_grad(logits, targets)
    return value, backward(dlogits, params, cache, config)


def generate(params, config, prompt, n_new, rng, temperature=1.0):
    """``n_new`` tokens sampled from the model after ``prompt`` (1-D token ids, at least one):
    an int32 array (n_new,)."""
    check_config("generate", config)
    check_params("generate", params, config)
    n_new = _validate.integer(n_new, "generate", "n_new")
    prompt = np.asarray(prompt)
    if prompt.ndim != 1 or prompt.size < 1:
        raise ValueError(f"generate: prompt must be a 1-D array of at least one token id, got shape {prompt.shape}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"generate: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    temperature = _validate.real_scalar(temperature, "generate", "temperature")
    if temperature <= 0:
        raise ValueError(f"generate: temperature must be positive, got {temperature}")
    ids = list(check_tokens("generate", prompt.reshape(1, -1)[:, -config.seq_len:], config, "prompt")[0])
    for _ in range(n_new):
        window = np.asarray(ids[-config.seq_len:])[None, :]  # (1, T)
        logits, _ = forward(params, window, config)
        z = logits[0, -1].astype(np.float64) / temperature  # (V,)
        if not np.all(np.isfinite(z)):
            raise FloatingPointError("generate: the model's logits are not finite (diverged parameters?)")
        prob = np.exp(z - z.max())  # (V,)
        ids.append(int(rng.choice(z.size, p=prob / prob.sum())))
    return np.asarray(ids[-n_new:] if n_new else [], dtype=np.int32)
