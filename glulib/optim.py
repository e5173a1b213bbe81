"""Adam with decoupled weight decay (AdamW, Loshchilov & Hutter 2019) and a learning-rate schedule.

    m = beta1 m + (1 - beta1) g                       first moment
    v = beta2 v + (1 - beta2) g^2                     second moment
    w -= lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps) + lr wd w

With ``weight_decay=0`` this is plain Adam (Kingma & Ba 2015). The update is done in
place on the parameter arrays, in their own dtype: one pass of a Numba kernel per array (the
same operations in the same order as the NumPy lines it replaced, so the same numbers; no
temporaries), or NumPy for an array that is not contiguous. Weight decay applies to the entries
named in ``decay`` (the matrices), never to gains and embeddings.
"""

import math

import numpy as np

from . import _validate
from .jit import njit


def lr_at(step, peak, warmup, total, final_fraction=0.1):
    """Learning rate at ``step`` (0-based): linear warm-up to ``peak``, then cosine decay to
    ``final_fraction * peak`` at ``total``."""
    func = "lr_at"
    peak = _validate.real_scalar(peak, func, "peak")
    final_fraction = _validate.real_scalar(final_fraction, func, "final_fraction")
    for name, n in (("step", step), ("warmup", warmup), ("total", total)):
        _validate.integer(n, func, name)
    if total < 1 or warmup > total:
        raise ValueError(f"{func}: need 0 <= warmup <= total and total >= 1, got warmup={warmup}, total={total}")
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (final_fraction + (1.0 - final_fraction) * 0.5 * (1.0 + math.cos(math.pi * progress)))


@njit(fastmath=False)  # no FMA contraction: NumPy's roundings, one by one
def _adamw_kernel(w, g, m, v, b1, one_minus_b1, b2, one_minus_b2, decay, step_size, c2, eps):
    """One AdamW update of the flat arrays w, m, v from g; every scalar is of w's dtype."""
    for i in range(w.size):
        gi = g[i]
        mi = m[i] * b1 + one_minus_b1 * gi
        vi = v[i] * b2 + one_minus_b2 * (gi * gi)
        m[i] = mi
        v[i] = vi
        w[i] = w[i] * decay - step_size * mi / (math.sqrt(vi / c2) + eps)


class AdamW:
    """AdamW over a dict of arrays. ``step(grads, lr)`` updates the arrays in place."""

    def __init__(self, params, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.0, decay=None):
        func = "AdamW"
        if not isinstance(params, dict) or not params:
            raise TypeError(f"{func}: params must be a non-empty dict of arrays, got {type(params).__name__}")
        for name, val in (("beta1", beta1), ("beta2", beta2)):
            val = _validate.real_scalar(val, func, name)
            if not 0.0 <= val < 1.0:
                raise ValueError(f"{func}: {name} must lie in [0, 1), got {val}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps = _validate.real_scalar(eps, func, "eps")
        self.weight_decay = _validate.real_scalar(weight_decay, func, "weight_decay")
        if self.eps <= 0 or self.weight_decay < 0:
            raise ValueError(f"{func}: need eps > 0 and weight_decay >= 0, got eps={eps}, weight_decay={weight_decay}")
        for k, w in params.items():
            if not isinstance(w, np.ndarray) or w.dtype not in (np.float32, np.float64):
                raise TypeError(f"{func}: params[{k!r}] must be a float32 or float64 array (updated in place), "
                                f"got {type(w).__name__} {getattr(w, 'dtype', '')}")
        self.params = params
        self.decay = set(params) if decay is None else set(decay)
        unknown = sorted(self.decay - set(params))
        if unknown:
            raise ValueError(f"{func}: decay names {unknown} that are not in params")
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, grads, lr):
        """One update with learning rate ``lr``; ``grads`` has the keys and shapes of params."""
        lr = _validate.real_scalar(lr, "AdamW.step", "lr")
        if lr < 0:
            raise ValueError(f"AdamW.step: lr must be non-negative, got {lr}")
        if not isinstance(grads, dict):
            raise TypeError(f"AdamW.step: grads must be a dict of arrays, got {type(grads).__name__}")
        if set(grads) != set(self.params):
            raise ValueError(f"AdamW.step: grads must have the keys of params; missing "
                             f"{sorted(set(self.params) - set(grads))}, extra {sorted(set(grads) - set(self.params))}")
        for k, w in self.params.items():  # every gradient checked before any parameter moves
            g = grads[k]
            if not isinstance(g, np.ndarray):
                raise TypeError(f"AdamW.step: grads[{k!r}] must be an array, got {type(g).__name__}")
            if g.shape != w.shape:
                raise ValueError(f"AdamW.step: grads[{k!r}] has shape {g.shape}, the parameter has {w.shape}")
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1 = 1.0 - b1 ** self.t  # bias corrections
        c2 = 1.0 - b2 ** self.t
        for k, w in self.params.items():
            g = grads[k]
            t = w.dtype.type
            m, v = self.m[k], self.v[k]
            decay = t(1.0 - lr * self.weight_decay) if k in self.decay and self.weight_decay else t(1.0)
            if w.flags.c_contiguous and g.dtype == w.dtype:
                _adamw_kernel(w.reshape(-1), np.ascontiguousarray(g).reshape(-1), m.reshape(-1), v.reshape(-1),
                              t(b1), t(1.0 - b1), t(b2), t(1.0 - b2), decay, t(lr / c1), t(c2), t(self.eps))
                continue
            m *= t(b1)
            m += t(1.0 - b1) * g
            v *= t(b2)
            v += t(1.0 - b2) * (g * g)
            w *= decay  # 1 (exact) for an array without weight decay
            w -= t(lr / c1) * m / (np.sqrt(v / t(c2)) + t(self.eps))
