"""glulib: Gated Linear Units with fused Numba kernels, for the GLU course."""

from .codes import ACTIVATIONS
from .elementwise import activate, activate_grad, glu, glu_backward
from .feedforward import BASELINES, VARIANTS, ffn, ffn_backward, init_ffn, matched_d_ff
from .gradcheck import gradcheck

__all__ = [
    "ACTIVATIONS",
    "BASELINES",
    "VARIANTS",
    "activate",
    "activate_grad",
    "ffn",
    "ffn_backward",
    "glu",
    "glu_backward",
    "gradcheck",
    "init_ffn",
    "matched_d_ff",
]
__version__ = "0.1.0"
