"""The pump control panel of notebook 00: drive the typhoon GLU neuron by hand.

    from glulib.panels.typhoon import pump_panel
    panel = pump_panel()
    panel                                   # the widgets and the live figure
    panel.controls["tide"].value = -2.0     # what a test (or a learner) does

Every number comes from ``glulib.typhoon.pump`` and ``glulib.activate``; this module only
moves widgets and artists.
"""

import ipywidgets as widgets
import numpy as np

from .. import typhoon
from ..elementwise import activate
from ..feedforward import LABELS
from ._blit import BlitPanel, Blitter
from ._common import canvas_widget, group, readout, slider
from ._quiet import live_figure

#: Slider ranges (lo, hi, step) for the features and the weights.
FEATURE_RANGES = typhoon.FEATURE_RANGES
WEIGHT_RANGE = (-1.0, 1.0, 0.05)
BIAS_RANGE = (-3.0, 3.0, 0.05)
BETA_RANGE = (0.0, 10.0, 0.1)
#: Labels of the gate activations, in the story's words, with the variant each makes (LABELS).
ACTIVATION_LABELS = {
    "sigmoid": f"sigmoid ({LABELS['glu']})",
    "tanh": "tanh",
    "relu": f"ReLU ({LABELS['reglu']})",
    "gelu": f"GELU ({LABELS['geglu']})",
    "silu": f"Swish ({LABELS['swiglu']})",
    "identity": f"none ({LABELS['bilinear']})",
}
Z_RANGE = (-6.0, 6.0)  # the gate-input axis of the curve
CLASS_PREFIX = "glu-"
FIGSIZE = (5.4, 2.9)  # inches: 540 x 290 px beside the sliders, with the file browser open
SLIDER_WIDTH = "23.5em"
FEATURE_SLIDER_WIDTH = "26em"
READOUT_LABEL_WIDTH = "13em"


def story_values():
    """The value of every control at the story's storm."""
    s = typhoon.STORY
    values = {name: float(s["x"][i]) for i, name in enumerate(typhoon.FEATURES)}
    for i, name in enumerate(typhoon.FEATURES):
        values[f"severity_{name}"] = float(s["W"][i])
        values[f"gate_{name}"] = float(s["V"][i])
    values["severity_bias"] = float(s["b"])
    values["gate_bias"] = float(s["c"])
    values["activation"] = "sigmoid"
    values["beta"] = 1.0
    return values


def _state(controls):
    """The neuron's inputs as the controls hold them now."""
    feats = typhoon.FEATURES
    return {
        "x": np.array([controls[f].value for f in feats]),  # (3,)
        "W": np.array([controls[f"severity_{f}"].value for f in feats]),  # (3,)
        "b": controls["severity_bias"].value,
        "V": np.array([controls[f"gate_{f}"].value for f in feats]),  # (3,)
        "c": controls["gate_bias"].value,
        "activation": controls["activation"].value,
        "beta": controls["beta"].value,
    }


MINUS = "\u2212"  # the sliders' readouts (and matplotlib's ticks) write negative numbers with it


def _fmt(number, unit=""):
    return f"<b>{number:.2f}</b> {unit}".rstrip().replace("-", MINUS)


def pump_panel():
    """Build the pump control panel: controls, readouts and a live figure; returns a Panel."""
    start = story_values()
    controls = {}
    for name in typhoon.FEATURES:
        lo, hi, step = FEATURE_RANGES[name]
        controls[name] = slider(name, start[name], lo, hi, step, unit=typhoon.UNITS[name])
        controls[name].style.description_width = "12em"  # room for the unit
        controls[name].layout.width = FEATURE_SLIDER_WIDTH
    for branch, bias in (("severity", "b"), ("gate", "c")):
        for name in typhoon.FEATURES:
            key = f"{branch}_{name}"
            controls[key] = slider(f"weight on {name}", start[key], *WEIGHT_RANGE)
        controls[f"{branch}_bias"] = slider(f"bias {bias}", start[f"{branch}_bias"], *BIAS_RANGE)
        for key in (*(f"{branch}_{name}" for name in typhoon.FEATURES), f"{branch}_bias"):
            controls[key].style.description_width = "9.5em"
            controls[key].layout.width = SLIDER_WIDTH
    controls["activation"] = widgets.ToggleButtons(
        options=[(label, name) for name, label in ACTIVATION_LABELS.items()],
        value=start["activation"], style={"button_width": "auto"},  # its box is titled "gate activation"
    )
    controls["beta"] = slider("Swish beta", start["beta"], *BETA_RANGE)
    controls["beta"].style.description_width = "8em"
    controls["beta"].layout.width = SLIDER_WIDTH
    controls["reset"] = widgets.Button(description="back to the story's storm", icon="undo",
                                       layout=widgets.Layout(width="16em"))

    readouts = {
        "severity": readout("severity (value)"),
        "gate_input": readout("gate input"),
        "gate": readout("opening (pump fraction)"),  # key "gate": the browser tests find it by class
        "output": readout("pumped (output)"),
    }
    for w in readouts.values():  # the longest label, "opening (pump fraction)", whole
        w.style.description_width = READOUT_LABEL_WIDTH
    for key, w in {**controls, **readouts}.items():
        w.add_class(CLASS_PREFIX + key)  # "glu-rainfall", "glu-gate_bias", "glu-output": for browser tests

    # ---- the figure, built once ----
    fig = live_figure(FIGSIZE)
    ax_gate, ax_vol = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    z = np.linspace(*Z_RANGE, 241)  # (241,)
    (curve,) = ax_gate.plot(z, activate(z, "sigmoid"), color="tab:blue", lw=2)
    (point,) = ax_gate.plot([0.0], [0.0], "o", color="tab:red", ms=8, zorder=3)
    guide = ax_gate.axvline(0.0, color="tab:red", lw=0.8, ls="--")
    ax_gate.axhline(0.0, color="0.6", lw=0.6)
    ax_gate.set_xlim(*Z_RANGE)
    ax_gate.set_xlabel("gate input  x . V + c", fontsize=9)
    ax_gate.set_ylabel("opening  act(gate input)", fontsize=9)
    gate_title = ax_gate.set_title("opening against gate input, and today's storm", fontsize=9)
    bars = ax_vol.bar([0, 1], [1.0, 1.0], color=["tab:blue", "tab:green"], width=0.6)
    ax_vol.set_xticks([0, 1], ["incoming\n(severity)", "pumped\n(output)"])
    ax_vol.axhline(0.0, color="0.3", lw=0.8)
    ax_vol.set_ylabel(typhoon.VOLUME_UNIT, fontsize=9)
    ax_vol.set_title("water volume", fontsize=9)
    for ax in (ax_gate, ax_vol):
        ax.tick_params(labelsize=8)
    bar_text = [ax_vol.text(i, 0.0, "", ha="center", va="bottom", fontsize=9) for i in range(2)]
    fig.tight_layout()
    blitter = Blitter(fig, [curve, point, guide, gate_title, *bars, *bar_text])

    holding = {"on": False}

    def update(change=None):
        if holding["on"]:
            return
        _update()

    def _update():
        s = _state(controls)
        r = typhoon.pump(s["x"], s["W"], s["b"], s["V"], s["c"], s["activation"], s["beta"])
        readouts["severity"].value = _fmt(r["severity"], typhoon.VOLUME_UNIT)
        readouts["gate_input"].value = _fmt(r["gate_input"])
        readouts["gate"].value = _fmt(r["opening"])
        readouts["output"].value = _fmt(r["output"], typhoon.VOLUME_UNIT)
        controls["beta"].disabled = s["activation"] != "silu"

        act = activate(z, s["activation"], s["beta"])  # (241,)
        curve.set_ydata(act)
        zc = float(np.clip(r["gate_input"], *Z_RANGE))  # the point stays on the axes
        point.set_data([zc], [float(activate(np.array([zc]), s["activation"], s["beta"])[0])])
        guide.set_xdata([zc, zc])
        lo, hi = min(float(act.min()), 0.0), max(float(act.max()), 1.0)
        gate_lim = (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
        gate_title.set_text(f"{ACTIVATION_LABELS[s['activation']]}: act({r['gate_input']:.2f}) = {r['opening']:.2f}"
                            .replace("-", MINUS))

        heights = (r["severity"], r["output"])
        for bar, txt, h in zip(bars, bar_text, heights):
            bar.set_height(h)
            txt.set_position((txt.get_position()[0], max(h, 0.0)))
            txt.set_text(f"{h:.2f}".replace("-", MINUS))
        top = max(6.0, *heights)
        bottom = min(0.0, *heights)
        vol_lim = (bottom - 0.05 * (top - bottom), 1.12 * top)
        moved = not (np.allclose(ax_gate.get_ylim(), gate_lim) and np.allclose(ax_vol.get_ylim(), vol_lim))
        ax_gate.set_ylim(*gate_lim)
        ax_vol.set_ylim(*vol_lim)
        blitter.redraw(full=moved)  # new limits: the ticks change, so draw everything

    def reset(_button=None):
        holding["on"] = True
        try:
            for key, value in start.items():
                controls[key].value = value
        finally:
            holding["on"] = False
        update()

    for key, w in controls.items():
        if key != "reset":
            w.observe(update, names="value")
    controls["reset"].on_click(reset)

    # Two columns, so that a slider being dragged and the curve it moves are on screen together
    # on a 1366x768 laptop (and the Voila app on a 1280x720 projector): the sliders on the
    # left, the figure on the right with the activation and the readouts under it.
    features = group("today's storm", [controls[f] for f in typhoon.FEATURES])
    gate = group("gate branch: x . V + c",
                 [controls[f"gate_{f}"] for f in typhoon.FEATURES] + [controls["gate_bias"]])
    severity = group("severity branch (the value): x . W + b",
                     [controls[f"severity_{f}"] for f in typhoon.FEATURES] + [controls["severity_bias"]])
    numbers = group("readouts", [*readouts.values(), controls["reset"]])
    # the six activation buttons wrap onto two rows in the figure's width (a style the page
    # applies to this panel's buttons only), so that the two columns stay side by side
    wrap = widgets.HTML(f"<style>.{CLASS_PREFIX}activation, .{CLASS_PREFIX}activation > div "
                        "{display: flex; flex-wrap: wrap;}</style>", layout=widgets.Layout(height="0px"))
    activation = group("gate activation", [wrap, controls["activation"], controls["beta"]])
    right = widgets.VBox([canvas_widget(fig), activation, numbers],
                         layout=widgets.Layout(width=f"{FIGSIZE[0] * 100 + 24:.0f}px"))
    layout = widgets.HBox([widgets.VBox([features, gate, severity]), right],
                          layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))
    panel = BlitPanel(layout, controls, readouts, fig, update, blitter)
    panel.twin_in_output = True  # drawn once in JupyterLab; the image where widgets do not render
    panel.reset = reset
    update()
    return panel
