"""Static figures of notebook 08 (inside the kernels): timings against bytes moved, and
thread scaling.

Each function takes numbers the notebook has already measured (``glulib.kernelstudy`` computes
them) and only draws them; show one in a cell with ``display(static_twin(fig))``.
"""

import numpy as np

from ._quiet import static_figure


def _count(n):
    """``n`` as a reader reads it: ``2^20`` for a power of two, ``1,000,000`` otherwise."""
    n = int(n)
    return f"2^{n.bit_length() - 1}" if n > 0 and n & (n - 1) == 0 else f"{n:,}"


def bytes_and_time_figure(moved, times, copy_bw, what, n_elements):
    """A static figure: each version's time against the bytes it moves, beside the line of the
    machine's copy speed (a roofline without the arithmetic).

    ``moved`` and ``times`` map a version's name to bytes and seconds (same names; one point
    each, in the order of ``times``); ``copy_bw`` is the copy bandwidth in bytes per second;
    ``what`` and ``n_elements`` make the title ("SwiGLU forward + backward, float64, 2^20 elements").
    """
    fig = static_figure(figsize=(6.4, 4))
    ax = fig.subplots()
    mb = np.linspace(0, 1.1 * max(moved.values()), 50)  # (50,) bytes: where the line is drawn
    ax.plot(mb / 1e6, mb / copy_bw * 1e3, color="0.5", label=f"copy speed ({copy_bw / 1e9:.1f} GB/s)")
    for name, t in times.items():
        ax.plot(moved[name] / 1e6, t * 1e3, "o", ms=9, label=name)
    ax.set_xlabel("bytes moved (MB, temporaries counted)")
    ax.set_ylabel("time (ms)")
    ax.set_title(f"{what}, {_count(n_elements)} elements")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def thread_scaling_figure(threads, speedup):
    """A static figure: the measured speed-up over one thread against the number of threads,
    beside perfect scaling (speed-up equal to the thread count). ``threads`` and ``speedup``
    have one entry per measurement."""
    threads = np.asarray(threads)  # (k,)
    fig = static_figure(figsize=(5, 3.4))
    ax = fig.subplots()
    ax.plot(threads, speedup, "o-", label="measured")
    ax.plot(threads, threads, "--", color="0.6", label="perfect scaling")
    ax.set_xticks(threads)
    ax.set_xlabel("threads")
    ax.set_ylabel("speed-up over 1 thread")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


__all__ = ["bytes_and_time_figure", "thread_scaling_figure"]
