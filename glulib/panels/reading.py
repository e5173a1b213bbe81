"""Notebook 01's training scrubber: slide through gradient descent and watch the gate form.

    from glulib.panels.reading import history_panel
    panel = history_panel(data, history)     # from glulib.typhoon.fit_history()
    panel.controls["step"].value = 10        # the 10th recorded step

The figure: the loss curves of the GLU neuron and the linear layer (a marker at the chosen
step), the learned opening (pump fraction) against tide beside the true one, and the eight learned
weights beside the true ones. Numbers come from glulib.typhoon; nothing is refitted here.
"""

import ipywidgets as widgets
import numpy as np

from .. import typhoon
from ._blit import BlitPanel, Blitter
from ._common import canvas_widget, group, readout
from ._quiet import live_figure

PARAM_LABELS = ["W rain", "W tide", "W wind", "b", "V rain", "V tide", "V wind", "c"]


def _flat(params):
    return np.array([*params["W"], params["b"], *params["V"], params["c"]])  # (8,)


def history_panel(data=None, history=None, rainfall=5.0, wind=3.0):
    """Build the scrubber; fits with ``typhoon.fit_history()`` when no history is given."""
    if history is None:
        data, history = typhoon.fit_history()
    steps = history["step"]
    n_rec = len(steps)
    lo_t, hi_t = typhoon.HISTORY_RANGES["tide"]
    tide = np.linspace(lo_t, hi_t, 121)  # (121,)
    true_flat = _flat(typhoon.TRUE)  # (8,)

    controls = {"step": widgets.IntSlider(value=0, min=0, max=n_rec - 1, step=1,
                                          description="recorded step", continuous_update=True,
                                          style={"description_width": "8em"},
                                          layout=widgets.Layout(width="34em"))}
    readouts = {"step": readout("gradient steps"), "glu_loss": readout("GLU train loss"),
                "linear_loss": readout("linear train loss"), "gate_tide": readout("learned V tide")}
    for key, w in {**controls, **readouts}.items():
        w.add_class(f"glu-history-{key}")

    fig = live_figure((9.0, 3.2))  # <= 900 px: fits a JupyterLab output area
    ax_loss, ax_gate, ax_w = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.1, 1, 1.2]})
    loss = history["loss"]
    shown = steps
    ax_loss.semilogy(shown, loss["glu"], label="GLU, train", color="tab:blue")
    ax_loss.semilogy(shown, loss["linear"], label="linear, train", color="tab:gray")
    if "glu_test" in loss:
        ax_loss.semilogy(shown, loss["glu_test"], ls="--", label="GLU, held out", color="tab:blue")
        ax_loss.semilogy(shown, loss["linear_test"], ls="--", label="linear, held out", color="tab:gray")
    marker = ax_loss.axvline(shown[0], color="tab:red", lw=1)
    ax_loss.set_xlabel("gradient step")
    ax_loss.set_ylabel("mean squared error")
    ax_loss.legend(fontsize=7)
    ax_loss.set_title("loss", fontsize=10)

    ax_gate.plot(tide, typhoon.gate_profile(typhoon.TRUE, tide, rainfall, wind), color="k", lw=2,
                 ls=":", label="true rule")
    (learned,) = ax_gate.plot(tide, np.zeros_like(tide), color="tab:orange", lw=2, label="learned")
    ax_gate.set_ylim(-0.02, 1.02)
    ax_gate.set_xlabel(f"tide ({typhoon.UNITS['tide']})")
    ax_gate.set_ylabel("opening (pump fraction)")
    ax_gate.legend(fontsize=7, loc="upper left")
    ax_gate.set_title(f"opening at rain {rainfall:g}, wind {wind:g}", fontsize=10)

    pos = np.arange(8)
    ax_w.bar(pos - 0.2, true_flat, width=0.4, color="0.75", label="true")
    bars = ax_w.bar(pos + 0.2, np.zeros(8), width=0.4, color="tab:green", label="learned")
    ax_w.set_xticks(pos, PARAM_LABELS, rotation=60, fontsize=7)
    ax_w.axhline(0, color="0.3", lw=0.6)
    every = np.concatenate([_flat(typhoon.snapshot(history, "glu", i)) for i in range(n_rec)])
    top = max(float(every.max()), float(true_flat.max()))
    bottom = min(float(every.min()), float(true_flat.min()), 0.0)
    ax_w.set_ylim(bottom - 0.1, top + 0.1)
    ax_w.legend(fontsize=7)
    ax_w.set_title("GLU weights", fontsize=10)
    fig.tight_layout()
    blitter = Blitter(fig, [learned, marker, *bars])

    def update(change=None):
        i = int(controls["step"].value)
        p = typhoon.snapshot(history, "glu", i)
        learned.set_ydata(typhoon.gate_profile(p, tide, rainfall, wind))
        for bar, h in zip(bars, _flat(p)):
            bar.set_height(h)
        marker.set_xdata([shown[i], shown[i]])
        readouts["step"].value = f"<b>{int(steps[i])}</b>"
        readouts["glu_loss"].value = f"<b>{loss['glu'][i]:.4f}</b>"
        readouts["linear_loss"].value = f"<b>{loss['linear'][i]:.4f}</b>"
        readouts["gate_tide"].value = f"<b>{p['V'][1]:.3f}</b> (true {typhoon.TRUE['V'][1]:g})"
        blitter.redraw()

    controls["step"].observe(update, names="value")
    layout = widgets.VBox([widgets.HBox([controls["step"]]),
                           group("at this step", list(readouts.values())), canvas_widget(fig)])
    panel = BlitPanel(layout, controls, readouts, fig, update, blitter)
    update()
    return panel
