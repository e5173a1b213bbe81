"""Branch-free exp, tanh, sigmoid and erfc that LLVM can vectorise.

PyPI's llvmlite ships without Intel's SVML, so ``math.exp`` inside a Numba loop is a
call into the C library, one element at a time, and the loop around it cannot use SIMD.
The functions here are written only with +, -, *, /, comparisons that become selects, a
floor, and an integer-to-float bit cast, so the loop vectoriser turns a loop over them
into AVX-512 (or AVX2) code, as Eigen, XNNPACK and Sleef do in C++.

All of them work in float64, for float64 arrays (and, under NUMBA_DISABLE_JIT, for
float32 arrays too). Compiled, float32 arrays have their own family in
``activations32.py``, in float32 arithmetic: sixteen lanes per AVX-512 instruction
instead of eight.

How each one is built:

- ``exp_pair(x)`` for x <= 0 (all the gates need): Cody-Waite range reduction
  x = k ln2 + r with |r| <= ln2 / 2 (ln2 split in a high part with trailing zero bits and
  a low part, so k * LN2_HI is exact), expm1(r) by its Taylor polynomial to degree 13
  (remainder below 2^-56), and 2^k built from its IEEE bits: (k + 1023) << 52.
  It returns exp(x) and expm1(x), both accurate (tanh needs the second near 0).
- sigmoid from e = exp(-|z|) only, so no overflow at +-1000; 1 - sigmoid is e / (1 + e),
  never a subtraction.
- tanh(|z|) = -expm1(-2|z|) / (2 + expm1(-2|z|)), accurate near 0 where (1 - e) / (1 + e)
  would cancel; tanh' = 4 e / (1 + e)^2 instead of the cancelling 1 - tanh^2.
- erfc(x) for x >= 0 as t exp(-x^2) Q(2t - 1), t = 2 / (2 + x): Q is smooth on [-1, 1]
  (it tends to 1 / (2 sqrt pi) as x -> inf), and a degree-24 polynomial fitted at
  Chebyshev nodes against 40-digit values (mpmath, offline) matches it to 8e-16 relative.

Under NUMBA_DISABLE_JIT=1 the same code runs as Python on Python floats; only the bit
cast has a pure-Python stand-in (``struct``).
"""

import math
import struct

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ._config import jit_disabled, njit

LOG2E = 1.4426950408889634  # 1 / ln 2
LN2_HI = 6.93147180369123816490e-01  # ln 2 to 32 bits: k * LN2_HI is exact for |k| < 2^21
LN2_LO = 1.90821492927058770002e-10  # ln 2 - LN2_HI
EXP_LO = -708.0  # exp(x) for x below this is below 2^-1021; we return 0 there
SQRT_HALF = 0.7071067811865476  # 1 / sqrt 2
INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi)

if jit_disabled():

    def bits_as_float(bits):
        """The float whose IEEE-754 bits are ``bits``: float32 for a NumPy int32, float64
        otherwise (pure-Python stand-in)."""
        if isinstance(bits, np.int32):
            return np.float32(struct.unpack("<f", struct.pack("<i", int(bits)))[0])
        return struct.unpack("<d", struct.pack("<q", bits))[0]

    def float_bits(x):
        """The IEEE-754 bits of a float32 as a NumPy int32 (pure-Python stand-in)."""
        return np.int32(struct.unpack("<i", struct.pack("<f", float(x)))[0])

else:

    @intrinsic
    def bits_as_float(typingctx, bits):
        """The float whose IEEE-754 bits are ``bits``: float32 for a 32-bit integer, float64
        for any other; one LLVM bitcast."""
        if not isinstance(bits, types.Integer):
            return None
        wide = bits.bitwidth != 32
        int_type, float_type = (types.int64, types.float64) if wide else (types.int32, types.float32)

        def codegen(context, builder, signature, args):
            value = context.cast(builder, args[0], signature.args[0], int_type)
            return builder.bitcast(value, ir.DoubleType() if wide else ir.FloatType())

        return float_type(bits), codegen

    @intrinsic
    def float_bits(typingctx, x):
        """The IEEE-754 bits of a float32 as an int32; one LLVM bitcast."""
        if x != types.float32:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(32))

        return types.int32(x), codegen


if jit_disabled():
    to_f64 = float  # a Python float: exact for float32 input, and no NumPy scalar warnings
else:

    @njit(inline="always")
    def to_f64(x):
        """x as float64. (Numba's ``float(x)`` keeps a float32 a float32.)"""
        return np.float64(x)


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
def tanh_parts(z):
    """(tanh(z), 1 - tanh(z)^2), branch-free, without cancellation."""
    e, em = exp_pair(-2.0 * abs(z))  # exp(-2|z|), and expm1(-2|z|) accurate near 0
    d = 2.0 + em  # 1 + e
    t = math.copysign(-em / d, z)
    dt = 4.0 * e / (d * d)
    t = z if z != z else t
    dt = z if z != z else dt
    return t, dt


@njit(inline="always")
def phi_parts(z):
    """(Phi(z), phi(z)): the standard normal CDF and density, branch-free.

    Phi(z) = erfc(-z / sqrt 2) / 2, with erfc(x) = t exp(-x^2) Q(2t - 1), t = 2 / (2 + x),
    evaluated at x = |z| / sqrt 2 so that the small tail is always computed directly.
    """
    x = abs(z) * SQRT_HALF
    e = exp_pair(-0.5 * z * z)[0]  # exp(-x^2) = exp(-z^2 / 2)
    t = 2.0 / (2.0 + x)
    u = 2.0 * t - 1.0
    q = -2.2124653785049848e-09
    q = q * u + 6.618547737616718e-09
    q = q * u + 8.331398302988539e-09
    q = q * u + -5.1579015426615876e-08
    q = q * u + 3.1237899528464255e-08
    q = q * u + 1.5002373169874064e-07
    q = q * u + -3.1904880762943956e-07
    q = q * u + 1.527560153078624e-08
    q = q * u + 1.023671759497573e-06
    q = q * u + -1.8346763716451883e-06
    q = q * u + -5.732747033044422e-07
    q = q * u + 8.066868949358842e-06
    q = q * u + -1.0844830478580393e-05
    q = q * u + -1.7076546276097942e-05
    q = q * u + 7.223470153006039e-05
    q = q * u + -1.7185277049606434e-05
    q = q * u + -0.0003315366672107297
    q = q * u + 0.00041864797455347
    q = q * u + 0.0015453060235237155
    q = q * u + -0.0032395925298231458
    q = q * u + -0.010755330944543402
    q = q * u + 0.018221115753306545
    q = q * u + 0.13973604627802544
    q = q * u + 0.3435803422069066
    q = q * u + 0.5107913526210115
    tail = 0.5 * (t * e * q)  # Phi(-|z|) = erfc(|z| / sqrt 2) / 2
    cdf = 1.0 - tail if z >= 0.0 else tail
    pdf = INV_SQRT_2PI * e
    cdf = z if z != z else cdf
    pdf = z if z != z else pdf
    return cdf, pdf
