"""Old home of the fused kernels; the gated product now lives in ``glulib.core`` (the
reading path) and ``glulib.fast`` (float32). Kept as public aliases while callers move:
import from ``glulib`` or ``glulib.core`` instead."""

from .core import glu, glu_backward

__all__ = ["glu", "glu_backward"]
