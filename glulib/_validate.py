"""Input checks shared by the public wrappers. Every message names the function, the
argument, what was expected and what came."""

import numbers

import numpy as np


def float_array(a, func, arg):
    """``a`` as a NumPy float array: float32/float64 kept, integers and booleans to float64.

    Complex, object, string and other dtypes raise TypeError.
    """
    if isinstance(a, np.ndarray):
        arr = a
    else:
        try:
            arr = np.asarray(a)
        except (ValueError, TypeError) as exc:
            raise TypeError(
                f"{func}: {arg} must be an array of real numbers, got {type(a).__name__} "
                f"that NumPy cannot turn into one ({exc})"
            ) from None
    kind = arr.dtype.kind
    if kind == "f":
        if arr.dtype not in (np.float32, np.float64):
            return arr.astype(np.float64)
        return arr
    if kind in "iub":
        return arr.astype(np.float64)
    raise TypeError(
        f"{func}: {arg} must hold real numbers (float32, float64 or integers), "
        f"got dtype {arr.dtype}"
    )


def real_scalar(x, func, arg):
    """A finite real number (Python float)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{func}: {arg} must be a real number, got {type(x).__name__} {x!r}")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{func}: {arg} must be finite, got {x}")
    return x


def choice(name, valid, func, arg):
    """``name`` must be one of ``valid`` (a dict or sequence of names)."""
    if not isinstance(name, str) or name not in valid:
        names = ", ".join(repr(v) for v in valid)
        raise ValueError(f"{func}: unknown {arg} {name!r}; expected one of {names}")
    return name


def same_shape(func, a_name, a, b_name, b):
    if a.shape != b.shape:
        raise ValueError(
            f"{func}: {a_name} and {b_name} must have the same shape, got "
            f"{a_name} {a.shape} and {b_name} {b.shape}"
        )


def ndim(func, arg, a, n, meaning):
    if a.ndim != n:
        raise ValueError(
            f"{func}: {arg} must be {n}-D {meaning}, got shape {a.shape} ({a.ndim}-D)"
        )


def integer(n, func, arg, lo=0, hi=None):
    """``n`` as an exact Python int with ``lo <= n`` (and ``n < hi`` when ``hi`` is given).
    Python and NumPy integers pass; bools, floats and anything else raise ValueError. The
    result is a Python int, so later arithmetic cannot wrap around as NumPy's fixed-width
    integers do (np.int16(30000) * 2 is -5536)."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < lo or (hi is not None and n >= hi):
        want = {0: "a non-negative integer", 1: "a positive integer"}.get(lo, f"an integer >= {lo}")
        raise ValueError(f"{func}: {arg} must be {want if hi is None else f'an integer from {lo} to {hi - 1}'}, got {n!r}")
    return int(n)


def positive_int(n, func, arg):
    """``n`` as an exact Python int >= 1 (``integer`` with lo = 1)."""
    return integer(n, func, arg, lo=1)


def float_arrays_alike(func, arrays):
    """The arrays of ``arrays`` (a dict argument name -> array-like), in order, as float
    arrays (``float_array``) of one shape; returns (arrays, shape, their promoted dtype)."""
    arrays = {arg: float_array(a, func, arg) for arg, a in arrays.items()}
    names = list(arrays)
    for a, b in zip(names, names[1:]):
        same_shape(func, a, arrays[a], b, arrays[b])
    return list(arrays.values()), arrays[names[0]].shape, np.result_type(*arrays.values())
