"""Static figures of notebooks 08 and 09 (inside the kernels, float32): timings against bytes
moved, thread scaling, float32 errors in ulps.

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


def ulp_error_figure(errors):
    """A static figure: float32 errors in ulps against z, one panel per entry of ``errors``.

    ``errors`` maps a panel's title to ``{activation name: (z, ulps)}``, the points to draw
    (points left out of the ulp comparison are simply not passed). Each series' legend gives
    the largest error among its points. The panels share the error axis.
    """
    fig = static_figure(figsize=(10, 3.6))
    axes = np.atleast_1d(fig.subplots(1, len(errors), sharey=True))
    for ax, (title, series) in zip(axes, errors.items()):
        for name, (z, ulps) in series.items():
            ax.plot(z, ulps, ".", ms=2, label=f"{name}: max {np.max(ulps)} ulp")
        ax.set_title(title)
        ax.set_xlabel("z")
        ax.legend(frameon=False, markerscale=5)
    axes[0].set_ylabel("error (float32 ulps)")
    fig.tight_layout()
    return fig


def rounding_error_figure(z, ulps):
    """A static figure: the error of exp(-z^2/2), in float32 ulps, when only z^2 is rounded to
    float32, against z. ``ulps`` has one entry per z."""
    fig = static_figure(figsize=(6.4, 3.4))
    ax = fig.subplots()
    ax.plot(z, ulps, ".", ms=2)
    ax.set_xlabel("z")
    ax.set_ylabel("error of exp(-z^2/2) (ulps)")
    ax.set_title("only z^2 rounded to float32")
    fig.tight_layout()
    return fig


__all__ = ["bytes_and_time_figure", "rounding_error_figure", "thread_scaling_figure", "ulp_error_figure"]
