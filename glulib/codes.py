"""The gate activations by name: the one table both kernel families dispatch on.

A kernel receives an activation as a small integer, because a Numba loop cannot take a
name. Each integer is a named constant, and the kernels compare against the constants
(``code == SILU``), never against a position in a list, so that adding or reordering a
name cannot make a kernel run another activation.
"""

SIGMOID = 0
TANH = 1
RELU = 2
GELU = 3
GELU_TANH = 4
SILU = 5
IDENTITY = 6

#: Activation name -> kernel code, in the order the course introduces them.
CODES = {
    "sigmoid": SIGMOID,
    "tanh": TANH,
    "relu": RELU,
    "gelu": GELU,
    "gelu_tanh": GELU_TANH,
    "silu": SILU,
    "identity": IDENTITY,
}
#: The names, in the same order.
ACTIVATIONS = tuple(CODES)
