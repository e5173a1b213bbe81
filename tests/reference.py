"""Slow, obviously-right NumPy references the kernels are tested against."""

import math

import numpy as np

import glulib
from glulib.activations import reference as act_reference


def glu_ref(value, gate, activation="sigmoid", beta=1.0):
    f, _ = act_reference(gate, activation, beta)
    return np.asarray(value, dtype=np.float64) * f


def glu_backward_ref(dout, value, gate, activation="sigmoid", beta=1.0):
    f, df = act_reference(gate, activation, beta)
    dout = np.asarray(dout, dtype=np.float64)
    return dout * f, dout * np.asarray(value, dtype=np.float64) * df


def ffn_ref(x, params, variant, beta=1.0):
    """Shazeer's equations, line by line, in float64."""
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    activation = {**glulib.VARIANTS, **glulib.BASELINES}[variant]
    a = np.asarray(x, dtype=np.float64) @ p["W"] + p.get("b", 0.0)
    h, _ = act_reference(a, activation, beta)
    if variant in glulib.VARIANTS:
        h = h * (np.asarray(x, dtype=np.float64) @ p["V"] + p.get("c", 0.0))
    return h @ p["W2"] + p.get("b2", 0.0)


def sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
