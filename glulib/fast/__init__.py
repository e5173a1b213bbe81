"""The fast path: the float32 kernels behind glulib's public functions, and what makes them fast.

``glulib.core`` holds the gated product as the course teaches it, in float64; float32 arrays
passed to the public functions (``glu``, ``glu_backward``, ``activate``,
``activate_grad``, ``ffn``, ``ffn_backward``) run the kernels here instead, and the tests
check them against ``core``. docs/PERFORMANCE.md records the measurements behind them.

- ``float32``: the activations in float32 arithmetic, kept within 4 ulp by error-free
  transformations (pairs of float32 numbers, fused multiply-adds) and fitted polynomials
  (tools/fit_float32.py computes their constants).
- ``vecmath``: exp and sigmoid written with operations LLVM's loop vectoriser knows.
- ``intrinsics``: one-instruction helpers (fma, bit casts, a reciprocal estimate) and the
  request for 512-bit vectors.
- ``kernels``: the chunked loops, serial for small arrays, over threads for large ones.
- ``training``: the kernels that make a training step of ``glulib.model`` fast (RMSNorm rows,
  the causal softmax, the embedding's gradient, the cross-entropy and its gradient).

Numba's settings, its cache and the launch of parallel kernels are ``glulib.jit``, which
imports nothing from glulib.
"""
