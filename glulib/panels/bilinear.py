"""Figures for notebook 12 (a Bilinear layer read from its weights): static pictures of numbers
the notebook computed."""

import numpy as np
from matplotlib.figure import Figure


def spectrum_figure(spectra):
    """|eigenvalue| against rank, one line per quadratic form ({label: eigenvalues as glulib.bilinear.eigen
    orders them}); filled markers for positive eigenvalues, open for negative."""
    fig = Figure(figsize=(6.5, 3.2), layout="constrained")
    ax = fig.add_subplot()
    for k, (label, lam) in enumerate(spectra.items()):
        lam = np.asarray(lam)
        rank = np.arange(1, lam.size + 1)
        line, = ax.plot(rank, np.abs(lam), "-", lw=1, color=f"C{k}", label=label)
        pos = lam > 0
        ax.plot(rank[pos], np.abs(lam[pos]), "o", ms=3, color=line.get_color())
        ax.plot(rank[~pos], np.abs(lam[~pos]), "o", ms=3, mfc="none", color=line.get_color())
    ax.set_xscale("log")
    ax.set_xlabel("eigenvalue rank (largest |eigenvalue| first)")
    ax.set_ylabel("|eigenvalue|")
    ax.legend(frameon=False, title="filled: positive, open: negative", fontsize="small")
    return fig


def explained_figure(ks, on_weights, on_data):
    """Share of the form held by the first k eigenvalues (sum of lam^2) and share of the output's
    variance on the passage that the first k terms explain, against k."""
    fig = Figure(figsize=(6.0, 3.0), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(ks, on_weights, "o-", label="share of the form (weights alone)")
    ax.plot(ks, on_data, "s-", label="variance explained on the passage")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("first k eigenvectors")
    ax.legend(frameon=False)
    return fig
