"""Central finite differences against a backward function.

    gradcheck(glulib.glu, glulib.glu_backward, value, gate, activation="silu")
    gradcheck(glulib.ffn, glulib.ffn_backward, x, params, "swiglu")

``forward(*args, **kwargs)`` returns an array y; ``backward(dy, *args, **kwargs)``
returns the gradients of ``sum(y * dy)``: a tuple with one array per array argument (in
order), a dict keyed by argument name (and by the keys of a dict argument, as
``ffn_backward`` does), or a single array when there is one input. Every input is taken
to float64 first. The result maps each input's name to its worst relative error,
max |numeric - analytic| / max(|numeric|, |analytic|) over the checked entries.

It refuses what it cannot check rather than report a pass: an empty input, no points to
perturb, a step ``eps`` that is not positive or that float64 cannot resolve at an input,
and a forward that is not finite where it is evaluated (ValueError). A gradient that is
not finite where the differences are is a wrong gradient: its error is inf.
"""

import inspect
import numbers

import numpy as np

from . import _validate


def _as_float64(val, where):
    try:
        return np.array(val, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"gradcheck: {where} must hold real numbers, got {type(val).__name__} ({exc})") from None


def gradcheck(forward, backward, *args, eps=1e-6, max_points=128, seed=0, **kwargs):
    """Worst relative error of ``backward`` against central differences of ``forward``.

    At most ``max_points`` entries per input are perturbed (chosen with ``seed``).
    """
    for name, fn in (("forward", forward), ("backward", backward)):
        if not callable(fn):
            raise TypeError(f"gradcheck: {name} must be callable, got {type(fn).__name__}")
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, numbers.Real) or not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"gradcheck: eps must be a positive finite number, got {eps!r}")
    eps = float(eps)
    max_points = _validate.positive_int(max_points, "gradcheck", "max_points")
    seed = _validate.integer(seed, "gradcheck", "seed")
    bound = inspect.signature(forward).bind(*args, **kwargs)
    names = {}  # input name -> (argument name, dict key or None)
    values = dict(bound.arguments)
    for name, val in bound.arguments.items():
        if isinstance(val, dict):
            values[name] = {k: _as_float64(v, f"{name}[{k!r}]") for k, v in val.items()}
            names.update({k: (name, k) for k in val})
        elif isinstance(val, (np.ndarray, list, tuple)):
            values[name] = _as_float64(val, name)
            names[name] = (name, None)
    if not names:
        raise ValueError("gradcheck: forward takes no array arguments to check")

    def array(name):
        arg, key = names[name]
        return values[arg] if key is None else values[arg][key]

    def call(fn, *head):
        b = inspect.signature(forward).bind(**values)
        return fn(*head, *b.args, **b.kwargs)

    for name in names:
        if array(name).size == 0:
            raise ValueError(f"gradcheck: input {name!r} is empty (shape {array(name).shape}): nothing to check")
        if not np.all(np.isfinite(array(name))):
            raise ValueError(f"gradcheck: input {name!r} holds non-finite values; differences there mean nothing")
    rng = np.random.default_rng(seed)
    y = np.asarray(call(forward), dtype=np.float64)
    if y.size == 0:
        raise ValueError(f"gradcheck: forward returned an empty array (shape {y.shape}): nothing to check")
    if not np.all(np.isfinite(y)):
        raise ValueError("gradcheck: forward is not finite at the given inputs; choose inputs where it is")
    dy = rng.standard_normal(y.shape)  # same shape as y

    grads = call(backward, dy)
    if isinstance(grads, dict):
        missing = [name for name in names if name not in grads]
        if missing:
            raise ValueError(f"gradcheck: backward returned no gradient for {missing}; it returned {sorted(grads)}")
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
        g = _as_float64(analytic[name], f"the gradient for {name!r}")
        if g.shape != a.shape:
            raise ValueError(f"gradcheck: gradient for {name!r} has shape {g.shape}, input has {a.shape}")
        flat = a.reshape(-1)
        idx = np.arange(flat.size)
        if flat.size > max_points:
            idx = rng.choice(flat.size, size=max_points, replace=False)
        numeric = np.empty(idx.size)
        for j, i in enumerate(idx):
            keep = flat[i]
            if keep + eps == keep or keep - eps == keep:
                raise ValueError(f"gradcheck: eps = {eps:g} is below what float64 resolves at {name}[{i}] = {keep:g} "
                                 f"(spacing {np.spacing(abs(keep)):g}); use a larger eps")
            flat[i] = keep + eps
            plus = np.sum(np.asarray(call(forward), dtype=np.float64) * dy)
            flat[i] = keep - eps
            minus = np.sum(np.asarray(call(forward), dtype=np.float64) * dy)
            flat[i] = keep
            if not (np.isfinite(plus) and np.isfinite(minus)):
                raise ValueError(f"gradcheck: forward is not finite at {name}[{i}] +/- eps = {eps:g}; "
                                 "choose inputs (or a smaller eps) where it is")
            numeric[j] = (plus - minus) / (2 * eps)
        exact = g.reshape(-1)[idx]
        if not np.all(np.isfinite(exact)):
            errors[name] = float("inf")  # finite differences, non-finite gradient: wrong
            continue
        scale = max(np.max(np.abs(numeric), initial=0.0), np.max(np.abs(exact), initial=0.0))
        diff = np.max(np.abs(numeric - exact), initial=0.0)
        errors[name] = float(diff / scale) if scale > 0 else float(diff)
    return errors
