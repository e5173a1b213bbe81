"""Figures for notebook 11 (gates meet the hardware): static pictures, every number passed in
from the notebook's own measurements."""

import numpy as np
from matplotlib.figure import Figure


def speedup_figure(sparsity, speedup, ideal):
    """Measured speed-up of the sparse decoding FFN over the dense one against sparsity, beside
    the speed-up that the bytes read alone allow (``ideal``) and the break-even line 1."""
    fig = Figure(figsize=(6.0, 3.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(sparsity, ideal, "--", color="0.5", label="bytes read: dense / sparse")
    ax.plot(sparsity, speedup, "o-", color="C3", label="measured: dense time / sparse time")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xlabel("sparsity (share of units skipped)")
    ax.set_ylabel("speed-up")
    ax.legend(frameon=False)
    return fig


def loss_figure(keep, losses, base):
    """Loss against the share of units kept, one line per rule (``losses``: {label: list}),
    with the full model's loss ``base`` as a line."""
    fig = Figure(figsize=(6.0, 3.2), layout="constrained")
    ax = fig.add_subplot()
    for label, values in losses.items():
        ax.plot(keep, values, "o-", label=label)
    ax.axhline(base, color="k", lw=0.8, label="every unit kept")
    ax.set_xscale("log")
    ax.set_xlabel("share of units kept per token")
    ax.set_ylabel("loss (nats per token)")
    ax.legend(frameon=False)
    return fig


def formats_figure(grids):
    """The positive numbers each 8-bit format holds ({name: sorted values}), on a log axis: a
    float's numbers are spread evenly in log scale, an integer's crowd at the top."""
    fig = Figure(figsize=(7.0, 2.4), layout="constrained")
    ax = fig.add_subplot()
    for row, (name, values) in enumerate(grids.items()):
        v = np.asarray(values)
        v = v[v > 0]
        ax.plot(v, np.full(v.size, row), "|", ms=12)
    ax.set_yticks(range(len(grids)), list(grids))
    ax.set_xscale("log")
    ax.set_xlabel("positive numbers the format holds (log scale)")
    ax.set_ylim(-0.7, len(grids) - 0.3)
    return fig


def cosine_figure(cosines, marked, labels):
    """Histograms of the cosine between each unit's W and V columns, one per model
    (``cosines``: {label: (d_ff,) or pooled array}); ``marked`` ({label: values}) as ticks."""
    fig = Figure(figsize=(7.0, 3.0), layout="constrained")
    ax = fig.add_subplot()
    bins = np.linspace(-1, 1, 81)
    for label, c in cosines.items():
        ax.hist(np.asarray(c), bins=bins, density=True, histtype="step", lw=1.5, label=label)
    for label, values in marked.items():
        for k, v in enumerate(np.atleast_1d(values)):
            ax.axvline(v, color="C3", lw=1, ls=":", label=label if k == 0 else None)
    ax.set_xlabel("cosine between a unit's W column and V column")
    ax.set_ylabel("density")
    ax.legend(frameon=False, fontsize="small", title=labels)
    return fig
