"""One-instruction helpers for the fast kernels, and their request for 512-bit vectors.

Each is an LLVM instruction Numba does not expose: a fused multiply-add, the bit casts
between a float and its IEEE-754 bits, a division that may become a reciprocal estimate,
and the function attributes that set the vector width. Under NUMBA_DISABLE_JIT=1 each has
a pure-Python stand-in.
"""

import struct

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ..jit import jit_disabled, njit

F32 = np.float32

#: The LLVM function attribute that ``wide_vectors`` sets (clang's -mprefer-vector-width=512).
PREFER_512 = '"prefer-vector-width"="512"'


def _has_avx512():
    try:
        import llvmlite.binding as llvm

        return bool(llvm.get_host_cpu_features().get("avx512f", False))
    except Exception:  # pragma: no cover - a platform llvmlite cannot inspect
        return False


#: A division marked ``arcp`` (``quick_div``) becomes a reciprocal estimate times the
#: numerator, which its caller refines with one Newton step. AVX-512's estimate
#: (vrcp14ps) has 14 bits, enough for that step to reach float32 (2^-28); older CPUs'
#: (rcpps) has 12, so LLVM refines it once first (clang's -mrecip=vec-divf:N).
RECIP_ESTIMATE = '"reciprocal-estimates"="vec-divf:%d"' % (0 if _has_avx512() else 1)

if jit_disabled():

    def bits_as_float(bits):
        """The float whose IEEE-754 bits are ``bits``: float32 for a NumPy int32, float64
        otherwise (pure-Python stand-in)."""
        if isinstance(bits, np.int32):
            return F32(struct.unpack("<f", struct.pack("<i", int(bits)))[0])
        return struct.unpack("<d", struct.pack("<q", bits))[0]

    def float_bits(x):
        """The IEEE-754 bits of a float32 as a NumPy int32 (pure-Python stand-in)."""
        return np.int32(struct.unpack("<i", struct.pack("<f", float(x)))[0])

    def fma(a, b, c):
        """a b + c with one rounding (pure-Python stand-in for float32 a, b, c: the
        product of two float32 numbers is exact in float64)."""
        return F32(float(a) * float(b) + float(c))

    def quick_div(a, b):
        return F32(a / b)

    def wide_vectors():
        """No-op in plain Python."""

    to_f64 = float  # a Python float: exact for float32 input, and no NumPy scalar warnings

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

    @intrinsic
    def fma(typingctx, a, b, c):
        """a b + c with one rounding, for float32: LLVM's llvm.fma, one instruction."""
        if not all(t == types.float32 for t in (a, b, c)):
            return None

        def codegen(context, builder, signature, args):
            return builder.fma(*args)

        return types.float32(a, b, c), codegen

    @intrinsic
    def quick_div(typingctx, a, b):
        """a / b for float32 with a relative error up to 2^-14, for a caller that refines it
        with a Newton step. Marked ``arcp`` and ``ninf`` (b must be finite), so that in a
        vector loop LLVM emits a reciprocal estimate (vrcp14ps on AVX-512) times a instead
        of a division (``wide_vectors``); elsewhere it may be an exact division."""
        if not (a == types.float32 and b == types.float32):
            return None

        def codegen(context, builder, signature, args):
            return builder.fdiv(*args, flags=("arcp", "ninf"))

        return types.float32(a, b), codegen

    @intrinsic
    def wide_vectors(typingctx):
        """Let LLVM vectorise the calling function with 512-bit registers.

        On CPUs with AVX-512, LLVM prefers 256-bit vectors by default (older Xeons lowered
        their clock for 512-bit code), so a float32 loop gets 8 lanes instead of 16. The
        fused kernels are compute-bound in float32, and 16 lanes are faster
        (docs/PERFORMANCE.md). Calling this inside a loop's function sets the attribute
        clang sets for -mprefer-vector-width=512; CPUs without AVX-512 are unaffected. It
        also lets a division marked ``arcp`` be an unrefined reciprocal estimate
        (``RECIP_ESTIMATE``, clang's -mrecip=vec-divf:0); only ``quick_div`` is marked, and
        its callers refine it by a Newton step. If llvmlite ever stops accepting the
        attributes, the call does nothing.
        """

        def codegen(context, builder, signature, args):
            try:
                set.add(builder.function.attributes, PREFER_512)  # llvmlite checks names; LLVM knows it
                set.add(builder.function.attributes, RECIP_ESTIMATE)
            except TypeError:  # pragma: no cover - a future llvmlite without a set of attributes
                pass
            return context.get_dummy_value()

        return types.none(), codegen

    @njit(inline="always")
    def to_f64(x):
        """x as float64. (Numba's ``float(x)`` keeps a float32 a float32.)"""
        return np.float64(x)
