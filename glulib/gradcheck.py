"""Central finite differences against a backward function.

    gradcheck(glulib.glu, glulib.glu_backward, value, gate, activation="silu")
    gradcheck(glulib.ffn, glulib.ffn_backward, x, params, "swiglu")

``forward(*args, **kwargs)`` returns an array y; ``backward(dy, *args, **kwargs)``
returns the gradients of ``sum(y * dy)``: a tuple with one array per array argument (in
order), a dict keyed by argument name (and by the keys of a dict argument, as
``ffn_backward`` does), or a single array when there is one input. Every input is taken
to float64 first. The result maps each input's name to its worst relative error,
max |numeric - analytic| / max(|numeric|, |analytic|) over the checked entries.
"""

import inspect

import numpy as np


def gradcheck(forward, backward, *args, eps=1e-6, max_points=128, seed=0, **kwargs):
    """Worst relative error of ``backward`` against central differences of ``forward``.

    At most ``max_points`` entries per input are perturbed (chosen with ``seed``).
    """
    bound = inspect.signature(forward).bind(*args, **kwargs)
    names = {}  # input name -> (argument name, dict key or None)
    values = dict(bound.arguments)
    for name, val in bound.arguments.items():
        if isinstance(val, dict):
            values[name] = {k: np.array(v, dtype=np.float64) for k, v in val.items()}
            names.update({k: (name, k) for k in val})
        elif isinstance(val, (np.ndarray, list, tuple)):
            values[name] = np.array(val, dtype=np.float64)
            names[name] = (name, None)
    if not names:
        raise ValueError("gradcheck: forward takes no array arguments to check")

    def array(name):
        arg, key = names[name]
        return values[arg] if key is None else values[arg][key]

    def call(fn, *head):
        b = inspect.signature(forward).bind(**values)
        return fn(*head, *b.args, **b.kwargs)

    rng = np.random.default_rng(seed)
    y = np.asarray(call(forward), dtype=np.float64)
    dy = rng.standard_normal(y.shape)  # same shape as y

    grads = call(backward, dy)
    if isinstance(grads, dict):
        analytic = {name: grads[name] for name in names}
    elif isinstance(grads, tuple):
        if len(grads) != len(names):
            raise ValueError(f"gradcheck: backward returned {len(grads)} gradients for {len(names)} inputs {list(names)}")
        analytic = dict(zip(names, grads))
    else:
        if len(names) != 1:
            raise ValueError(f"gradcheck: backward returned one array for {len(names)} inputs {list(names)}")
        analytic = {next(iter(names)): grads}

    errors = {}
    for name in names:
        a = array(name)
        g = np.asarray(analytic[name], dtype=np.float64)
        if g.shape != a.shape:
            raise ValueError(f"gradcheck: gradient for {name!r} has shape {g.shape}, input has {a.shape}")
        flat = a.reshape(-1)
        idx = np.arange(flat.size)
        if flat.size > max_points:
            idx = rng.choice(flat.size, size=max_points, replace=False)
        numeric = np.empty(idx.size)
        for j, i in enumerate(idx):
            keep = flat[i]
            flat[i] = keep + eps
            plus = np.sum(np.asarray(call(forward), dtype=np.float64) * dy)
            flat[i] = keep - eps
            minus = np.sum(np.asarray(call(forward), dtype=np.float64) * dy)
            flat[i] = keep
            numeric[j] = (plus - minus) / (2 * eps)
        exact = g.reshape(-1)[idx]
        scale = max(np.max(np.abs(numeric), initial=0.0), np.max(np.abs(exact), initial=0.0))
        diff = np.max(np.abs(numeric - exact), initial=0.0)
        errors[name] = float(diff / scale) if scale > 0 else float(diff)
    return errors
