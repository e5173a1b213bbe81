"""Static figures of notebook 09 (float32 and the cache): float32 errors in ulps.

Each function takes numbers the notebook has already measured (``glulib.kernelstudy`` computes
them) and only draws them; show one in a cell with ``display(static_twin(fig))``.
"""

import numpy as np

from ._quiet import static_figure


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


__all__ = ["rounding_error_figure", "ulp_error_figure"]
