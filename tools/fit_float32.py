"""Fit the polynomials and split the constants that glulib/fast/float32.py uses.

Run it offline and paste what it prints into glulib/fast/float32.py. It needs mpmath, which is
in the test extra but not needed by the course. It computes every number with 50
significant digits. tests/test_float32_family.py reruns it and checks that every number
it prints is in the module.

The kernel computes t = C / (C + |z|) and s = S_A t - S_B with C, S_A, S_B float32 numbers
(C near 2.5 sqrt 2, S_A near 19/7, S_B near 12/7, so that s runs over [-1, 1] as |z| goes
from 7 sqrt 2 to 0). The fits are made for exactly those float32 constants, so that their
rounding is not an error of the result. With x = |z| / sqrt 2 clamped to [0, 7]:

- Q(s) = erfc(x) exp(x^2) / (2 t), so that Phi(-|z|) = t exp(-z^2 / 2) Q(s);
- H(s) = (R(z) + z) / ((z - z0) sqrt(2 pi)) for z = -sqrt(2) x <= 0, where R = Phi / phi
  is the Mills ratio and z0 the zero of gelu'(z) = Phi(z) + z phi(z) = phi(z) (R(z) + z),
  so that gelu'(z) = exp(-z^2 / 2) (z - z0) H(s) for z <= 0;
- P(r) = (expm1(r) - r) / r^2 on |r| <= ln(2) / 2, the polynomial inside every exp.

Both are fitted for the smallest relative error at 200 Chebyshev nodes (weighted least
squares), and their coefficients are rounded to float32 one at a time, the constant term
first, each rounding followed by a refit of the coefficients not yet rounded (so that they
absorb it). Q's constant term is kept as a pair of float32 numbers: at s = 0 (|z| = 2.1)
no other term can absorb its rounding, which would cost up to 0.8 ulp there. They are
printed in Horner order, highest degree first; the printed error is the largest relative
error of the rounded polynomial on 2001 points, in float64.
"""

import mpmath as mp
import numpy as np

mp.mp.dps = 50
X_MAX = 7


C32 = float(np.float32(2.5 * np.sqrt(2)))
S_A32 = float(np.float32(19 / 7))
S_B32 = float(np.float32(12 / 7))


def t_of_s(s):
    return (mp.mpf(s) + mp.mpf(S_B32)) / mp.mpf(S_A32)


def x_of_s(s):
    """x = |z| / sqrt 2 for the |z| whose t = C / (C + |z|) gives this s."""
    t = t_of_s(s)
    return (mp.mpf(C32) / t - mp.mpf(C32)) / mp.sqrt(2)


def q(x):
    t = mp.mpf(C32) / (mp.mpf(C32) + mp.sqrt(2) * x)
    return mp.erfc(x) * mp.exp(x * x) / (2 * t)


GELU_D_ZERO = mp.findroot(lambda z: mp.ncdf(z) + z * mp.npdf(z), -0.75)
SILU_D_ZERO = mp.findroot(lambda w: 1 + w + mp.exp(w), -1.28)


def h(x):
    z = -mp.sqrt(2) * x
    return (mp.sqrt(mp.pi / 2) * mp.erfc(x) * mp.exp(x * x) + z) / ((z - GELU_D_ZERO) * mp.sqrt(2 * mp.pi))


def fit(fn, degree, constant_pair=False):
    """Coefficients c_degree .. c_0 (c_0 as float32 (hi, lo) if constant_pair), and the
    largest relative error."""
    nodes = np.cos(np.pi * (np.arange(200) + 0.5) / 200)
    values = np.array([float(fn(x_of_s(s))) for s in nodes])
    powers = np.vander(nodes, degree + 1, increasing=True) / values[:, None]  # relative error
    coefs = np.zeros(degree + 1)
    constant = None
    for k in range(degree + 1):  # round c_k, after refitting c_k..c_degree with c_0..c_k-1 fixed
        rest = 1 - powers[:, :k] @ coefs[:k]
        coefs[k:] = np.linalg.lstsq(powers[:, k:], rest, rcond=None)[0]
        if k == 0 and constant_pair:
            constant = [float(np.float32(coefs[0]))]
            constant.append(float(np.float32(coefs[0] - constant[0])))
            coefs[0] = constant[0] + constant[1]
        else:
            coefs[k] = float(np.float32(coefs[k]))
    check = np.linspace(-1, 1, 2001)
    exact = np.array([float(fn(x_of_s(s))) for s in check])
    err = np.max(np.abs(np.polyval(coefs[::-1], check) / exact - 1))
    printed = [float(c) for c in coefs[::-1]]
    if constant_pair:
        printed[-1:] = constant
    return printed, err


def fit_exp(degree):
    """P with expm1(r) = r + r^2 P(r) for |r| <= ln(2) / 2, the error measured on
    exp(r) = 1 + expm1(r) (what the kernels use); float32 coefficients, constant term first
    rounded as in ``fit``."""
    half = float(mp.log(2) / 2) * 1.0005  # r's range, and a little for its rounding
    nodes = np.cos(np.pi * (np.arange(200) + 0.5) / 200) * half
    target = np.array([float((mp.expm1(r) - r) / r**2) for r in map(mp.mpf, nodes)])
    weight = nodes**2 / np.exp(nodes)
    powers = np.vander(nodes, degree + 1, increasing=True) * weight[:, None]
    coefs = np.zeros(degree + 1)
    for k in range(degree + 1):
        rest = target * weight - powers[:, :k] @ coefs[:k]
        coefs[k:] = np.linalg.lstsq(powers[:, k:], rest, rcond=None)[0]
        coefs[k] = float(np.float32(coefs[k]))
    check = [mp.mpf(r) for r in np.linspace(-half, half, 401)]
    err = max(abs(r + r * r * mp.polyval([mp.mpf(c) for c in coefs[::-1]], r) - mp.expm1(r)) / mp.exp(r) for r in check)
    return [float(c) for c in coefs[::-1]], float(err)


def split(value, parts):
    """value as a sum of float32 numbers, largest first."""
    out = []
    rest = mp.mpf(value)
    for _ in range(parts):
        out.append(float(np.float32(float(rest))))
        rest -= mp.mpf(out[-1])
    return out


def main():
    for name, fn, degree, pair in (("Q", q, 9, True), ("H", h, 8, False)):
        coefs, err = fit(fn, degree, pair)
        print(f"{name}: degree {degree}{', the constant as a pair (hi, lo)' if pair else ''}, "
              f"relative error of the fit {err:.1e}")
        print("    " + ",\n    ".join(repr(c) for c in coefs))
    coefs, err = fit_exp(4)
    print(f"exp: P of degree 4, relative error of the fit {err:.1e}")
    print("    " + ",\n    ".join(repr(c) for c in coefs))
    print("GELU_D_ZERO (hi, mid, lo):", split(GELU_D_ZERO, 3))
    print("SILU_D_ZERO (hi, mid, lo):", split(SILU_D_ZERO, 3))
    print("exp(SILU_D_ZERO) (hi, lo):", split(mp.exp(SILU_D_ZERO), 2))
    print("ln 2 (hi with 9 bits, lo):", 0.693359375, float(np.float32(float(mp.log(2) - mp.mpf(0.693359375)))))
    print("C = 5 / sqrt 2 (float32):", split(5 / mp.sqrt(2), 1))


if __name__ == "__main__":
    main()
