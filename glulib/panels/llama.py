"""Figures of notebook 10 (a real SwiGLU): static matplotlib figures, the numbers computed in the
notebook's cells and passed in."""

import numpy as np
from matplotlib.figure import Figure


def openings_figure(real, toys, pump):
    """How often openings are near 0, negative and near 1, layer by layer in the real model
    (``real``: glulib.microscope.opening_stats rows), beside each toy model's layers (``toys``:
    {label: rows}) and the pump (``pump``: one dict with the same keys)."""
    keys = ("near 0", "negative", "near 1")
    fig = Figure(figsize=(10, 3.2), layout="constrained")
    axes = fig.subplots(1, len(keys), sharey=True)
    layers = [r["layer"] for r in real]
    styles = ("--", ":", "-.")
    for ax, key in zip(axes, keys):
        ax.plot(layers, [r[key] for r in real], "o-", ms=3, color="C3", label="SmolLM2, per layer")
        for (label, rows), style in zip(toys.items(), styles):
            ax.axhline(np.mean([r[key] for r in rows]), ls=style, color="C0", label=f"{label} (mean of its layers)")
        ax.axhline(pump[key], ls="-", color="0.5", lw=1, label="typhoon pump")
        ax.set_title(f"openings {key}")
        ax.set_xlabel("layer")
    axes[0].set_ylabel("fraction of (token, unit)")
    axes[-1].legend(fontsize=7, loc="upper right")
    return fig


def massive_figure(ratio):
    """The largest |opening x value| of each layer divided by its median |opening x value| (log scale)."""
    fig = Figure(figsize=(8, 3), layout="constrained")
    ax = fig.subplots()
    ax.bar(np.arange(len(ratio)), ratio, color="C3")
    ax.set_yscale("log")
    ax.axhline(100, color="0.4", ls="--", lw=1, label="100x the median")
    ax.set_xlabel("layer")
    ax.set_ylabel("max / median |opening x value|")
    ax.legend(fontsize=8)
    return fig


def sparsity_figure(kept, losses, full_loss, relu_loss):
    """Loss when each token keeps only the largest ``kept`` fractions of |opening x value|, beside
    the full model and the model with ReLU in every gate."""
    fig = Figure(figsize=(6, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.plot(100 * np.asarray(kept), losses, "o-", color="C3", label="keep the largest k% per token")
    ax.axhline(full_loss, color="0.3", ls="--", label="full model")
    ax.axhline(relu_loss, color="C0", ls=":", label="ReLU in every gate, no retraining")
    ax.set_xscale("log")
    ax.set_xlabel("k: share of units kept per token and layer (%)")
    ax.set_ylabel("loss on the passage (nats)")
    ax.legend(fontsize=8)
    return fig
