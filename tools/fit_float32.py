"""Fit the polynomials and split the constants that glulib/activations32.py uses.

Run it offline and paste what it prints into activations32.py. It needs mpmath, which is
in the test extra but not needed by the course. It computes every number with 50
significant digits. tests/test_float32_family.py reruns it and checks that every number
it prints is in the module.

With x = |z| / sqrt 2 clamped to [0, 7], t = 2 / (2 + x) and s = (18 t - 11) / 7 in [-1, 1]:

- Q(s) = erfc(x) exp(x^2) / (2 t), so that Phi(-|z|) = t exp(-z^2 / 2) Q(s);
- H(s) = (R(z) + z) / ((z - z0) sqrt(2 pi)) for z = -sqrt(2) x <= 0, where R = Phi / phi
  is the Mills ratio and z0 the zero of gelu'(z) = Phi(z) + z phi(z) = phi(z) (R(z) + z),
  so that gelu'(z) = exp(-z^2 / 2) (z - z0) H(s) for z <= 0.

Both are fitted by least squares at 200 Chebyshev nodes and printed in the power basis,
highest degree first (Horner order); the printed error is the largest relative error of
the float64 polynomial on 2001 points, the fit's own error before float32 rounding.
"""

import mpmath as mp
import numpy as np

mp.mp.dps = 50
X_MAX = 7


def x_of_s(s):
    t = (7 * mp.mpf(s) + 11) / 18
    return 2 / t - 2


def q(x):
    t = 2 / (2 + x)
    return mp.erfc(x) * mp.exp(x * x) / (2 * t)


GELU_D_ZERO = mp.findroot(lambda z: mp.ncdf(z) + z * mp.npdf(z), -0.75)
SILU_D_ZERO = mp.findroot(lambda w: 1 + w + mp.exp(w), -1.28)


def h(x):
    z = -mp.sqrt(2) * x
    return (mp.sqrt(mp.pi / 2) * mp.erfc(x) * mp.exp(x * x) + z) / ((z - GELU_D_ZERO) * mp.sqrt(2 * mp.pi))


def fit(fn, degree):
    nodes = np.cos(np.pi * (np.arange(200) + 0.5) / 200)
    values = np.array([float(fn(x_of_s(s))) for s in nodes])
    power = np.polynomial.chebyshev.cheb2poly(np.polynomial.chebyshev.chebfit(nodes, values, degree))
    check = np.linspace(-1, 1, 2001)
    exact = np.array([float(fn(x_of_s(s))) for s in check])
    err = np.max(np.abs(np.polyval(power[::-1], check) / exact - 1))
    return [float(np.float32(c)) for c in power[::-1]], err


def split(value, parts):
    """value as a sum of float32 numbers, largest first."""
    out = []
    rest = mp.mpf(value)
    for _ in range(parts):
        out.append(float(np.float32(float(rest))))
        rest -= mp.mpf(out[-1])
    return out


def main():
    for name, fn, degree in (("Q", q, 10), ("H", h, 9)):
        coefs, err = fit(fn, degree)
        print(f"{name}: degree {degree}, relative error of the fit {err:.1e}")
        print("    " + ",\n    ".join(repr(c) for c in coefs))
    print("GELU_D_ZERO (hi, mid, lo):", split(GELU_D_ZERO, 3))
    print("SILU_D_ZERO (hi, mid, lo):", split(SILU_D_ZERO, 3))
    print("exp(SILU_D_ZERO) (hi, lo):", split(mp.exp(SILU_D_ZERO), 2))
    print("ln 2 (hi with 9 bits, lo):", 0.693359375, float(np.float32(float(mp.log(2) - mp.mpf(0.693359375)))))
    print("2 sqrt 2 (float32, and its reciprocal):", split(2 * mp.sqrt(2), 1), split(1 / (2 * mp.sqrt(2)), 1))


if __name__ == "__main__":
    main()
