"""Notebook 07's gate microscope: which characters open which gates.

    from glulib.panels.microscope import microscope_panel
    panel = microscope_panel(states)            # {variant: glulib.microscope.States}
    panel.controls["unit"].value = 12           # redrawn in place (or "unit_number", the box)
    panel.controls["variant"].value = "glu"

The view: the histogram of the unit's openings and, for gated FFNs, the opening against the
value at every character, under the readouts and the characters where it opens most; below, the
passage three times, each character's background coloured by the chosen unit's opening
act(a), its value u and their product h (blue negative, white zero, red positive, each scaled
by the unit's largest |.| on the passage; ungated FFNs have no value). Every number comes from
``glulib.microscope``; ``text_figure`` and ``panel.static()`` are the static twins.
"""

import html

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps

from .. import microscope
from ..feedforward import LABELS
from ._common import Panel, canvas_widget, group, readout, redraw
from ._quiet import live_figure, static_subplots

CMAP = colormaps["RdBu_r"]
N_BINS = 40
#: Characters of the passage shown in the text view.
SHOWN_CHARS = 640


def colours(x, top=None):
    """Hex background colours for ``x`` (n,): RdBu_r around 0, scaled by ``top`` (default max |x|;
    white if it is 0)."""
    x = np.asarray(x, dtype=np.float64)  # (n,)
    if top is None:
        top = float(np.max(np.abs(x))) if x.size else 0.0
    t = 0.5 + 0.5 * (x / top if top > 0 else np.zeros_like(x))  # (n,) in [0, 1]
    rgb = np.round(CMAP(t)[:, :3] * 255).astype(int)  # (n, 3)
    return ["#%02x%02x%02x" % tuple(c) for c in rgb]


def _shown(ch):
    return "\u21b5\n" if ch == "\n" else html.escape(ch)


def text_html(text, x, title, top=None):
    """``text`` as HTML with each character's background coloured by ``x`` (same length; ``colours``)."""
    spans = "".join(f'<span style="background:{c}">{_shown(ch)}</span>' for ch, c in zip(text, colours(x, top)))
    # pre-wrap breaks lines at spaces only: JupyterLab's own CSS for <pre> would break words
    return (f'<div style="flex:1 1 0;min-width:18em"><b>{html.escape(title)}</b><pre style="font-size:11px;'
            f'line-height:1.25;white-space:pre-wrap;word-break:normal;overflow-wrap:normal;margin:2px 0">'
            f'{spans}</pre></div>')


def view_html(states, layer, unit, start=0, n_chars=SHOWN_CHARS):
    """The three coloured copies of characters ``start`` to ``start + n_chars`` of the passage
    for one unit, side by side (each scaled by the unit's largest |.| over the whole passage)."""
    text = states.text[start:start + n_chars]
    rows = slice(start, start + len(text))
    scale = {"opening act(a)": states.opening[layer][:, unit]}
    if states.gated:
        scale.update({"value u": states.value[layer][:, unit], "product h = act(a) u": states.product[layer][:, unit]})
    parts = [text_html(text, x[rows], title, top=float(np.max(np.abs(x)))) for title, x in scale.items()]
    return '<div style="display:flex;gap:8px">' + "".join(parts) + "</div>"


def contexts_html(contexts):
    """Top contexts (``microscope.top_contexts``) as lines, the triggering character highlighted."""
    rows = []
    for before, ch, after, g in contexts:  # one line each, never wrapped (the box scrolls instead)
        rows.append(f'<div style="white-space:pre"><code>{g:+.2f}</code> <code>{html.escape(repr(before)[1:-1])}'
                    f'<b style="background:#f4a582">{html.escape(repr(ch)[1:-1])}</b>'
                    f"{html.escape(repr(after)[1:-1])}</code></div>")
    return "".join(rows)


def text_figure(states, layer, unit, n_chars=320, width=64):
    """Static twin of the text view: the first ``n_chars`` characters in rows of ``width``, each
    cell coloured by the unit's opening (and, for gated FFNs, value and product below)."""
    n = min(n_chars, len(states.text))
    rows = -(-n // width)
    series = [("opening act(a)", states.opening[layer][:n, unit])]
    if states.gated:
        series += [("value u", states.value[layer][:n, unit]), ("product h", states.product[layer][:n, unit])]
    fig, axes = static_subplots(len(series), 1, figsize=(9.5, 0.22 * rows * len(series) + 0.5 * len(series)))
    axes = np.atleast_1d(axes)
    for ax, (title, x) in zip(axes, series):
        grid = np.full(rows * width, np.nan)  # (rows * width,)
        top = float(np.max(np.abs(x))) or 1.0
        grid[:n] = x / top
        ax.imshow(grid.reshape(rows, width), cmap=CMAP, vmin=-1, vmax=1, aspect="auto",
                  extent=(0, width, rows, 0))
        for k, ch in enumerate(states.text[:n]):
            ax.text(k % width + 0.5, k // width + 0.55, "\u21b5" if ch == "\n" else ch, ha="center",
                    va="center", fontsize=6.5, family="monospace")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{LABELS[states.variant]}, layer {layer}, unit {unit}: {title} "
                     f"(colour scale +/- {top:.2f})", fontsize=9)
    fig.tight_layout()
    return fig


def microscope_panel(states, variant=None, layer=None, unit=0, scores=None, k=6):
    """Build the microscope over ``states`` ({variant: States}, every one recorded on the same
    passage). ``scores`` ({variant: microscope.selectivity(...)}) adds the class each unit
    separates best to the readouts."""
    if not isinstance(states, dict) or not states or not all(isinstance(s, microscope.States) for s in states.values()):
        raise TypeError("microscope_panel: states must be a non-empty dict {variant: glulib.microscope.States}")
    names = list(states)
    first = states[names[0]]
    variant = names[0] if variant is None else variant
    if variant not in states:
        raise ValueError(f"microscope_panel: variant must be one of {names}, got {variant!r}")
    n_layers = first.n_layers
    layer = n_layers - 1 if layer is None else layer
    controls = {
        "variant": widgets.Dropdown(options=[(LABELS[v], v) for v in names], value=variant, description="FFN"),
        "layer": widgets.IntSlider(value=layer, min=0, max=n_layers - 1, description="layer"),
        "unit": widgets.IntSlider(value=unit, min=0, max=states[variant].opening[0].shape[1] - 1,
                                  description="hidden unit", continuous_update=True, readout=False,
                                  layout=widgets.Layout(width="22em")),  # the box beside it shows the number
        # a number box (with steppers) for the unit: the slider alone jumps many units a pixel
        "unit_number": widgets.BoundedIntText(value=unit, min=0, max=states[variant].opening[0].shape[1] - 1,
                                              layout=widgets.Layout(width="6.5em")),
        "previous": widgets.Button(description="previous unit", layout=widgets.Layout(width="9em")),
        "next": widgets.Button(description="next unit", layout=widgets.Layout(width="9em")),
        "start": widgets.IntSlider(value=0, min=0, max=max(0, len(first.text) - SHOWN_CHARS), step=64,
                                   description="text from", continuous_update=False),
    }
    readouts = {"unit": readout("unit"), "open": readout("opening"), "class": readout("separates best"),
                "contexts": widgets.HTML(), "text": widgets.HTML()}
    for key, w in {**controls, **readouts}.items():
        w.add_class(f"glu-microscope-{key}")
    # the box and the slider are one control: each follows the other (in the kernel, so that
    # setting .value on either from code moves both), range included
    for name in ("max", "value"):
        widgets.link((controls["unit"], name), (controls["unit_number"], name))

    fig = live_figure((7.0, 2.6))
    ax_hist, ax_joint = fig.subplots(1, 2)
    hist = ax_hist.stairs(np.zeros(N_BINS), np.linspace(0, 1, N_BINS + 1), fill=True, color="tab:red")  # one artist
    ax_hist.set_xlabel("opening act(a)")
    ax_hist.set_ylabel("characters")
    joint = ax_joint.scatter(np.zeros(1), np.zeros(1), s=4, alpha=0.4, color="tab:purple")
    ax_joint.set_xlabel("opening act(a)")
    ax_joint.set_ylabel("value u")
    ax_joint.axhline(0, color="0.6", lw=0.6)
    ax_joint.axvline(0, color="0.6", lw=0.6)
    for ax in (ax_hist, ax_joint):  # room for the titles update() writes (else cut at the top)
        ax.set_title("title", fontsize=9)
    fig.tight_layout()

    def step(delta):
        def click(_):
            s = controls["unit"]
            s.value = min(s.max, max(s.min, s.value + delta))
        return click

    controls["previous"].on_click(step(-1))
    controls["next"].on_click(step(+1))

    def update(change=None):
        st = states[controls["variant"].value]
        d_ff = st.opening[0].shape[1]
        if controls["unit"].max != d_ff - 1:
            controls["unit"].max = d_ff - 1  # clamps value; observing it calls update again
        L, j = int(controls["layer"].value), int(controls["unit"].value)
        g = st.opening[L][:, j].astype(np.float64)  # (n,)
        lo, hi = float(g.min()), float(g.max())
        hi = hi if hi > lo else lo + 1.0
        counts, edges = np.histogram(g, bins=N_BINS, range=(lo, hi))  # (N_BINS,), (N_BINS + 1,)
        hist.set_data(counts, edges)
        ax_hist.set_xlim(lo, hi)
        ax_hist.set_ylim(0, counts.max() * 1.08 + 1)
        ax_hist.set_title(f"{LABELS[st.variant]}, layer {L}, unit {j}: openings", fontsize=9)
        if st.gated:
            u = st.value[L][:, j]  # (n,)
            joint.set_offsets(np.column_stack([g, u]))
            ax_joint.set_xlim(lo, hi)
            pad = 0.05 * (float(np.ptp(u)) or 1.0)
            ax_joint.set_ylim(float(u.min()) - pad, float(u.max()) + pad)
            ax_joint.set_title("opening against value, per character", fontsize=9)
            ax_joint.set_visible(True)
        else:  # an ungated FFN has no value: no empty plot
            joint.set_offsets(np.empty((0, 2)))
            ax_joint.set_visible(False)
        readouts["unit"].value = f"<b>{LABELS[st.variant]}</b>, layer {L}, unit {j} of {d_ff}"
        readouts["open"].value = (f"mean <b>{g.mean():+.3f}</b>, |act(a)| &lt; 0.05 at "
                                  f"<b>{np.mean(np.abs(g) < 0.05):.0%}</b> of characters")
        if scores is not None and st.variant in scores:
            best = max(scores[st.variant], key=lambda c: scores[st.variant][c][L, j])
            readouts["class"].value = f"<b>{best}</b> (AUC {scores[st.variant][best][L, j]:.2f})"
        readouts["contexts"].value = ("<b>where it opens most</b>"
                                      + contexts_html(microscope.top_contexts(st, L, j, k=k)))
        readouts["text"].value = view_html(st, L, j, start=int(controls["start"].value))
        redraw(fig)

    for key in ("variant", "layer", "unit", "start"):
        controls[key].observe(update, names="value")
    readouts["contexts"].layout = widgets.Layout(max_width="30em", overflow="auto")
    # The unit control, the readouts with the characters where the unit opens most, and the
    # figure first, so that a learner stepping through units sees them together on a laptop
    # (the file browser open); the coloured text below, full width.
    box = widgets.VBox([
        widgets.HBox([group("choose", [controls["variant"], controls["layer"],
                                       widgets.HBox([controls["unit"], controls["unit_number"]]),
                                       widgets.HBox([controls["previous"], controls["next"]]), controls["start"]]),
                      group("this unit", [readouts["unit"], readouts["open"], readouts["class"],
                                          readouts["contexts"]])],
                     layout=widgets.Layout(flex_flow="row wrap")),
        canvas_widget(fig),
        readouts["text"],
    ])
    update()
    return Panel(box, controls, readouts, fig, update)
