"""The gate activations for float32 arrays, computed in float32: sixteen lanes per AVX-512 op.

Computing a float32 array's activations in float64 would keep them within a few ulp but
give eight lanes per instruction, and the exact GELU is compute-bound there. Here the
arithmetic is float32, and a few error-free transformations keep the results within 4 ulp
of the float64 reading path, ``glulib.core`` (tests/test_accuracy.py):

- ``fma(a, b, c)`` rounds once, so ``p = a b`` and ``fma(a, b, -p)`` hold a product
  exactly (Dekker's two-product), and two-sum does the same for a sum.
- An exp argument is never rounded: -z^2 / 2 and beta z are carried as float32 pairs.
  (A rounded z^2 would put a relative error of 44 ulp on exp(-z^2 / 2) at z = 9.4.)
- 1 / (1 + e) takes 1 + e as a pair and one Newton step, so it is within half an ulp.
- A derivative that crosses zero is written so that nothing cancels. Near the zero of
  silu' at w0 = -1.2785 the textbook s + w s (1 - s) subtracts two numbers near 0.23;
  here 1 + w + e^w = d + e^w0 expm1(d) with d = w - w0 (it holds because
  1 + w0 + e^w0 = 0), a sum of two terms of one sign. For z < 0, gelu'(z) is written
  exp(-z^2 / 2) (z - z0) H(z) with H smooth and fitted, z0 = -0.7518 its zero.
- Results that are products (z sigmoid(beta z), z Phi(z)) come back as a pair (hi, lo)
  with hi + lo exact, and the kernels multiply by the value with one rounding. The
  exponential in exp(-z^2 / 2) Q is never rounded: it stays 2^k (1 + em) until the product.
- GELU's one division is a reciprocal estimate refined by a Newton step (``quick_div``).

The interface the float32 kernels (``kernels.py``) call: ``f(z, beta) -> (hi, lo)`` with
act(z) = hi + lo (lo is None where act(z) is one float32: sigmoid, tanh, relu, identity),
and ``f_and_df(z, beta) -> (hi, lo, df)``. Special values (inf, NaN) are not screened
here: they come out of the kernels' products (``kernels.mul_pair``). The polynomial fits
and the split constants come from tools/fit_float32.py (Chebyshev nodes, mpmath values).

Under NUMBA_DISABLE_JIT=1 float32 input runs the reading path (``glulib.core``) instead:
plain Python has no float32 arithmetic worth stepping through.
"""

import numpy as np

from ..jit import njit
from .intrinsics import bits_as_float, float_bits, fma, quick_div
from .vecmath import gelu_tanh_and_grad

F32 = np.float32
_0 = F32(0.0)
_1 = F32(1.0)
_2 = F32(2.0)
_4 = F32(4.0)
_HALF = F32(0.5)
F32_MAX = F32(np.finfo(np.float32).max)

# exp: Cody-Waite with ln 2 = LN2_HI + LN2_LO, LN2_HI with 9 significant bits so that
# k LN2_HI is exact; ROUNDER = 1.5 2^23 rounds x / ln 2 to an integer.
LOG2E32 = F32(1.4426950408889634)
LN2_HI32 = F32(0.693359375)
LN2_LO32 = F32(-0.00021219444170128554)
ROUNDER = F32(1.5 * 2.0**23)
EXP32_LO = F32(-87.0)  # exp(-87) = 1.6e-38, near float32's smallest normal: below it, 0

GELU_TANH_2C = 2.0 * 0.7978845608028654  # 2 sqrt(2 / pi)
GELU_TANH_CUBIC = 0.044715

# The zeros of silu' (in w = beta z) and gelu', as sums of three float32 numbers, so that
# the distance to them is exact to about 2^-72; and exp of the first, as a pair.
SILU_D_ZERO = (F32(-1.2784645557403564), F32(1.2979282537628478e-08), F32(1.1257466239192657e-16))
SILU_D_ZERO_EXP = (F32(0.27846455574035645), F32(-1.2979282537628478e-08))
GELU_D_ZERO = (F32(-0.7517915368080139), F32(1.211444988769017e-08), F32(-4.291324608861238e-16))

# erfc: with x = |z| / sqrt 2, t = 2.5 / (2.5 + x) = C / (C + |z|), C = 2.5 sqrt 2, and
# s = (19 t - 12) / 7 maps 0 <= x <= 7 onto [-1, 1]. Beyond x = 7 (|z| = 9.9) the normal
# tail is below 1e-22 and GELU and its derivative below 1e-20, so |z| is clamped there.
# C, S_A and S_B are float32 numbers, and Q and H are fitted for exactly these
# (tools/fit_float32.py): their rounding is not an error.
C_ERFC = F32(3.535533905029297)  # 2.5 sqrt 2 rounded
# Q(s) and H(s), highest degree first (Q's constant term is the pair Q(0) = Q_COEFS[-1] +
# Q0_LO); the polynomial P inside every exp: expm1(r) = r + r^2 P(r).
Q_COEFS = (F32(-2.2898518636793597e-06), F32(4.894273388345027e-06), F32(3.630425635492429e-05),
           F32(-9.035924449563026e-05), F32(-0.0006387493922375143), F32(0.000755218556150794),
           F32(0.015494761988520622), F32(0.065047986805439), F32(0.15929993987083435),
           F32(0.2600923478603363))
Q0_LO = F32(-1.4708978035571363e-08)
H_COEFS = (F32(3.6292603908805177e-06), F32(5.351213985704817e-06), F32(-6.941624451428652e-05),
           F32(-0.00018172200361732394), F32(0.0012975505087524652), F32(0.011025214567780495),
           F32(0.042544543743133545), F32(0.10800664126873016), F32(0.5024462342262268))
EXP_P = (F32(0.001374505925923586), F32(0.008368953131139278), F32(0.04166965186595917),
         F32(0.166665181517601), F32(0.49999988079071045))
ABS_Z_MAX = F32(9.899494936611665)  # 7 sqrt 2
S_A = F32(19.0 / 7.0)
S_B = F32(12.0 / 7.0)

# ---- exp, and the small exact pieces ----
@njit(inline="always")
def _exp_split(x, xl):
    """(2^k, expm1(r)) with x + xl = k ln2 + r, |r| <= ln2 / 2, for EXP32_LO <= x <= 2.

    k = round(x / ln 2) by adding 1.5 2^23, which leaves k in the low bits of the sum (its
    bits shifted up 23 places are those of 2^k, less the bias); expm1(r) = r + r^2 P(r), P
    of degree 4 fitted in tools/fit_float32.py (0.06 ulp)."""
    kf = fma(x, LOG2E32, ROUNDER)
    k = kf - ROUNDER  # exact: x / ln 2 rounded to an integer
    r = ((x - k * LN2_HI32) - k * LN2_LO32) + xl  # the first difference is exact
    p = _horner(EXP_P, r)
    em_r = r + r * (r * p)
    scale = bits_as_float(np.int32((float_bits(kf) << np.int32(23)) + np.int32(127 << 23)))  # 2^k, -126 <= k <= 3
    return scale, em_r


@njit(inline="always")
def _exp_reduce(x, xl):
    """``_exp_split`` for any x <= 2 (every caller's argument is at most 1.28): x below
    EXP32_LO or NaN is read as EXP32_LO (one max instruction)."""
    return _exp_split(x if x > EXP32_LO else EXP32_LO, xl)


@njit(inline="always")
def exp32(x, xl):
    """exp(x + xl) in float32 for x <= 2, within 1 ulp (tests/test_float32_family.py); 0 below
    EXP32_LO. NaN gives garbage: callers restore NaN."""
    scale, em_r = _exp_reduce(x, xl)
    e = fma(scale, em_r, scale)
    return _0 if x < EXP32_LO else e


@njit(inline="always")
def _two_prod_lo(a, b, p):
    """The rounding error of p = a b, exactly (NaN or inf products give 0)."""
    lo = fma(a, b, -p)
    return lo if lo - lo == _0 else _0


@njit(inline="always")
def _last_horner_step(c0, q, s):
    """c0 + q s as a pair (hi, lo), the last step of a Horner evaluation, where most of its
    rounding error is made: hi is c0 + q s rounded once (a fused multiply-add), and lo its
    rounding error, c0 - hi + q s, to within an ulp of lo. c0 - hi is exact (Sterbenz) when
    hi is within a factor 2 of c0, as it is for both polynomials here (Q in [0.15, 0.5]
    around 0.260, H in [0.43, 0.67] around 0.502: tools/fit_float32.py)."""
    hi = fma(q, s, c0)
    return hi, fma(q, s, c0 - hi)


@njit(inline="always")
def _horner(coefs, s):
    """The polynomial with these coefficients (highest degree first) at s."""
    p = coefs[0]
    for c in coefs[1:]:  # a tuple: unrolled, its numbers constants
        p = p * s + c
    return p


@njit(inline="always")
def _horner_pair(coefs, s):
    """``_horner`` as a pair (hi, lo), with the last step compensated (``_last_horner_step``)."""
    return _last_horner_step(coefs[-1], _horner(coefs[:-1], s), s)


@njit(inline="always")
def _recip1(e):
    """1 / (1 + e) for 0 <= e <= 1 within half an ulp: 1 + e is taken exactly as a pair
    (Fast2Sum), then one Newton step with fused multiply-adds."""
    p = _1 + e
    pl = (_1 - p) + e  # p + pl = 1 + e exactly
    inv = _1 / p
    res = fma(-p, inv, _1) - pl * inv  # 1 - (p + pl) inv; its first part is exact
    return fma(inv, res, inv)


@njit(inline="always")
def _scaled(z, beta):
    """beta z as a float32 pair (w, wl) exact to about 2^-48 (beta is a float64; for
    beta = 1, w = z and wl = 0)."""
    b_hi = F32(beta)
    b_lo = F32(beta - np.float64(b_hi))
    w = z * b_hi
    return w, fma(z, b_hi, -w) + z * b_lo


@njit(inline="always")
def _sigmoid_parts(w, wl):
    """(sigmoid(w), e, 1 / (1 + e)) for w + wl with e = exp(-|w|): no overflow, no
    cancellation; sigmoid within about 2 ulp."""
    neg = w < _0
    e = exp32(w if neg else -w, wl if neg else -wl)  # exp(-|w|)
    inv = _recip1(e)  # sigmoid(|w|)
    return (e * inv if neg else inv), e, inv


@njit(inline="always")
def _times(z, s):
    """z s as a pair (hi, lo), hi + lo exact for finite z s. Where s is 0, z = +-inf is read
    as the largest float32, so that inf times 0 is 0 (the limit), not NaN; where s is not 0,
    z = +-inf gives +-inf in hi and NaN in lo (the kernels' ``mul_pair`` then uses hi
    alone)."""
    big = z > F32_MAX or z < -F32_MAX  # False for NaN
    zc = (F32_MAX if z > _0 else -F32_MAX) if (big and s == _0) else z
    hi = zc * s
    return hi, fma(zc, s, -hi)


# ---- the activations: f(z, beta) -> (hi, lo); f_and_df(z, beta) -> (hi, lo, df) ----
@njit(inline="always")
def sigmoid32(z, beta):
    s = _sigmoid_parts(z, _0)[0]
    return (z if z != z else s), None


@njit(inline="always")
def sigmoid32_and_grad(z, beta):
    """sigmoid' = e / (1 + e)^2 with e = exp(-|z|): (e inv) inv, e inv taken exactly."""
    s, e, inv = _sigmoid_parts(z, _0)
    es = e * inv
    ds = fma(es, inv, fma(e, inv, -es) * inv)
    return (z if z != z else s), None, (z if z != z else ds)


@njit(inline="always")
def tanh32(z, beta):
    t = tanh32_and_grad(z, beta)
    return t[0], None


@njit(inline="always")
def tanh32_and_grad(z, beta):
    """tanh|z| = -expm1(-2|z|) / (1 + e), accurate near 0; tanh' = 4 e / (1 + e)^2, e =
    exp(-2|z|). Nothing cancels."""
    x = -_2 * abs(z)  # exact
    scale, em_r = _exp_reduce(x, _0)
    e = _0 if x < EXP32_LO else fma(scale, em_r, scale)
    em = -_1 if x < EXP32_LO else fma(scale, em_r, scale - _1)  # expm1(-2|z|)
    inv = _recip1(e)
    t = -em * inv
    t = -t if z < _0 else t
    es = e * inv
    dt = _4 * fma(es, inv, fma(e, inv, -es) * inv)
    return (z if z != z else t), None, (z if z != z else dt)


@njit(inline="always")
def relu32(z, beta):
    return (_0 if z <= _0 else z), None  # NaN <= 0 is False: NaN passes through


@njit(inline="always")
def relu32_and_grad(z, beta):
    df = _0 if z <= _0 else _1
    return (_0 if z <= _0 else z), None, (z if z != z else df)


@njit(inline="always")
def identity32(z, beta):
    return z, None


@njit(inline="always")
def identity32_and_grad(z, beta):
    return z, None, (z if z != z else _1)


@njit(inline="always")
def silu32(z, beta):
    """Swish z sigmoid(beta z), as a pair."""
    w, wl = _scaled(z, beta)
    hi, lo = _times(z, _sigmoid_parts(w, wl)[0])
    return hi, lo  # NaN: NaN times s is NaN


@njit(inline="always")
def silu32_and_grad(z, beta):
    """silu and silu' with w = beta z, from one exp.

    w >= 0: silu' = (1 + e + w e) / (1 + e)^2 with e = exp(-w): every term positive.
    w < 0:  silu' = e (1 + e + w) / (1 + e)^2 with e = exp(w); 1 + e + w crosses zero at
            w0 and is computed as d + exp(w0) expm1(d), d = w - w0, and e = exp(w0) exp(d)
            comes from the same exp (exp(w0) 2^k is exact, so it costs no rounding).
    """
    w, wl = _scaled(z, beta)
    neg = w < _0
    w0_hi, w0_mid, w0_lo = SILU_D_ZERO
    d = w - w0_hi  # d + d_lo = w - w0: Knuth's two-sum, then the small parts
    back = d - w
    d_lo = (((w - (d - back)) + (-w0_hi - back)) - w0_mid) - w0_lo + wl
    arg = d if neg else -w
    scale, em_r = _exp_reduce(arg, d_lo if neg else -wl)
    c_hi, c_lo = SILU_D_ZERO_EXP
    cs = c_hi * scale if neg else scale  # exact
    inner = fma(cs, em_r, (c_lo * scale if neg else _0))
    e = cs + inner  # exp(-|w|) = e + e_lo (Fast2Sum)
    e_lo = (cs - e) + inner
    under = arg < EXP32_LO
    e = _0 if under else e
    e_lo = _0 if under else e_lo
    inv = _recip1(e)
    s = e * inv if neg else inv
    m = fma(scale, em_r, scale - _1)  # expm1(d) when w < 0
    g = d + (d_lo + c_hi * m)  # 1 + e + w for w < 0
    num_neg = e * g
    num_lo = (_two_prod_lo(e, g, num_neg) + e_lo * g) if neg else _0
    num = num_neg if neg else (_1 + e) + (_0 if e == _0 else w * e)  # w -> inf: not inf * 0
    # silu' = (num + num_lo) / (1 + e)^2, with (1 + e)^2 as a pair and one correction step
    p = _1 + e
    pl = ((_1 - p) + e) + e_lo
    pp = p * p
    pp_lo = fma(p, p, -pp) + _2 * p * pl
    q = num / pp
    res = fma(-q, pp, num) + (num_lo - q * pp_lo)
    ds = fma(res, inv * inv, q)
    ds = _0 if (neg and e == _0) else ds  # w -> -inf: not 0 * -inf
    hi, lo = _times(z, s)
    return (z if z != z else hi), lo, (z if z != z else ds)


@njit(inline="always")
def gelu_tanh32(z, beta):
    """GELU's tanh form z sigmoid(2u), u = sqrt(2/pi) (z + 0.044715 z^3), as a pair; 2u is
    computed in float64 (z^3 does not fit a float32) and passed on as a pair."""
    x = np.float64(z)
    u2 = GELU_TANH_2C * (x + GELU_TANH_CUBIC * x * x * x)
    w = F32(u2)
    hi, lo = _times(z, _sigmoid_parts(w, F32(u2 - np.float64(w)))[0])
    return hi, lo  # NaN: NaN times s is NaN


@njit(inline="always")
def gelu_tanh32_and_grad(z, beta):
    """The derivative of the tanh form cancels near z = -0.75 in a way no identity removes
    cheaply, so this one is computed in float64 (``vecmath.gelu_tanh_and_grad``)."""
    f, df = gelu_tanh_and_grad(z)
    hi = F32(f)
    lo = F32(f - np.float64(hi))
    return hi, (lo if lo - lo == _0 else _0), F32(df)  # f = inf: lo is 0, not NaN


@njit(inline="always")
def _exp_times(scale, em, a, b_hi, b_lo):
    """scale (1 + em) a (b_hi + b_lo) with one rounding but for that of (1 + em): the factor
    exp(x) = scale (1 + em) (``_exp_split``) is never rounded, a b is taken exactly."""
    m = a * b_hi
    m_lo = fma(a, b_lo, fma(a, b_hi, -m))
    return scale * (m + fma(em, m, m_lo))  # scale is a power of 2: exact


@njit(inline="always")
def _erfc_t(az):
    """t = C / (C + az) for 0 <= az <= 7 sqrt 2, within about half an ulp: C + az is taken
    exactly as a pair (Fast2Sum), and C times 1 / a (a reciprocal estimate in a vector loop,
    ``quick_div``) gets one Newton step against that pair."""
    a = C_ERFC + az  # a + a_lo = C + az: Fast2Sum, the larger term first
    big = az if az > C_ERFC else C_ERFC
    small = C_ERFC if az > C_ERFC else az
    a_lo = small - (a - big)
    inv = quick_div(_1, a)  # 1 / a, to 2^-14 in a vector loop
    t = C_ERFC * inv
    res = fma(-a, t, C_ERFC) - a_lo * t  # C - (a + a_lo) t
    return fma(res, inv, t)  # t + res / (a + a_lo)


@njit(inline="always")
def _erfc_parts(z):
    """(tail, scale, em, s, az): Phi(-|z|) = erfc(|z| / sqrt 2) / 2 = tail = t exp(-z^2 / 2) Q(s),
    with exp(-z^2 / 2) = scale (1 + em), t = C / (C + |z|), s = (19 t - 12) / 7.

    az is |z| clamped to 7 sqrt 2 (NaN stays NaN, and so does all that follows); beyond the
    clamp scale is 0, so the tail and everything else multiplied by the exp are 0 there. t
    is corrected for the rounding of C + |z| and of the division (``_erfc_t``), the last
    Horner step of Q and the product t Q are taken exactly, and the exp is never rounded:
    what is left is the fit, the exp's polynomial and one rounding.
    """
    az = abs(z)
    inside = az < ABS_Z_MAX  # False for NaN
    az = ABS_Z_MAX if az > ABS_Z_MAX else az  # NaN stays NaN, and so does everything below
    zz = az * az
    zz_lo = fma(az, az, -zz)  # z^2 = zz + zz_lo exactly
    scale, em = _exp_split(-_HALF * zz, -_HALF * zz_lo)  # the argument is >= -49: no clamp
    scale = scale if inside else _0
    t = _erfc_t(az)
    s = t * S_A - S_B
    q_hi, q_lo = _horner_pair(Q_COEFS, s)
    q_lo = q_lo + Q0_LO  # Q(0) as a pair: nothing else absorbs its rounding
    tail = _exp_times(scale, em, t, q_hi, q_lo)
    return tail, scale, em, s, az


@njit(inline="always")
def gelu32(z, beta):
    """GELU z Phi(z), as a pair."""
    tail = _erfc_parts(z)[0]
    cdf = _1 - tail if z >= _0 else tail
    return _times(z, cdf)  # NaN: the tail is 0 and NaN times 0 is NaN


@njit(inline="always")
def gelu32_and_grad(z, beta):
    """gelu and gelu' = Phi(z) + z phi(z). For y = -|z| <= 0, gelu'(y) = e (y - z0) H(s),
    e = exp(-z^2 / 2), which does not cancel at the zero z0; and gelu'(z) = 1 - gelu'(-z)
    (Phi(-z) = 1 - Phi(z)), so for z >= 0 it is 1 minus the same number, which is below 1/2."""
    tail, scale, em, s, az = _erfc_parts(z)
    h_hi, h_lo = _horner_pair(H_COEFS, s)
    pos = z >= _0
    cdf = _1 - tail if pos else tail
    z0_hi, z0_mid, z0_lo = GELU_D_ZERO
    near = ((-az - z0_hi) - z0_mid) - z0_lo  # -|z| - z0 (|z| clamped); the first difference is exact near z0
    dg = _exp_times(scale, em, near, h_hi, h_lo)  # gelu'(-|z|); 0 beyond the clamp
    dg = _1 - dg if pos else dg
    hi, lo = _times(z, cdf)
    return hi, lo, dg  # NaN: az, and with it dg, is NaN
