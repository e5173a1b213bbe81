"""Notebook 02's live figures: the gate zoo and Swish's beta.

    zoo_panel()    choose a variant's gate activation (and Swish's beta): its curve, its
                   derivative and the output surface value * act(gate) as a heatmap
    swish_panel()  Swish_beta from near-linear (beta -> 0) to near-ReLU (beta large)

Each figure is built once and updated in place; numbers come from glulib.
"""

import ipywidgets as widgets
import numpy as np

from ..elementwise import activate, activate_grad
from ..feedforward import LABELS, VARIANTS
from .. import zoo
from ._blit import BlitPanel, Blitter
from ._common import Panel, canvas_widget, group, readout, redraw, slider
from ._quiet import live_figure

Z = np.linspace(-4.0, 4.0, 201)  # (201,)
LIM = 3.0  # the heatmap covers value, gate in [-LIM, LIM]
BETA_RANGE = (0.05, 10.0, 0.05)


def zoo_panel(variant="glu"):
    """The zoo: ToggleButtons ``activation`` over the five variants, slider ``beta`` (SwiGLU)."""
    controls = {
        "activation": widgets.ToggleButtons(
            options=[(f"{LABELS[v]} ({a})", a) for v, a in VARIANTS.items()],
            value=VARIANTS[variant], description="activation", style={"button_width": "auto"}),
        "beta": slider("Swish beta", 1.0, *BETA_RANGE),
    }
    readouts = {"corner": readout("out at value=gate=3"), "slope_at_0": readout("act'(0)")}
    for key, w in {**controls, **readouts}.items():
        w.add_class(f"glu-zoo-{key}")

    fig = live_figure((9.5, 3.2))
    ax_f, ax_h = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    (f_line,) = ax_f.plot(Z, Z, lw=2, label="act(z)")
    (d_line,) = ax_f.plot(Z, Z, lw=1.5, ls="--", label="act'(z)")
    ax_f.axhline(0, color="0.6", lw=0.6)
    ax_f.axvline(0, color="0.6", lw=0.6)
    ax_f.set_xlabel("gate input z")
    ax_f.legend(fontsize=8, loc="upper left")
    ax_f.set_ylim(-1.5, 4.2)
    f_title = ax_f.set_title("", fontsize=10)
    axis, _, out = zoo.surface("glu", LIM, 121)
    image = ax_h.imshow(out, origin="lower", extent=(-LIM, LIM, -LIM, LIM), cmap="RdBu_r", aspect="auto")
    fig.colorbar(image, ax=ax_h)
    ax_h.set_xlabel("gate input")
    ax_h.set_ylabel("value")
    h_title = ax_h.set_title("", fontsize=10)
    fig.tight_layout()
    names = {a: v for v, a in VARIANTS.items()}

    def update(change=None):
        act, beta = controls["activation"].value, controls["beta"].value
        controls["beta"].disabled = act != "silu"
        variant = names[act]
        f_line.set_ydata(activate(Z, act, beta))
        d_line.set_ydata(activate_grad(Z, act, beta))
        f_title.set_text(f"{LABELS[variant]}: gate activation {act}")
        _, _, out = zoo.surface(variant, LIM, 121, beta)  # (121, 121)
        image.set_array(out)
        m = float(np.abs(out).max())
        image.set_clim(-m, m)
        h_title.set_text(f"value \u00d7 {act}(gate)")
        readouts["corner"].value = f"<b>{float(out[-1, -1]):.3f}</b>"
        readouts["slope_at_0"].value = f"<b>{float(activate_grad(np.zeros(1), act, beta)[0]):.3f}</b>"
        redraw(fig)

    for w in controls.values():
        w.observe(update, names="value")
    layout = widgets.VBox([group("gated variant", [controls["activation"], controls["beta"]]),
                           widgets.HBox(list(readouts.values())), canvas_widget(fig)])
    panel = Panel(layout, controls, readouts, fig, update)
    update()
    return panel


def swish_panel(beta=1.0):
    """Swish_beta(z) = z sigmoid(beta z) on a beta slider, between z/2 and ReLU."""
    controls = {"beta": slider("Swish beta", beta, *BETA_RANGE)}
    readouts = {"gap_relu": readout("max |Swish - ReLU|"), "gap_half": readout("max |Swish - z/2|")}
    for key, w in {**controls, **readouts}.items():
        w.add_class(f"glu-swish-{key}")
    fig = live_figure((8.5, 3.0))
    ax, ax_d = fig.subplots(1, 2)
    relu = activate(Z, "relu")
    ax.plot(Z, relu, color="0.5", lw=1, ls=":", label="ReLU (beta large)")
    ax.plot(Z, Z / 2, color="0.5", lw=1, ls="--", label="z/2 (beta = 0)")
    (line,) = ax.plot(Z, Z, color="tab:purple", lw=2, label="Swish_beta")
    ax.set_ylim(-2.2, 4.2)
    ax.set_xlabel("z")
    ax.legend(fontsize=8, loc="upper left")
    title = ax.set_title("", fontsize=10)
    (dline,) = ax_d.plot(Z, Z, color="tab:purple", lw=2)
    ax_d.set_ylim(-0.3, 1.4)
    ax_d.set_xlabel("z")
    ax_d.set_title("derivative", fontsize=10)
    fig.tight_layout()
    blitter = Blitter(fig, [line, dline, title])

    def update(change=None):
        b = controls["beta"].value
        s = activate(Z, "silu", b)
        line.set_ydata(s)
        dline.set_ydata(activate_grad(Z, "silu", b))
        title.set_text(f"Swish with beta = {b:.2f}")
        readouts["gap_relu"].value = f"<b>{float(np.abs(s - relu).max()):.3f}</b>"
        readouts["gap_half"].value = f"<b>{float(np.abs(s - Z / 2).max()):.3f}</b>"
        blitter.redraw()

    controls["beta"].observe(update, names="value")
    layout = widgets.VBox([controls["beta"], widgets.HBox(list(readouts.values())), canvas_widget(fig)])
    panel = BlitPanel(layout, controls, readouts, fig, update, blitter)
    update()
    return panel


def _static(nrows, ncols, figsize, **kwargs):
    from ._quiet import static_subplots

    return static_subplots(nrows, ncols, figsize=figsize, **kwargs)


def derivatives_figure():
    """Static: every variant's gate activation (top) and its derivative (bottom)."""
    fig, (ax, ax_d) = _static(1, 2, (10, 3.4))
    for variant, (f, df) in zoo.curves(Z).items():
        ax.plot(Z, f, lw=1.8, label=f"{LABELS[variant]}: {VARIANTS[variant]}")
        ax_d.plot(Z, df, lw=1.8)
    ax.set_ylim(-1.5, 4.2)
    ax.set_title("gate activations", fontsize=10)
    ax_d.set_title("their derivatives", fontsize=10)
    ax.legend(fontsize=8)
    for a in (ax, ax_d):
        a.axhline(0, color="0.6", lw=0.6)
        a.set_xlabel("gate input z")
    fig.tight_layout()
    return fig


def surfaces_figure():
    """Static: value * act(gate) as a heatmap for each of the five variants, on one colour scale."""
    fig, axes = _static(1, 5, (14, 3.2), layout="constrained")
    outs = {v: zoo.surface(v, LIM, 121)[2] for v in VARIANTS}
    m = max(float(np.abs(o).max()) for o in outs.values())
    for ax, (v, out) in zip(axes, outs.items()):
        im = ax.imshow(out, origin="lower", extent=(-LIM, LIM, -LIM, LIM), cmap="RdBu_r", vmin=-m, vmax=m)
        ax.set_title(f"{LABELS[v]}\nvalue \u00d7 {VARIANTS[v]}(gate)", fontsize=9)
        ax.set_xlabel("gate input")
    axes[0].set_ylabel("value")
    fig.colorbar(im, ax=list(axes), shrink=0.85)
    return fig


def gelu_error_figure():
    """Static: the tanh and sigmoid approximations of GELU minus the exact GELU, on [-6, 6]."""
    z = np.linspace(-6.0, 6.0, 2401)  # (2401,)
    fig, ax = _static(1, 1, (7.5, 3.0))
    for err, label, style in ((zoo.gelu_tanh_error(z), "tanh form", "-"),
                              (zoo.gelu_sigmoid_error(z), "z sigmoid(1.702 z)", "--")):
        worst = float(np.abs(err).max())
        ax.semilogy(z, np.maximum(np.abs(err), 1e-12), ls=style, lw=1.6,
                    label=f"{label}: max {worst:.1e}")
    ax.set_ylim(1e-8, 0.1)
    ax.set_xlabel("z")
    ax.set_ylabel("|approximation - exact|")
    ax.legend(fontsize=8)
    ax.set_title("GELU approximations against the exact (erf) form", fontsize=10)
    fig.tight_layout()
    return fig
