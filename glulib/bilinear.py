"""A Bilinear FFN read from its weights (notebook 12; Pearce et al. 2024, arXiv:2410.08417).

A Bilinear FFN has no activation: y = ((x W) * (x V)) W2. Read along one output direction u
(d_model,), it is a quadratic form of its input:

    u . y = sum_j (W2[j] . u) (x . W[:, j]) (x . V[:, j]) = x^T B_u x,
    B_u = W diag(W2 u) V^T                                   (d_model, d_model)

Only the symmetric part Q_u = (B_u + B_u^T) / 2 counts (x^T A x = 0 for antisymmetric A), and
a symmetric matrix has real eigenvalues lam_i and orthonormal eigenvectors v_i:

    u . y = sum_i lam_i (v_i . x)^2

So the layer's whole effect along u is a list of input directions, each squared and weighted:
a positive lam_i pushes along u whenever x lines up with v_i (either sign), a negative lam_i
pushes against it. Nothing here runs the model on data except ``ffn_inputs``, which gives the
inputs to look at the eigenvectors with.
"""

import numpy as np

from . import _validate, model


def _check_weights(func, W, V, W2):
    arrays = [_validate.float_array(a, func, name) for a, name in ((W, "W"), (V, "V"), (W2, "W2"))]
    W, V, W2 = arrays
    for a, name, meaning in ((W, "W", "(d_model, d_ff)"), (V, "V", "(d_model, d_ff)"), (W2, "W2", "(d_ff, d_model)")):
        _validate.ndim(func, name, a, 2, meaning)
    d_model, d_ff = W.shape
    if V.shape != (d_model, d_ff) or W2.shape != (d_ff, d_model):
        raise ValueError(f"{func}: W and V must be (d_model, d_ff) and W2 (d_ff, d_model); got W {W.shape}, "
                         f"V {V.shape}, W2 {W2.shape}")
    return (a.astype(np.float64) for a in arrays)


def quadratic_form(W, V, W2, direction):
    """Q_u (d_model, d_model), symmetric: u . ffn(x) = x^T Q_u x for the Bilinear FFN (W, V, W2)
    and the output direction u = ``direction`` (d_model,). Computed in float64."""
    func = "quadratic_form"
    W, V, W2 = _check_weights(func, W, V, W2)
    u = _validate.float_array(direction, func, "direction").astype(np.float64)
    if u.shape != (W.shape[0],):
        raise ValueError(f"{func}: direction must have shape (d_model,) = ({W.shape[0]},), got {u.shape}")
    if not np.all(np.isfinite(u)):
        raise ValueError(f"{func}: direction holds NaN or inf")
    c = W2 @ u  # (d_ff,): how much each unit's product moves the output along u
    B = (W * c) @ V.T  # (d_model, d_model) = W diag(c) V^T
    return (B + B.T) / 2


def eigen(Q):
    """Eigenvalues (k,) and eigenvectors (d_model, k), columns, of the symmetric ``Q``, ordered by
    |eigenvalue|, largest first (the directions that matter most, of either sign)."""
    Q = _validate.float_array(Q, "eigen", "Q").astype(np.float64)
    if Q.ndim != 2 or Q.shape[0] != Q.shape[1] or not np.allclose(Q, Q.T, rtol=1e-10, atol=1e-12 * np.abs(Q).max()):
        raise ValueError(f"eigen: Q must be a symmetric square matrix (quadratic_form), got shape {Q.shape}")
    lam, vecs = np.linalg.eigh(Q)  # ascending
    order = np.argsort(-np.abs(lam), kind="stable")
    return lam[order], vecs[:, order]


def captured(eigenvalues, k):
    """The share of the quadratic form's size (its Frobenius norm squared, sum of lam^2) that the
    first ``k`` eigenvalues (as ``eigen`` orders them) hold."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    k = _validate.positive_int(k, "captured", "k")
    if k > lam.size:
        raise ValueError(f"captured: k must be at most the number of eigenvalues {lam.size}, got {k}")
    total = np.sum(lam ** 2)
    return float(np.sum(lam[:k] ** 2) / total) if total > 0 else float("nan")


def readout_directions(params):
    """Each character's readout direction, (vocab, d_model): raising x . u_c by 1 after the final
    norm raises the logit of character c by 1 (u_c = norm_f * W_out[:, c]). This is what the last
    layer's FFN output is read by, up to the final norm's positive scale per token."""
    return (params["norm_f"][:, None] * params["W_out"]).T.astype(np.float64)  # (vocab, d_model)


def ffn_inputs(params, config, tokens, layer):
    """The normalised inputs x of layer ``layer``'s FFN (rmsnorm of the residual after attention),
    one row per token of ``tokens`` (B, T) in reading order: (B*T, d_model). This is the x of
    u . ffn(x) = x^T Q_u x."""
    func = "ffn_inputs"
    if not isinstance(config, model.ModelConfig) or config.vocab_size is None:
        raise TypeError(f"{func}: config must be a glulib.model.ModelConfig with vocab_size set, got {config!r:.60}")
    shapes = model.param_shapes(config)
    if not isinstance(params, dict) or any(np.shape(params.get(k)) != shape for k, shape in shapes.items()):
        raise ValueError(f"{func}: params must hold the arrays of model.param_shapes(config) "
                         f"({config.variant}, d_model {config.d_model})")
    tokens = np.asarray(tokens)
    if tokens.dtype.kind not in "iu" or tokens.ndim != 2 or not 1 <= tokens.shape[1] <= config.seq_len \
            or tokens.min() < 0 or tokens.max() >= config.vocab_size:
        raise ValueError(f"{func}: tokens must be integer ids in [0, {config.vocab_size}) of shape (B, T), "
                         f"T <= {config.seq_len}; got {tokens.dtype} {tokens.shape}")
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 0 <= layer < config.n_layers:
        raise ValueError(f"ffn_inputs: layer must be an integer in [0, {config.n_layers}), got {layer!r}")
    x = params["tok_emb"][tokens] + params["pos_emb"][:tokens.shape[1]]  # (B, T, d)
    for i in range(layer):
        x = model.block(x, _layer(params, i), config.n_heads, config.variant)
    lay = _layer(params, layer)
    h = x + model.attention(model.rmsnorm(x, lay["norm1"]), lay, config.n_heads)  # (B, T, d)
    return model.rmsnorm(h, lay["norm2"]).reshape(-1, config.d_model)  # (B*T, d)


def _layer(params, i):
    return {k.removeprefix(f"{i}."): v for k, v in params.items() if k.startswith(f"{i}.")}


def top_tokens(projection, text, k=5, before=16, after=2, seq_len=None):
    """Where one eigenvector fires most: the ``k`` tokens with the largest |v . x| (its term
    lam (v . x)^2 is then largest), as ``(text before, the character, text after, v . x)``.
    ``projection`` (n,) is x @ v over the passage whose characters are ``text``; with ``seq_len``,
    the text before stops at the start of the token's window (what the model saw)."""
    p = np.asarray(projection, dtype=np.float64)
    if p.ndim != 1 or not isinstance(text, str) or len(text) != p.size:
        raise ValueError(f"top_tokens: projection must be (n,) with one character of text per entry, got "
                         f"{p.shape} and text of length {len(text) if isinstance(text, str) else '-'}")
    k = _validate.positive_int(k, "top_tokens", "k")
    out = []
    for t in np.argsort(-np.abs(p), kind="stable")[:k]:
        lo = max(0, t - before) if seq_len is None else max(t - before, (t // seq_len) * seq_len)
        out.append((text[lo:t], text[t], text[t + 1:t + 1 + after], float(p[t])))
    return out
