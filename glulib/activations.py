"""Old home of the activations; they now live in ``glulib.core`` (value and derivative
together). Kept as public aliases while callers move: import from ``glulib`` or
``glulib.core`` instead."""

import numpy as np

from .codes import ACTIVATIONS, CODES
from .core import activate, activate_grad


def reference(z, name, beta=1.0):
    """(act(z), act'(z)) in float64 from the reading path (``glulib.core``)."""
    z = np.asarray(z, dtype=np.float64)
    return activate(z, name, beta), activate_grad(z, name, beta)


__all__ = ["ACTIVATIONS", "CODES", "activate", "activate_grad", "reference"]
