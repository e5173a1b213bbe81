"""The Numba kernels that make a training step of ``glulib.model`` fast: the RMSNorms of the
model, the causal softmax and its backward, the embedding's gradient and the cross-entropy with
its gradient, each one pass with no temporaries. ``glulib.model`` holds the layers as learners
read them (NumPy, each forward beside its backward) and calls these; tests/test_training_step.py
checks that they compute the layers' numbers.
"""

import math

import numpy as np

from ..jit import njit

RMS_EPS = 1e-6

# The model's kernels sum in any order (so that LLVM vectorises the sums): still the same
# numbers on every run of one machine. They see finite values only (a diverged loss stops training).
_REDUCE = {"reassoc", "nnan", "ninf", "nsz", "contract"}


@njit(fastmath=_REDUCE)
def rmsnorm_rows_kernel(x, g, y, xhat, r):
    """y = g x / rms(x) row by row of x (R, d); keeps xhat (R, d) and 1/rms (R,) for the backward."""
    R, d = x.shape
    for i in range(R):
        ss = 0.0
        for k in range(d):
            ss += x[i, k] * x[i, k]
        ri = 1.0 / math.sqrt(ss / d + RMS_EPS)
        r[i] = ri
        for k in range(d):
            xh = x[i, k] * ri
            xhat[i, k] = xh
            y[i, k] = xh * g[k]


@njit(fastmath=_REDUCE)
def rmsnorm_rows_backward_kernel(dy, xhat, r, g, dx, dg):
    """dx (R, d) and dg (d,) of ``rmsnorm_rows_kernel`` from dy (R, d); dg summed row after row."""
    R, d = dy.shape
    acc = np.zeros(d)  # (d,), float64
    for i in range(R):
        dot = 0.0
        for k in range(d):
            acc[k] += dy[i, k] * xhat[i, k]
            dot += dy[i, k] * g[k] * xhat[i, k]
        dot /= d
        for k in range(d):
            dx[i, k] = r[i] * (dy[i, k] * g[k] - xhat[i, k] * dot)
    for k in range(d):
        dg[k] = acc[k]


def rmsnorm_rows(x, g):
    """The model's RMSNorm of x (B, T, d): ``glulib.model``'s ``rmsnorm`` numbers from one kernel."""
    x2 = np.ascontiguousarray(x).reshape(-1, x.shape[-1])  # (R, d)
    y, xhat = np.empty_like(x2), np.empty_like(x2)  # (R, d) each
    r = np.empty(x2.shape[0], dtype=x2.dtype)  # (R,)
    rmsnorm_rows_kernel(x2, g, y, xhat, r)
    return y.reshape(x.shape), (xhat, r, g)


def rmsnorm_rows_backward(dy, cache):
    xhat, r, g = cache
    dx = np.empty_like(xhat)  # (R, d)
    dg = np.empty_like(g)  # (d,)
    rmsnorm_rows_backward_kernel(np.ascontiguousarray(dy).reshape(xhat.shape), xhat, r, g, dx, dg)
    return dx.reshape(dy.shape), dg


@njit(fastmath=_REDUCE - {"ninf"})  # it writes -inf
def shift_scores_kernel(s, scale):
    """In place, row by row of s (N, T, T) (query i, key j): scale s - its max over j <= i, and
    -inf for j > i (a key after its query), so that exp gives the causal softmax's numerators."""
    N, T, _ = s.shape
    for n in range(N):
        for i in range(T):
            m = s[n, i, 0]
            for j in range(1, i + 1):
                m = max(m, s[n, i, j])
            for j in range(i + 1):
                s[n, i, j] = (s[n, i, j] - m) * scale
            for j in range(i + 1, T):
                s[n, i, j] = -np.inf


@njit(fastmath=_REDUCE)
def normalize_rows_kernel(p):
    """In place: each row of p (N, T, T) divided by its sum (the zeros above the diagonal stay)."""
    N, T, _ = p.shape
    for n in range(N):
        for i in range(T):
            total = 0.0
            for j in range(i + 1):
                total += p[n, i, j]
            inv = 1.0 / total
            for j in range(i + 1):
                p[n, i, j] *= inv


def causal_softmax(s, scale):
    """In place, each row of the scores s (N, T, T) (query i, key j): softmax over j <= i of
    scale s[n, i, j], 0 for j > i. Two Numba passes around NumPy's vectorised exp."""
    shift_scores_kernel(s, scale)
    np.exp(s, out=s)
    normalize_rows_kernel(s)


@njit(fastmath=_REDUCE)
def causal_softmax_backward_kernel(dp, p, scale):
    """In place: dp (N, T, T) <- the gradient of the scores, scale p (dp - sum_j dp p), from the
    gradient of the probabilities p (zero above the diagonal)."""
    N, T, _ = dp.shape
    for n in range(N):
        for i in range(T):
            dot = 0.0
            for j in range(i + 1):
                dot += dp[n, i, j] * p[n, i, j]
            for j in range(i + 1):
                dp[n, i, j] = p[n, i, j] * (dp[n, i, j] - dot) * scale
            for j in range(i + 1, T):
                dp[n, i, j] = 0.0


@njit
def embed_backward_kernel(dx, tokens, dtok, dpos):
    """dtok[tokens[b, t]] += dx[b, t] and dpos[t] += dx[b, t], in the order of (b, t)."""
    B, T, d = dx.shape
    for b in range(B):
        for t in range(T):
            row = tokens[b, t]
            for k in range(d):
                dtok[row, k] += dx[b, t, k]
                dpos[t, k] += dx[b, t, k]


def embed_backward(dx, tokens, tok_emb, pos_emb):
    """The gradients (V, d) and (seq_len, d) of both tables from dx (B, T, d)."""
    dtok, dpos = np.zeros_like(tok_emb), np.zeros_like(pos_emb)  # (V, d), (seq_len, d)
    embed_backward_kernel(np.ascontiguousarray(dx), tokens, dtok, dpos)
    return dtok, dpos


@njit(fastmath=_REDUCE)
def shift_logits_kernel(z, targets, picked):
    """In place, row by row of z (R, V): z - its max; picked[r] = the shifted logit of targets[r]."""
    R, V = z.shape
    for r in range(R):
        m = z[r, 0]
        for j in range(1, V):
            m = max(m, z[r, j])
        for j in range(V):
            z[r, j] -= m
        picked[r] = z[r, targets[r]]


@njit(fastmath=_REDUCE)
def softmax_minus_onehot_kernel(e, targets, picked):
    """In place, e (R, V) = exp of the shifted logits becomes (softmax - onehot(targets)) / R;
    returns the mean cross-entropy, sum over rows of log(sum e) - picked, divided by R."""
    R, V = e.shape
    total = 0.0
    for r in range(R):
        s = 0.0
        for j in range(V):
            s += e[r, j]
        total += math.log(s) - picked[r]
        inv = 1.0 / (s * R)
        for j in range(V):
            e[r, j] *= inv
        e[r, targets[r]] -= 1.0 / R
    return total / R


def cross_entropy_and_grad(logits, targets):
    """The mean cross-entropy of logits (B, T, V) and its gradient (B, T, V), in place of the logits:
    ``glulib.model``'s cross-entropy and its gradient in two Numba passes around NumPy's exp."""
    z = logits.reshape(-1, logits.shape[-1])  # (R, V), a view
    flat = np.ascontiguousarray(targets).reshape(-1)  # (R,)
    picked = np.empty(z.shape[0])  # (R,) float64
    shift_logits_kernel(z, flat, picked)
    np.exp(z, out=z)
    return float(softmax_minus_onehot_kernel(z, flat, picked)), logits
