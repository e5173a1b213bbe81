"""Checkers for notebook 09, float32 and the compile cache."""

import math
from fractions import Fraction

import numpy as np

from ..kernelstudy import ulp_error
from ._feedback import (
    Feedback,
    NotAnAnswer,
    call,
    checker,
    frozen,
    integer,
    number,
    shown,
)

#: Exercise 1: two numbers, each rounded to float32; how many float32 ulps apart?
ULP_PAIR = frozen((1000.0, 1000.001))
#: Exercise 2: the z around which a rounded z^2 spoils exp(-z^2 / 2).
Z_ROUNDED = 9.4


@checker
def check_ulps_apart(ulps_apart):
    """Exercise 1: how many float32 ulps lie between float32(1000.0) and float32(1000.001)?"""
    answer = integer(ulps_apart, "ulps_apart")
    a, b = (np.float32(x) for x in ULP_PAIR)
    expected = int(ulp_error(b, float(a)))
    if answer == expected:
        return Feedback(True, f"{expected}: between 512 and 1024, float32 numbers are 2^-14 = "
                              f"{float(np.spacing(a)):.3g} apart, and 1000.001 rounds to 1000 + {expected} x 2^-14.")
    near_one = int(ulp_error(np.float32(1.0 + (ULP_PAIR[1] - ULP_PAIR[0])), 1.0))
    if answer == near_one:
        return Feedback(False, "that is the count near 1. Near 1000 the spacing is 2^9 times wider: "
                               "which power of two is just below 1000?")
    return Feedback(False, "the spacing of float32 numbers in [2^e, 2^(e+1)) is 2^(e-23): find e for 1000, "
                           "then count the steps in 0.001, rounded to a whole number.")


def rounded_square_error(z):
    """The largest float32 ulp error of exp(-z^2 / 2) when only z^2 is rounded to float32 (the
    exp taken in float64), over the 20,000 float32 numbers 1e-5 apart from z - 0.1 on."""
    zs = np.arange(np.float32(z - 0.1), np.float32(z + 0.1), np.float32(1e-5), dtype=np.float32)  # (20000,)
    zz = zs * zs  # (20000,) float32: rounded
    got = np.exp(-0.5 * zz.astype(np.float64)).astype(np.float32)  # (20000,)
    exact = np.exp(-0.5 * zs.astype(np.float64) ** 2)  # (20000,)
    return int(ulp_error(got, exact).max())


@checker
def check_rounded_square(predicted_ulps):
    """Exercise 2: a prediction of the largest error, in float32 ulps, that rounding z^2 to float32
    puts on exp(-z^2 / 2) near z = Z_ROUNDED (right within a factor 2 of the measured worst case)."""
    answer = number(predicted_ulps, "predicted_ulps")
    worst = rounded_square_error(Z_ROUNDED)
    zz = np.float32(Z_ROUNDED) * np.float32(Z_ROUNDED)
    half = float(np.spacing(zz)) / 2
    if worst / 2 <= answer <= 2 * worst:
        return Feedback(True, f"the worst case measured on 20,000 float32 numbers near {Z_ROUNDED} is {worst} ulps. "
                              f"z^2 = {float(zz):.2f} moves by up to half its spacing, {half:.2g}, so z^2 / 2 by "
                              f"{half / 2:.2g}, and exp turns that into a relative error of {half / 2:.2g}; one ulp "
                              f"of the result is a relative {2.0**-24:.2g} to {2.0**-23:.2g}. Carried as a pair, "
                              "z^2 loses nothing.")
    direction = "too small" if answer < worst / 2 else "too large"
    return Feedback(False, f"{answer:g} is {direction}. Follow the error: how far apart are float32 numbers near "
                           f"z^2 = {float(zz):.2f}, what relative error does half that spacing of z^2 give "
                           "exp(-z^2 / 2), and how many ulps of the result is that?")


def _exactly(*floats):
    return sum((Fraction(float(x)) for x in floats), Fraction(0))


# (a, b) pairs every correct two_sum handles; the last three are so far apart in size that a
# float64 sum of the two float32 numbers is no longer exact.
_TWO_SUM_CASES = ((1.0, 1e-8), (3.0, 0.1), (-2.5, 2.5000002), (1e-3, 7.0), (0.1, 0.2), (1e20, 1e-20),
                  (-3e15, 1.25e-12), (6e-30, -4e5))


@checker
def check_two_sum(two_sum):
    """Exercise 3: ``two_sum(a, b)`` returns float32 (s, e) with s = a + b rounded and s + e = a + b
    exactly, for float32 a and b."""
    rng = np.random.default_rng(8)
    random = rng.standard_normal((200, 2)) * 10.0 ** rng.integers(-6, 7, (200, 2))  # (200, 2): many sizes
    cases = [(np.float32(a), np.float32(b)) for a, b in [*_TWO_SUM_CASES, *(tuple(r) for r in random)]]
    for a, b in cases:
        result, _ = call(two_sum, {"a": a, "b": b}, "two_sum")
        if not (isinstance(result, tuple) and len(result) == 2):
            raise NotAnAnswer(f"two_sum({a!r}, {b!r}) returned {shown(result)}; return the pair (s, e).")
        s, e = result
        if not all(isinstance(x, np.float32) for x in (s, e)):
            return Feedback(False, f"two_sum({a!r}, {b!r}) returned ({type(s).__name__}, {type(e).__name__}): "
                                   "keep both as np.float32 (an operation on two np.float32 numbers stays float32).")
        if s != a + b:
            return Feedback(False, f"s must be the float32 sum a + b: two_sum({a!r}, {b!r}) gave s = {s!r}, "
                                   f"a + b = {a + b!r}.")
        if _exactly(s, e) != _exactly(a, b):
            apart = abs(math.log2(abs(float(a))) - math.log2(abs(float(b)))) if a and b else 0.0
            hint = (" Here a and b are so far apart in size that float64 cannot hold their sum exactly either: "
                    "find the error with float32 operations. Which part of b did s keep?" if apart > 29
                    else " Which part of b made it into s (s - a), and what did each of a and b lose?")
            return Feedback(False, f"two_sum({a!r}, {b!r}) = ({s!r}, {e!r}), but s + e misses a + b by "
                                   f"{float(_exactly(s, e) - _exactly(a, b)):.3g}.{hint}")
    return Feedback(True, f"s + e equals a + b exactly on all {len(cases)} pairs, even where a and b are "
                          "dozens of powers of two apart: Knuth's two-sum, six operations and no branch.")


def silu_d_zero():
    """The zero w0 of silu'(w) = s + w s (1 - s), s = sigmoid(w): the root of 1 + w + e^w = 0,
    found by bisection in float64 (the sign changes between -2 and -1)."""
    lo, hi = -2.0, -1.0  # 1 + w + e^w is -0.86 at -2 and +0.37 at -1
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):  # no float64 number left between them
            break
        if 1.0 + mid + math.exp(mid) < 0:
            lo = mid
        else:
            hi = mid
    return min((lo, hi), key=lambda w: abs(1.0 + w + math.exp(w)))


@checker
def check_silu_zero(w0, w0_float32):
    """Exercise 4: w0, the zero of silu', as a float64 (to 1e-15), and the float32 number nearest it."""
    guess = number(w0, "w0")
    if w0_float32 is not None and not isinstance(w0_float32, np.float32):
        raise NotAnAnswer(f"w0_float32 must be an np.float32; it is {shown(w0_float32)} "
                          f"(of type {type(w0_float32).__name__}).")
    guess32 = number(w0_float32, "w0_float32")
    root = silu_d_zero()
    if not abs(guess - root) <= 1e-15 * abs(root):
        if abs(guess - root) < 1e-3:
            return Feedback(False, f"close ({guess!r}), but not to 15 digits: iterate until w0 stops changing.")
        return Feedback(False, f"1 + w + e^w at your w0 = {guess:g} is {1 + guess + math.exp(guess):.3g}, not 0. "
                               "It is negative at w = -2 and positive at w = -1: halve that interval until it "
                               "stops shrinking, or take Newton steps w - (1 + w + e^w) / (1 + e^w).")
    nearest = np.float32(root)
    if guess32 != float(nearest):
        return Feedback(False, f"w0 is right; w0_float32 = {guess32!r} is not the float32 number nearest it: "
                               "round w0 itself, once (np.float32(w0)).")
    return Feedback(True, f"w0 = {root!r}; its float32 neighbour {float(nearest)!r} misses it by "
                          f"{root - float(nearest):.3g}. A float32 kernel that measured d = w - w0 from the "
                          "rounded w0 alone would be off by that much in every d near the zero, where d itself "
                          "is that small: glulib keeps the rest of w0 as more float32 numbers.")


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6)

def _ulps_apart_answers():
    a, b = (np.float32(x) for x in ULP_PAIR)
    right = int((b - a) / np.spacing(a))
    gap = ULP_PAIR[1] - ULP_PAIR[0]
    return {"ulps_apart": right}, {
        "the count near 1": {"ulps_apart": round(gap / 2.0**-23)},
        "unrounded": {"ulps_apart": gap / float(np.spacing(a))},
        "one more": {"ulps_apart": right + 1}, "float64 ulps": {"ulps_apart": round(gap / np.spacing(1000.0))},
    }


def _rounded_square_answers():
    # half the spacing of float32 numbers near z^2 (in [64, 128): 2^-17), halved by z^2 / 2, is the
    # relative error exp passes on; over one ulp of the result, 2^-24 relative at most
    predicted = 2.0**-17 / 2 / 2 / 2.0**-24
    return {"predicted_ulps": predicted}, {
        "no error": {"predicted_ulps": 0}, "ten times too many": {"predicted_ulps": 10 * predicted},
        "a quarter": {"predicted_ulps": predicted / 4}, "negative": {"predicted_ulps": -predicted},
    }


def _two_sum_answers():
    def knuth(a, b):
        s = a + b
        bb = s - a
        return s, (a - (s - bb)) + (b - bb)

    def no_error(a, b):
        return a + b, np.float32(0)

    def through_float64(a, b):
        s = a + b
        return s, np.float32(np.float64(a) + np.float64(b) - np.float64(s))

    def fast_two_sum_unordered(a, b):
        s = a + b
        return s, b - (s - a)

    def python_floats(a, b):
        s, e = knuth(a, b)
        return float(s), float(e)

    def swapped(a, b):
        return knuth(a, b)[::-1]

    def as_list(a, b):
        return list(knuth(a, b))

    fns = [no_error, through_float64, fast_two_sum_unordered, python_floats, swapped, as_list]
    return {"two_sum": knuth}, {f.__name__: {"two_sum": f} for f in fns}


def _silu_zero_answers():
    w = -1.5
    for _ in range(100):  # Newton on 1 + w + e^w, whose zero is silu's
        w = w - (1 + w + math.exp(w)) / (1 + math.exp(w))
    return {"w0": w, "w0_float32": np.float32(w)}, {
        "to six digits": {"w0": round(w, 6)},
        "float32 given as a float64": {"w0_float32": float(np.float32(w))},
        "the float32 neighbour": {"w0_float32": np.nextafter(np.float32(w), np.float32(0))},
        "the zero of silu, not silu'": {"w0": 0.0, "w0_float32": np.float32(0)},
        "the minimum's value": {"w0": w / (1 + math.exp(-w))},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_ulps_apart": _ulps_apart_answers, "check_rounded_square": _rounded_square_answers,
           "check_two_sum": _two_sum_answers, "check_silu_zero": _silu_zero_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({})
