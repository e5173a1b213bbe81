"""A small decoder-only Transformer whose FFN is any of the eight in Shazeer (2020), Table 1.

    tokens (B, T) -> embed -> n_layers x block -> rmsnorm -> W_out -> logits (B, T, vocab)
    block(x) = h + ffn(rmsnorm(h)),   h = x + attention(rmsnorm(x))       (pre-norm, residual)

Every layer is a pair: the forward returns its output and what the backward needs (a
cache), and the backward sits right below it. The public ``rmsnorm``/``attention``/``block``
functions and their ``*_backward`` twins take plain arrays so that ``glulib.gradcheck``
can test each one; ``loss_and_grads`` runs the whole model. The FFN is ``glulib.ffn`` and
``glulib.ffn_backward`` (the fused gate kernels); its width comes from ``matched_d_ff`` so
that all eight variants have the same number of parameters.

Parameters live in one flat dict of arrays, ``"tok_emb"``, ``"pos_emb"``, per layer
``"0.norm1"``, ``"0.Wq"``, ``"0.Wk"``, ``"0.Wv"``, ``"0.Wo"``, ``"0.norm2"``, ``"0.ffn.W"``,
``"0.ffn.V"`` (gated only), ``"0.ffn.W2"``, then ``"norm_f"`` and ``"W_out"``.
"""

from dataclasses import asdict, dataclass

import numpy as np

from . import _validate
from .feedforward import BASELINES, VARIANTS, ffn, ffn_backward, init_ffn, matched_d_ff

#: The eight FFNs, in the order of Shazeer (2020), Table 1.
FFN_NAMES = ("relu", "gelu", "swish", "glu", "bilinear", "geglu", "swiglu", "reglu")
RMS_EPS = 1e-6


@dataclass(frozen=True)
class ModelConfig:
    """Sizes of the model. ``d_ff_baseline`` is the ungated width; gated FFNs get 2/3 of it."""

    vocab_size: int
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
            n = getattr(self, name)
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"{func}: {name} must be a positive integer, got {n!r}")
        if self.d_model % self.n_heads:
            raise ValueError(f"{func}: d_model = {self.d_model} must be a multiple of n_heads = {self.n_heads}")

    @property
    def d_ff(self):
        """The FFN width of this variant: d_ff_baseline, or 2/3 of it when gated."""
        return matched_d_ff(self.d_ff_baseline, self.variant)

    def replace(self, **changes):
        return ModelConfig(**{**asdict(self), **changes})


def init_params(config, rng, dtype=np.float32):
    """Initial parameters: N(0, 1/fan_in) weights, residual outputs scaled by 1/sqrt(2 n_layers)."""
    if not isinstance(config, ModelConfig):
        raise TypeError(f"init_params: config must be a ModelConfig, got {type(config).__name__}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"init_params: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    dtype = np.dtype(dtype)
    d, V, T = config.d_model, config.vocab_size, config.seq_len
    depth = np.sqrt(2.0 * config.n_layers)

    def normal(shape, std):
        return (rng.standard_normal(shape) * std).astype(dtype)

    p = {"tok_emb": normal((V, d), 0.1), "pos_emb": normal((T, d), 0.1)}  # (V, d), (T, d)
    for i in range(config.n_layers):
        p[f"{i}.norm1"] = np.ones(d, dtype=dtype)  # (d,)
        for name in ("Wq", "Wk", "Wv"):
            p[f"{i}.{name}"] = normal((d, d), 1.0 / np.sqrt(d))  # (d, d)
        p[f"{i}.Wo"] = normal((d, d), 1.0 / np.sqrt(d) / depth)  # (d, d)
        p[f"{i}.norm2"] = np.ones(d, dtype=dtype)  # (d,)
        f = init_ffn(d, config.d_ff, config.variant, rng, dtype=dtype)
        f["W2"] = (f["W2"] / depth).astype(dtype)
        p.update({f"{i}.ffn.{k}": v for k, v in f.items()})
    p["norm_f"] = np.ones(d, dtype=dtype)  # (d,)
    p["W_out"] = normal((d, V), 0.5 / np.sqrt(d))  # (d, V)
    return p


def count_params(params):
    """Total number of scalars in a parameter dict."""
    return int(sum(a.size for a in params.values()))


def ffn_param_count(config):
    """Parameters in one FFN block (the count matched_d_ff keeps equal across variants)."""
    matrices = 3 if config.variant in VARIANTS else 2
    return matrices * config.d_model * config.d_ff


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


def rmsnorm(x, g):
    """RMSNorm of ``x`` (..., d) with gain ``g`` (d,)."""
    return _rmsnorm_forward(x, g)[0]


def rmsnorm_backward(dy, x, g):
    """Gradients of ``rmsnorm``: {"x", "g"}."""
    dx, dg = _rmsnorm_backward(dy, _rmsnorm_forward(x, g)[1])
    return {"x": dx, "g": dg}


# ---- causal multi-head self-attention: softmax(q k^T / sqrt(d_head) + mask) v, then Wo ----
def _split_heads(a, n_heads):
    B, T, d = a.shape
    return a.reshape(B, T, n_heads, d // n_heads).transpose(0, 2, 1, 3)  # (B, H, T, d_head)


def _merge_heads(a):
    B, H, T, dh = a.shape
    return a.transpose(0, 2, 1, 3).reshape(B, T, H * dh)  # (B, T, d)


def _attention_forward(x, Wq, Wk, Wv, Wo, n_heads):
    B, T, d = x.shape
    scale = x.dtype.type(1.0 / np.sqrt(d // n_heads))
    q = _split_heads(x @ Wq, n_heads)  # (B, H, T, dh)
    k = _split_heads(x @ Wk, n_heads)  # (B, H, T, dh)
    v = _split_heads(x @ Wv, n_heads)  # (B, H, T, dh)
    s = (q @ k.transpose(0, 1, 3, 2)) * scale  # (B, H, T, T)
    future = np.triu(np.ones((T, T), dtype=bool), k=1)  # (T, T): key after query
    s[..., future] = -np.inf
    s -= s.max(axis=-1, keepdims=True)
    p = np.exp(s)  # (B, H, T, T)
    p /= p.sum(axis=-1, keepdims=True)
    o = _merge_heads(p @ v)  # (B, T, d)
    y = o @ Wo  # (B, T, d)
    return y, (x, q, k, v, p, o, scale, Wq, Wk, Wv, Wo)


def _attention_backward(dy, cache):
    x, q, k, v, p, o, scale, Wq, Wk, Wv, Wo = cache
    B, T, d = x.shape
    n_heads = q.shape[1]
    dWo = o.reshape(-1, d).T @ dy.reshape(-1, d)  # (d, d)
    do = _split_heads(dy @ Wo.T, n_heads)  # (B, H, T, dh)
    dp = do @ v.transpose(0, 1, 3, 2)  # (B, H, T, T)
    dv = p.transpose(0, 1, 3, 2) @ do  # (B, H, T, dh)
    ds = p * (dp - np.sum(dp * p, axis=-1, keepdims=True)) * scale  # (B, H, T, T), softmax backward
    dq = _merge_heads(ds @ k).reshape(-1, d)  # (B*T, d)
    dk = _merge_heads(ds.transpose(0, 1, 3, 2) @ q).reshape(-1, d)  # (B*T, d)
    dv = _merge_heads(dv).reshape(-1, d)  # (B*T, d)
    x2 = x.reshape(-1, d)  # (B*T, d)
    grads = {"Wq": x2.T @ dq, "Wk": x2.T @ dk, "Wv": x2.T @ dv, "Wo": dWo}  # (d, d) each
    dx = (dq @ Wq.T + dk @ Wk.T + dv @ Wv.T).reshape(B, T, d)  # (B, T, d)
    return dx, grads


def attention(x, params, n_heads):
    """Causal self-attention of ``x`` (B, T, d); ``params`` holds Wq, Wk, Wv, Wo (d, d)."""
    return _attention_forward(x, params["Wq"], params["Wk"], params["Wv"], params["Wo"], n_heads)[0]


def attention_backward(dy, x, params, n_heads):
    """Gradients of ``attention``: {"x", "Wq", "Wk", "Wv", "Wo"}."""
    _, cache = _attention_forward(x, params["Wq"], params["Wk"], params["Wv"], params["Wo"], n_heads)
    dx, grads = _attention_backward(dy, cache)
    return {"x": dx, **grads}


# ---- one pre-norm block: h = x + attention(rmsnorm(x)); y = h + ffn(rmsnorm(h)) ----
def _block_forward(x, p, n_heads, variant):
    B, T, d = x.shape
    a_in, norm1 = _rmsnorm_forward(x, p["norm1"])  # (B, T, d)
    a_out, attn = _attention_forward(a_in, p["Wq"], p["Wk"], p["Wv"], p["Wo"], n_heads)
    h = x + a_out  # (B, T, d)
    f_in, norm2 = _rmsnorm_forward(h, p["norm2"])  # (B, T, d)
    f_in = f_in.reshape(-1, d)  # (B*T, d)
    fp = {k[4:]: v for k, v in p.items() if k.startswith("ffn.")}
    y = h + ffn(f_in, fp, variant).reshape(B, T, d)  # (B, T, d)
    return y, (norm1, attn, norm2, f_in, fp, variant)


def _block_backward(dy, cache):
    norm1, attn, norm2, f_in, fp, variant = cache
    B, T, d = dy.shape
    gf = ffn_backward(dy.reshape(-1, d), f_in, fp, variant)  # dict, "x": (B*T, d)
    dh_norm, dnorm2 = _rmsnorm_backward(gf.pop("x").reshape(B, T, d), norm2)
    dh = dy + dh_norm  # (B, T, d)
    da_in, ga = _attention_backward(dh, attn)
    dx_norm, dnorm1 = _rmsnorm_backward(da_in, norm1)
    dx = dh + dx_norm  # (B, T, d)
    grads = {"norm1": dnorm1, **ga, "norm2": dnorm2, **{f"ffn.{k}": v for k, v in gf.items()}}
    return dx, grads


def block(x, params, n_heads, variant):
    """One Transformer block on ``x`` (B, T, d); ``params`` keys as in a layer without its "i." prefix."""
    return _block_forward(x, params, n_heads, variant)[0]


def block_backward(dy, x, params, n_heads, variant):
    """Gradients of ``block``: {"x", and one entry per entry of params}."""
    dx, grads = _block_backward(dy, _block_forward(x, params, n_heads, variant)[1])
    return {"x": dx, **grads}


# ---- the whole model: embeddings, blocks, final norm, output projection, cross-entropy ----
def _check_tokens(func, tokens, config, name="tokens"):
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


def _layer(params, i):
    prefix = f"{i}."
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


def forward(params, tokens, config):
    """Logits (B, T, vocab) for ``tokens`` (B, T), and the cache ``backward`` needs."""
    tokens = _check_tokens("forward", tokens, config)
    T = tokens.shape[1]
    x = params["tok_emb"][tokens] + params["pos_emb"][:T]  # (B, T, d)
    caches = []
    for i in range(config.n_layers):
        x, c = _block_forward(x, _layer(params, i), config.n_heads, config.variant)
        caches.append(c)
    xn, norm_f = _rmsnorm_forward(x, params["norm_f"])  # (B, T, d)
    logits = xn @ params["W_out"]  # (B, T, V)
    return logits, (tokens, caches, xn, norm_f)


def backward(dlogits, params, cache, config):
    """Gradients of sum(logits * dlogits) for every parameter (same keys as ``params``)."""
    tokens, caches, xn, norm_f = cache
    d = xn.shape[-1]
    grads = {"W_out": xn.reshape(-1, d).T @ dlogits.reshape(-1, dlogits.shape[-1])}  # (d, V)
    dx, grads["norm_f"] = _rmsnorm_backward(dlogits @ params["W_out"].T, norm_f)  # (B, T, d)
    for i in reversed(range(config.n_layers)):
        dx, g = _block_backward(dx, caches[i])
        grads.update({f"{i}.{k}": v for k, v in g.items()})
    T = tokens.shape[1]
    dtok = np.zeros_like(params["tok_emb"])  # (V, d)
    np.add.at(dtok, tokens.reshape(-1), dx.reshape(-1, d))
    dpos = np.zeros_like(params["pos_emb"])  # (seq_len, d)
    dpos[:T] = dx.sum(axis=0)
    grads["tok_emb"], grads["pos_emb"] = dtok, dpos
    return {k: grads[k] for k in params}


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


def loss(params, tokens, targets, config):
    """Mean cross-entropy (nats per token) of predicting ``targets`` (B, T) from ``tokens``."""
    targets = _check_tokens("loss", targets, config, "targets")
    logits, _ = forward(params, tokens, config)
    return _cross_entropy(logits, targets)[0]


def loss_and_grads(params, tokens, targets, config):
    """The loss and its gradient for every parameter."""
    targets = _check_tokens("loss_and_grads", targets, config, "targets")
    logits, cache = forward(params, tokens, config)
    if targets.shape != logits.shape[:2]:
        raise ValueError(f"loss_and_grads: targets must have the shape of tokens {logits.shape[:2]}, "
                         f"got {targets.shape}")
    value, logp = _cross_entropy(logits, targets)
    return value, backward(_cross_entropy_backward(logp, targets), params, cache, config)


def generate(params, config, prompt, n_new, rng, temperature=1.0):
    """``prompt`` (1-D token ids) continued by ``n_new`` tokens sampled from the model."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"generate: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    temperature = _validate.real_scalar(temperature, "generate", "temperature")
    if temperature <= 0:
        raise ValueError(f"generate: temperature must be positive, got {temperature}")
    ids = list(_check_tokens("generate", np.asarray(prompt).reshape(1, -1)[:, -config.seq_len:], config,
                             "prompt")[0])
    for _ in range(n_new):
        window = np.asarray(ids[-config.seq_len:])[None, :]  # (1, T)
        logits, _ = forward(params, window, config)
        z = logits[0, -1].astype(np.float64) / temperature  # (V,)
        prob = np.exp(z - z.max())
        ids.append(int(rng.choice(z.size, p=prob / prob.sum())))
    return np.asarray(ids[-n_new:] if n_new else [], dtype=np.int32)
