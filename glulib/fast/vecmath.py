"""Branch-free float64 exp and sigmoid that LLVM can vectorise.

PyPI's llvmlite ships without Intel's SVML, so ``math.exp`` inside a Numba loop is a
call into the C library, one element at a time, and the loop around it cannot use SIMD.
The functions here are written only with +, -, *, /, comparisons that become selects, a
floor, and an integer-to-float bit cast, so the loop vectoriser turns a loop over them
into AVX-512 (or AVX2) code, as Eigen, XNNPACK and Sleef do in C++.

The float32 family (``float32.py``) has its own float32 exp; it uses these float64 ones
for the derivative of GELU's tanh form (``gelu_tanh_and_grad``), which cancels in float32.

- ``exp_pair(x)`` for x <= 0 (all the gates need): Cody-Waite range reduction
  x = k ln2 + r with |r| <= ln2 / 2 (ln2 split in a high part with trailing zero bits and
  a low part, so k * LN2_HI is exact), expm1(r) by its Taylor polynomial to degree 13
  (remainder below 2^-56), and 2^k built from its IEEE bits: (k + 1023) << 52.
  It returns exp(x) and expm1(x), both accurate.
- sigmoid from e = exp(-|z|) only, so no overflow at +-1000; 1 - sigmoid is e / (1 + e),
  never a subtraction.
"""

import math

from ..jit import njit
from .intrinsics import bits_as_float, to_f64

LOG2E = 1.4426950408889634  # 1 / ln 2
LN2_HI = 6.93147180369123816490e-01  # ln 2 to 32 bits: k * LN2_HI is exact for |k| < 2^21
LN2_LO = 1.90821492927058770002e-10  # ln 2 - LN2_HI
EXP_LO = -708.0  # exp(x) for x below this is below 2^-1021; we return 0 there
SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi), GELU's tanh form
GELU_TANH_CUBIC = 0.044715


@njit(inline="always")
def _reduce(x):
    """Cody-Waite range reduction shared by both exps: x, read as 0 when positive or NaN and
    as EXP_LO below it, is k ln2 + r with |r| <= ln2 / 2. Returns (2^k from its bits, r)."""
    xc = x if x < 0.0 else 0.0  # NaN -> 0
    xc = xc if xc > EXP_LO else EXP_LO
    k = math.floor(xc * LOG2E + 0.5)
    r = (xc - k * LN2_HI) - k * LN2_LO
    return bits_as_float((k + 1023) << 52), r  # -1022 <= k <= 0


@njit(inline="always")
def exp_pair(x):
    """(exp(x), expm1(x)) for x <= 0, branch-free; NaN in gives garbage (the caller
    restores NaN), x > 0 is read as 0, and below EXP_LO exp is 0 and expm1 is -1.

    Cody-Waite: x = k ln2 + r, |r| <= ln2 / 2; expm1(r) by Taylor to degree 13 (its
    remainder is below 2^-56 there); exp(x) = 2^k (1 + expm1(r)) with 2^k from its bits.
    """
    scale, r = _reduce(x)  # x = k ln2 + r, scale = 2^k
    p = 1.0 / 6227020800.0  # 1/13!
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    em_r = r + r * (r * p)  # expm1(r)
    e = scale + scale * em_r
    em = (scale - 1.0) + scale * em_r
    under = x < EXP_LO
    return (0.0 if under else e), (-1.0 if under else em)


@njit(inline="always")
def exp_nonpos(x):
    """exp(x) for x <= 0 (and NaN), branch-free; 0 below EXP_LO."""
    e = exp_pair(x)[0]
    return x if x != x else e


@njit(inline="always")
def sigmoid_parts(z):
    """(sigmoid(z), 1 - sigmoid(z)), both without cancellation or overflow."""
    e = exp_pair(-abs(z))[0]  # exp(-|z|)
    q = 1.0 / (1.0 + e)  # sigmoid(|z|)
    eq = e * q  # sigmoid(-|z|) = 1 - sigmoid(|z|)
    pos = z >= 0.0
    sig = q if pos else eq
    one_minus = eq if pos else q
    sig = z if z != z else sig
    one_minus = z if z != z else one_minus
    return sig, one_minus


@njit(inline="always")
def gelu_tanh_and_grad(z):
    """GELU's tanh form z sigmoid(2u), u = sqrt(2/pi) (z + 0.044715 z^3), and its derivative,
    in float64 (z may be float32); the limits at +-inf are selected, never inf * 0."""
    z = to_f64(z)
    z2 = z * z
    u2 = 2.0 * SQRT_2_OVER_PI * (z + GELU_TANH_CUBIC * z2 * z)
    s, one_minus = sigmoid_parts(u2)
    ds = s * one_minus
    du2 = 2.0 * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_CUBIC * z2)
    f = 0.0 if s == 0.0 else z * s
    g = 0.0 if ds == 0.0 else z * ds * du2
    return f, s + g
