"""The geometry of one gated unit: one input x, two hidden units, their product.

    gate path   a = w x + b        ->  act(a)
    value path  u = v x + c
    output      p = act(a) * u     (Shazeer's letters: W feeds the gate, V the value)

Two pictures of the same thing. Over the (a, u) plane the product act(a) * u is one fixed
surface per activation; the input x moves along a straight line through that plane,
(a, u) = (w x + b, v x + c), and the unit's output is the surface's height along the line.
The weights turn the line, the biases slide it: b moves where along x the gate opens,
c lets the output be non-zero at x = 0.

Every value and derivative comes from glulib's kernels (``glu``, ``glu_backward``,
``activate``, ``activate_grad``); second derivatives are central differences of the
kernels' exact first derivatives.
"""

import numpy as np

from . import _validate
from .elementwise import activate, activate_grad, glu, glu_backward
from .feedforward import VARIANTS

#: Step of the central differences that give second derivatives.
STEP = 1e-4
#: |det H| below this counts as zero (flat in one direction) when classifying curvature.
DET_TOL = 1e-6


def _act(variant, func):
    _validate.choice(variant, VARIANTS, func, "variant")
    return VARIANTS[variant]


def _arrays(func, **named):
    out = [_validate.float_array(v, func, k).astype(np.float64) for k, v in named.items()]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in out))
    except ValueError:
        shapes = ", ".join(f"{k} {a.shape}" for k, a in zip(named, out))
        raise ValueError(f"{func}: the arrays must broadcast to one shape, got {shapes}") from None
    return [np.broadcast_to(a, shape).copy() for a in out]


def surfaces(variant, a, u):
    """Gate path act(a), value path u and their product, each the broadcast shape of a, u."""
    func = "geometry.surfaces"
    act = _act(variant, func)
    a, u = _arrays(func, a=a, u=u)
    return {"gate": activate(a, act), "value": u, "product": glu(u, a, act)}


def gradient(variant, a, u):
    """(dp/da, dp/du) = (u act'(a), act(a)), from glulib's backward with dout = 1."""
    func = "geometry.gradient"
    act = _act(variant, func)
    a, u = _arrays(func, a=a, u=u)
    d_value, d_gate = glu_backward(np.ones_like(a), u, a, act)
    return d_gate, d_value


def hessian(variant, a, u, step=STEP):
    """The Hessian of p(a, u) = act(a) * u: a dict of ``aa``, ``au``, ``uu`` and ``det``.

    Central differences of the exact gradient; ``au`` is the mean of the two mixed
    differences. Exactly: H = [[act''(a) u, act'(a)], [act'(a), 0]], det = -act'(a)^2.
    """
    func = "geometry.hessian"
    _act(variant, func)
    a, u = _arrays(func, a=a, u=u)
    ga_p, gu_p = gradient(variant, a + step, u)
    ga_m, gu_m = gradient(variant, a - step, u)
    ga_up, gu_up = gradient(variant, a, u + step)
    ga_um, gu_um = gradient(variant, a, u - step)
    aa = (ga_p - ga_m) / (2 * step)
    uu = (gu_up - gu_um) / (2 * step)
    au = 0.5 * ((gu_p - gu_m) + (ga_up - ga_um)) / (2 * step)
    return {"aa": aa, "au": au, "uu": uu, "det": aa * uu - au * au}


def curvature_class(det, tol=DET_TOL):
    """-1 where the surface is a saddle (det < 0), +1 where it is a bowl or a dome
    (det > 0), 0 where it is flat in some direction (|det| <= tol)."""
    det = np.asarray(det, dtype=np.float64)
    return np.where(det < -tol, -1, np.where(det > tol, 1, 0))


def zero_set(product):
    """Boolean mask of a gridded surface: True where it is zero or changes sign to a neighbour."""
    p = np.asarray(product, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"geometry.zero_set: product must be a 2-D grid, got shape {p.shape}")
    s = np.sign(p)
    mask = s == 0
    flip_x = s[:, 1:] * s[:, :-1] < 0
    flip_y = s[1:, :] * s[:-1, :] < 0
    mask[:, 1:] |= flip_x
    mask[1:, :] |= flip_y
    return mask


def along_input(variant, x, w, v, b, c):
    """The unit along its input x: a, u, gate, value, product, slope and curvature (dict).

    slope = dp/dx = w u act'(a) + v act(a); curvature = d2p/dx2 = w^2 u act''(a) + 2 w v act'(a),
    the one-dimensional Hessian of the unit, computed from ``hessian``.
    """
    func = "geometry.along_input"
    act = _act(variant, func)
    (x,) = _arrays(func, x=x)
    w, v, b, c = (_validate.real_scalar(t, func, n) for t, n in ((w, "w"), (v, "v"), (b, "b"), (c, "c")))
    a = w * x + b  # (n,)
    u = v * x + c  # (n,)
    ga, gu = gradient(variant, a, u)
    H = hessian(variant, a, u)
    return {
        "a": a, "u": u, "gate": activate(a, act), "value": u, "product": glu(u, a, act),
        "slope": w * ga + v * gu,
        "curvature": w * w * H["aa"] + 2 * w * v * H["au"] + v * v * H["uu"],
    }


def zeros_along_input(variant, x, w, v, b, c):
    """Where the unit's output is zero along the grid ``x``: (points, intervals).

    ``points`` are sign changes, located by linear interpolation between grid points;
    ``intervals`` are (start, end) runs of grid points where the output is exactly zero
    (a ReLU gate that is shut, or a value path that is zero everywhere).
    """
    x = np.asarray(x, dtype=np.float64)
    p = along_input(variant, x, w, v, b, c)["product"]
    s = np.sign(p)
    i = np.flatnonzero(s[1:] * s[:-1] < 0)
    points = x[i] - p[i] * (x[i + 1] - x[i]) / (p[i + 1] - p[i])
    zero = s == 0
    intervals = []
    if zero.any():
        edges = np.flatnonzero(np.diff(np.concatenate([[0], zero.astype(np.int8), [0]])))
        for lo, hi in zip(edges[::2], edges[1::2]):
            if hi - lo == 1:
                points = np.append(points, x[lo])
            else:
                intervals.append((float(x[lo]), float(x[hi - 1])))
    return np.sort(points), intervals


#: Upper bound on bisection steps: halving [-6, 0] 64 times already reaches float64's spacing.
MAX_BISECTIONS = 200


def activation_minimum(activation, lo=-6.0, hi=0.0, tol=1e-12):
    """(z*, act(z*)) where ``act'`` changes sign from - to + on [lo, hi], found by
    bisection on glulib's exact derivative to within ``tol``; None when the activation has
    no such dip (sigmoid, tanh, ReLU, identity).

    ``tol`` must be at least what float64 can resolve on [lo, hi] (twice the spacing of
    floats at max(|lo|, |hi|)); below that the interval could never shrink to ``tol``.
    """
    func = "geometry.activation_minimum"
    _validate.choice(activation, ("sigmoid", "tanh", "relu", "gelu", "gelu_tanh", "silu", "identity"),
                     func, "activation")
    lo = _validate.real_scalar(lo, func, "lo")
    hi = _validate.real_scalar(hi, func, "hi")
    tol = _validate.real_scalar(tol, func, "tol")
    if not lo < hi:
        raise ValueError(f"{func}: need lo < hi, got lo = {lo}, hi = {hi}")
    finest = 2.0 * float(np.spacing(max(abs(lo), abs(hi))))
    if not tol >= finest:
        raise ValueError(f"{func}: tol must be at least {finest:.3g}, the finest step float64 resolves on "
                         f"[{lo}, {hi}]; got {tol:g}")

    def d(z):
        return float(activate_grad(np.array([z]), activation)[0])

    if not (d(lo) < 0 < d(hi)):
        return None
    for _ in range(MAX_BISECTIONS):
        if hi - lo <= tol:
            break
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):  # neighbouring floats: as close as float64 gets
            break
        if d(mid) < 0:
            lo = mid
        else:
            hi = mid
    z = 0.5 * (lo + hi)
    return z, float(activate(np.array([z]), activation)[0])


__all__ = ["activation_minimum", "along_input", "curvature_class", "gradient", "hessian",
           "surfaces", "zero_set", "zeros_along_input"]
