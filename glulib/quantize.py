"""8-bit numbers for the FFN's gated product (notebook 11).

Three 8-bit formats, each a NumPy dtype (``ml_dtypes`` provides the two float8 ones):

    int8   256 whole numbers -127..127 used here (symmetric), evenly spaced: spacing 1 everywhere
    e4m3   float8 with 4 exponent bits and 3 mantissa bits (``float8_e4m3fn``): up to 448, no inf;
           the spacing grows with the number, 1/8 of it relative (2^-3) at every scale
    e5m2   float8 with 5 exponent bits, 2 mantissa bits: up to 57344, coarser (2^-2 relative)

An array is stored as 8-bit numbers times a float scale. The scale maps the largest |x| of a
group onto the format's largest number, so the group's choice decides the error:

    per tensor   one scale for the whole (n_tokens, d_ff) array
    per token    one scale per row (computed as each token arrives)
    per unit     one scale per column (fixed in advance from a calibration text)

With int8 and one scale per tensor, one huge entry (an outlier, Dettmers et al. 2022) makes the
spacing huge for every other entry, which then rounds to 0. A float's spacing follows the number,
so small entries keep their relative precision whatever the scale (down to the format's
smallest number). A per-unit scale s_j can be folded into W2 (``fold_unit_scales``): the FFN
computes (h / s) (s W2) = h W2, the same function, while h / s has no outlier column left
(SmoothQuant, Xiao et al. 2022).
"""

import ml_dtypes
import numpy as np

from . import _validate

#: Name -> the NumPy dtype of each format.
FORMATS = {"int8": np.dtype(np.int8), "e4m3": np.dtype(ml_dtypes.float8_e4m3fn), "e5m2": np.dtype(ml_dtypes.float8_e5m2)}
#: Name -> what one scale covers: the axes of an (n_tokens, d_ff) array it is shared over.
GRANULARITIES = {"tensor": (0, 1), "token": (1,), "unit": (0,)}


def largest(fmt):
    """The largest finite number of format ``fmt`` that a scale maps onto (int8: 127, symmetric)."""
    _validate.choice(fmt, FORMATS, "largest", "fmt")
    return 127.0 if fmt == "int8" else float(ml_dtypes.finfo(FORMATS[fmt]).max)


def representable(fmt):
    """Every finite number format ``fmt`` can hold, sorted, as float64 (int8: -127..127)."""
    _validate.choice(fmt, FORMATS, "representable", "fmt")
    if fmt == "int8":
        return np.arange(-127.0, 128.0)  # (255,)
    values = np.arange(256, dtype=np.uint8).view(FORMATS[fmt]).astype(np.float64)  # every bit pattern
    return np.unique(values[np.isfinite(values)])  # (n,), +0 and -0 as one


def describe(fmt):
    """A dict of format ``fmt``'s range and spacing, each computed from the format itself:
    largest, smallest positive normal and smallest positive numbers, how many finite values,
    the gap between 1 and the next number up, and the relative gap (gap / number) over the
    normal range (for int8, between 1 and 127)."""
    v = representable(fmt)
    positive = v[v > 0]
    gaps = np.diff(positive)  # (n - 1,)
    if fmt == "int8":
        normal = positive[:-1]
        smallest_normal = 1.0
    else:
        smallest_normal = float(ml_dtypes.finfo(FORMATS[fmt]).smallest_normal)
        normal = positive[:-1][positive[:-1] >= smallest_normal]
        gaps = gaps[positive[:-1] >= smallest_normal]
    relative = gaps / normal  # (m,)
    one = int(np.searchsorted(positive, 1.0))
    return {"format": fmt, "largest": float(positive[-1]), "smallest normal": smallest_normal,
            "smallest": float(positive[0]), "finite values": int(v.size),
            "gap above 1": float(positive[one + 1] - positive[one]),
            "relative gap min": float(relative.min()), "relative gap max": float(relative.max())}


def scales(x, fmt, per):
    """The float scales that map each group's largest |x| onto the format's largest number:
    shape (1, 1) per tensor, (n, 1) per token, (1, d_ff) per unit. A group of zeros gets scale 1."""
    func = "scales"
    _validate.choice(fmt, FORMATS, func, "fmt")
    _validate.choice(per, GRANULARITIES, func, "per")
    x = _check_2d(func, x)
    amax = np.max(np.abs(x), axis=GRANULARITIES[per], keepdims=True)  # (1, 1), (n, 1) or (1, d_ff)
    return np.where(amax > 0, amax / largest(fmt), 1.0).astype(np.float64)


def quantize(x, fmt, per="tensor", scale=None):
    """``x`` (n, d_ff) stored in format ``fmt`` with one scale per ``per`` and read back: round(x /
    scale) in the format, times scale, in x's dtype. ``scale`` (optional) replaces the scales
    computed from x itself (per unit: scales calibrated on another text); values beyond the
    format's range are then clipped to it, as a saturating cast does."""
    func = "quantize"
    _validate.choice(fmt, FORMATS, func, "fmt")
    _validate.choice(per, GRANULARITIES, func, "per")
    x = _check_2d(func, x)
    if scale is None:
        s = scales(x, fmt, per)
    else:
        s = np.asarray(_validate.float_array(scale, func, "scale"), dtype=np.float64)
        want = {"tensor": (1, 1), "token": (x.shape[0], 1), "unit": (1, x.shape[1])}[per]
        if s.shape != want or not np.all(np.isfinite(s)) or not np.all(s > 0):
            raise ValueError(f"{func}: scale for per={per!r} must be positive and finite of shape {want}, "
                             f"got shape {s.shape}")
    top = largest(fmt)
    z = np.clip(x.astype(np.float64) / s, -top, top)  # (n, d_ff), within the format's range
    if fmt == "int8":
        q = np.rint(z).astype(np.int8)  # (n, d_ff), round half to even
    else:
        q = z.astype(FORMATS[fmt])  # (n, d_ff), round to nearest even in ml_dtypes
    return (q.astype(np.float64) * s).astype(x.dtype)


def relative_error(x, q):
    """||q - x|| / ||x|| over the whole array (Frobenius norms)."""
    x = np.asarray(x, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if x.shape != q.shape:
        raise ValueError(f"relative_error: x and q must have one shape, got {x.shape} and {q.shape}")
    norm = np.linalg.norm(x)
    return float(np.linalg.norm(q - x) / norm) if norm > 0 else float(np.linalg.norm(q))


def fold_unit_scales(product, W2, s):
    """Divide each unit's product by s_j and multiply its row of W2 by s_j: returns
    (product / s (n, d_ff), s W2 (d_ff, d_model)), whose product equals product @ W2 in exact
    arithmetic. With s_j the unit's largest |product|, every column of product / s lies in
    [-1, 1]: the outlier units are gone from the array that is quantised."""
    func = "fold_unit_scales"
    product = _check_2d(func, product, "product")
    W2 = _validate.float_array(W2, func, "W2")
    s = _validate.float_array(s, func, "s").reshape(-1)
    if W2.ndim != 2 or W2.shape[0] != product.shape[1] or s.shape != (product.shape[1],):
        raise ValueError(f"{func}: need product (n, d_ff), W2 (d_ff, d_model), s (d_ff,); got "
                         f"{product.shape}, {W2.shape}, {s.shape}")
    if not np.all(np.isfinite(s)) or not np.all(s > 0):
        raise ValueError(f"{func}: every scale s_j must be positive and finite")
    return product / s.astype(product.dtype), W2 * s[:, None].astype(W2.dtype)


def unit_cosines(W, V):
    """The cosine between each unit's gate weights W[:, j] and value weights V[:, j], (d_ff,).
    Near +1 or -1: gate input and value grow together with the input along that direction, so
    their product grows with its square (Fishman et al. 2024)."""
    func = "unit_cosines"
    W = _validate.float_array(W, func, "W").astype(np.float64)
    V = _validate.float_array(V, func, "V").astype(np.float64)
    if W.ndim != 2 or W.shape != V.shape:
        raise ValueError(f"{func}: W and V must both be (d_model, d_ff), got {W.shape} and {V.shape}")
    norms = np.linalg.norm(W, axis=0) * np.linalg.norm(V, axis=0)  # (d_ff,)
    return np.sum(W * V, axis=0) / np.where(norms > 0, norms, 1.0)


def _check_2d(func, x, arg="x"):
    x = _validate.float_array(x, func, arg)
    _validate.ndim(func, arg, x, 2, "(n_tokens, d_ff)")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{func}: {arg} holds NaN or inf")
    return x
