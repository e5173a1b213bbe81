"""The vanishing-gradient panel (notebook 03): gradient reaching the input against depth.

The experiment runs once (``glulib.backward.run``); the controls only choose what to show.
"""

import ipywidgets as widgets
import numpy as np

from .. import backward as _backward
from ._common import LABEL_WIDTH, assemble, readout, redraw
from ._quiet import live_figure, static_figure

FLOOR, CEIL = 1e-100, 1e100  # ratios beyond (underflowed to 0, overflowed to inf) are drawn at these
MODE_LABELS = {"plain": "no residual", "residual": "residual", "prenorm": "pre-norm block"}


def _shown(r):
    """Ratios clipped to the drawable range of a log axis."""
    r = np.where(np.isfinite(r), r, CEIL)
    return np.clip(r, FLOOR, CEIL)


def depth_panel(result, depth=None, mode=None, unit="glu"):
    """Median |dx|/|dy| over seeds for every unit against depth, one mode at a time.

    Controls: ``depth`` (IntSlider), ``mode`` (ToggleButtons), ``unit`` (Dropdown, the
    unit whose band over seeds and readouts are shown). Readouts: ``ratio``, ``seeds``,
    ``ranking``.
    """
    depths = result.depths
    mode = result.modes[0] if mode is None else mode
    depth = result.max_depth if depth is None else depth
    fig = live_figure(figsize=(9.0, 3.6))
    ax, bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    colors = {u: f"C{i}" for i, u in enumerate(result.units)}
    lines = {u: ax.plot(depths, np.ones_like(depths, dtype=float), color=colors[u], label=u)[0]
             for u in result.units}
    lo_line = ax.plot(depths, np.ones(len(depths)), ls=":", lw=1, color="k")[0]
    hi_line = ax.plot(depths, np.ones(len(depths)), ls=":", lw=1, color="k", label="band over seeds")[0]
    marker = ax.axvline(depth, color="0.4", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("depth L (layers)")
    ax.set_ylabel("|dx| / |dy|  (median over seeds)")
    ax.text(0.99, 0.01, f"0 drawn at {FLOOR:.0e}, overflow at {CEIL:.0e}", transform=ax.transAxes,
            ha="right", va="bottom", fontsize=6, color="0.4")
    ax.set_xlim(1, result.max_depth)
    ax.legend(fontsize=7, ncol=2, loc="lower left")
    ypos = np.arange(len(result.units))
    bars = bx.barh(ypos, np.zeros(len(ypos)), color=[colors[u] for u in result.units])
    bx.set_yticks(ypos, result.units)
    bx.invert_yaxis()
    bx.axvline(0, color="k", lw=0.8)
    bx.set_xlabel("log10 |dx| / |dy|")
    ax.set_title(" ", fontsize=9)  # reserve the title row: update() writes it after layout
    bx.set_title(" ", fontsize=9)
    fig.tight_layout()

    controls = {
        "depth": widgets.IntSlider(value=depth, min=1, max=result.max_depth, step=1, description="depth L",
                                   style={"description_width": LABEL_WIDTH}, layout=widgets.Layout(width="26em")),
        "mode": widgets.ToggleButtons(options=[(MODE_LABELS[m], m) for m in result.modes], value=mode,
                                      description="connection", style={"description_width": LABEL_WIDTH}),
        "unit": widgets.Dropdown(options=list(result.units), value=unit, description="highlight",
                                 style={"description_width": LABEL_WIDTH}),
    }
    readouts = {"ratio": readout("median ratio"), "seeds": readout("over seeds"), "ranking": readout("at depth L")}

    def update(change=None):
        L, m, u = controls["depth"].value, controls["mode"].value, controls["unit"].value
        curves = {name: _shown(result.median(name, m)) for name in result.units}
        for name, line in lines.items():
            line.set_ydata(curves[name])
            line.set_linewidth(2.5 if name == u else 1.2)
        lo, hi = result.band(u, m)
        lo_line.set_ydata(_shown(lo))
        hi_line.set_ydata(_shown(hi))
        allv = np.concatenate(list(curves.values()))
        ax.set_ylim(allv.min() / 10, allv.max() * 10)
        ax.set_title(f"{MODE_LABELS[m]}: width {result.width}, {len(result.seeds)} seeds", fontsize=9)
        marker.set_xdata([L, L])
        at = np.log10([_shown(np.array([result.median(name, m, L)]))[0] for name in result.units])
        for bar, val in zip(bars, at):
            bar.set_width(val)
        span = max(1.0, np.abs(at).max())
        bx.set_xlim(min(-1.0, at.min()) - 0.1 * span, max(1.0, at.max()) + 0.1 * span)
        bx.set_title(f"at depth {L}", fontsize=9)
        seeds = result.seeds_at(u, m, L)
        readouts["ratio"].value = f"{u}: {_backward.format_ratio(result.median(u, m, L))}"
        readouts["seeds"].value = f"{_backward.format_ratio(seeds.min())} to {_backward.format_ratio(seeds.max())}"
        readouts["ranking"].value = " &gt; ".join(result.ranking(m, L))
        redraw(fig)

    return assemble(controls, readouts, fig, update, "Experiment", "Gradient reaching the input")


def gain_panel(unit="glu", gain=1.0, mode="plain", max_depth=64, width=32, batch=8, seeds=(0, 1, 2, 3, 4)):
    """Median |dx|/|dy| over seeds against depth for one unit at a chosen gain.

    The gain multiplies the matrix that carries the signal (V, the value branch, of a gated
    unit; W of a plain one); each change reruns ``glulib.backward.gradient_ratios`` for every
    seed. Controls: ``gain`` (FloatSlider), ``unit`` (Dropdown), ``mode`` (ToggleButtons).
    Readouts: ``ratio`` (median at the deepest layer), ``seeds`` (lowest to highest there),
    ``reference`` (the same at gain 1).
    """
    depths = np.arange(1, max_depth + 1)
    fig = live_figure(figsize=(7.0, 3.2))
    ax = fig.subplots()
    ref_line = ax.plot(depths, np.ones(max_depth), color="0.6", lw=1.2, label="gain 1")[0]
    line = ax.plot(depths, np.ones(max_depth), color="C0", lw=2.5, label="chosen gain")[0]
    lo_line = ax.plot(depths, np.ones(max_depth), ls=":", lw=1, color="C0", label="band over seeds")[0]
    hi_line = ax.plot(depths, np.ones(max_depth), ls=":", lw=1, color="C0")[0]
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlim(1, max_depth)
    ax.set_xlabel("depth L (layers)")
    ax.set_ylabel("|dx| / |dy|  (median over seeds)")
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title(" ", fontsize=9)
    fig.tight_layout()

    controls = {
        "gain": widgets.FloatSlider(value=gain, min=0.5, max=3.0, step=0.01, description="gain on V",
                                    readout_format=".2f", continuous_update=False,
                                    style={"description_width": LABEL_WIDTH}, layout=widgets.Layout(width="26em")),
        "unit": widgets.Dropdown(options=list(_backward.UNITS), value=unit, description="unit",
                                 style={"description_width": LABEL_WIDTH}),
        "mode": widgets.ToggleButtons(options=[(MODE_LABELS[m], m) for m in _backward.MODES], value=mode,
                                      description="connection", style={"description_width": LABEL_WIDTH}),
    }
    readouts = {"ratio": readout(f"at depth {max_depth}"), "seeds": readout("over seeds"),
                "reference": readout("at gain 1")}
    cache = {}

    def ratios(u, m, g):
        key = (u, m, g)
        if key not in cache:
            cache[key] = np.array([_backward.gradient_ratios(u, m, max_depth, width, batch, s, g) for s in seeds])
        return cache[key]  # (n_seeds, max_depth)

    def update(change=None):
        u, m, g = controls["unit"].value, controls["mode"].value, float(controls["gain"].value)
        controls["gain"].description = "gain on V" if u in ("gtu", "glu", "geglu", "swiglu") else "gain on W"
        r, ref = ratios(u, m, g), ratios(u, m, 1.0)
        med, med_ref = np.median(r, axis=0), np.median(ref, axis=0)
        line.set_ydata(_shown(med))
        ref_line.set_ydata(_shown(med_ref))
        lo_line.set_ydata(_shown(r.min(axis=0)))
        hi_line.set_ydata(_shown(r.max(axis=0)))
        allv = _shown(np.concatenate([r.ravel(), med_ref]))
        ax.set_ylim(min(allv.min(), 1.0) / 10, max(allv.max(), 1.0) * 10)
        ax.set_title(f"{_backward.NAMES[u]}, {MODE_LABELS[m]}, gain {g:.2f}: width {width}, {len(seeds)} seeds",
                     fontsize=9)
        readouts["ratio"].value = _backward.format_ratio(float(med[-1]))
        readouts["seeds"].value = f"{_backward.format_ratio(r[:, -1].min())} to {_backward.format_ratio(r[:, -1].max())}"
        readouts["reference"].value = _backward.format_ratio(float(med_ref[-1]))
        redraw(fig)

    return assemble(controls, readouts, fig, update, "Initialisation", "Gradient reaching the input")


def gain_sweep_figure(unit, gains, sweep, depth):
    """A static figure: |dx|/|dy| at one depth against the gain, median and band over seeds.

    ``sweep`` is ``glulib.backward.gain_sweep(unit, gains, depth=depth, ...)``, (n_gains, n_seeds).
    """
    gains = np.asarray(gains, dtype=float)  # (n_gains,)
    fig = static_figure(figsize=(6.0, 3.0))
    ax = fig.subplots()
    ax.fill_between(gains, _shown(sweep.min(axis=1)), _shown(sweep.max(axis=1)), color="C0", alpha=0.2,
                    label="lowest to highest seed")
    ax.plot(gains, _shown(np.median(sweep, axis=1)), "o-", color="C0", ms=3, label="median over seeds")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel(f"gain on {'V' if unit in ('gtu', 'glu', 'geglu', 'swiglu') else 'W'}")
    ax.set_ylabel(f"|dx| / |dy| at depth {depth}")
    ax.set_title(f"{_backward.NAMES[unit]} without residuals", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def dauphin_figure(value_range=(-4.0, 4.0), gate=0.0, n=201):
    """A static figure: the factor on the value path's gradient, GLU against GTU, over X."""
    X = np.linspace(*value_range, n)  # (n,)
    f = _backward.dauphin_factors(X, np.full_like(X, gate))
    fig = static_figure(figsize=(6.0, 3.0))
    ax = fig.subplots()
    ax.plot(X, f["glu_value"], label="GLU: sigmoid(G)")
    ax.plot(X, f["gtu_value"], label="GTU: tanh'(X) sigmoid(G)")
    ax.set_xlabel("value path X")
    ax.set_ylabel("factor on dX")
    ax.set_title(f"gate input G = {gate:g}", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def modes_figure(result):
    """A static figure: the median curves of every unit, one axis per mode, each its own log scale."""
    fig = static_figure(figsize=(9.0, 3.2))
    axes = fig.subplots(1, len(result.modes), squeeze=False)[0]
    for ax, mode in zip(axes, result.modes):
        for i, unit in enumerate(result.units):
            ax.plot(result.depths, _shown(result.median(unit, mode)), color=f"C{i}", label=unit)
        ax.set_yscale("log")
        ax.set_title(MODE_LABELS[mode], fontsize=9)
        ax.set_xlabel("depth L")
    axes[0].set_ylabel("|dx| / |dy| (median)")
    axes[0].legend(fontsize=6, ncol=2, loc="lower left")
    fig.tight_layout()
    return fig


__all__ = ["dauphin_figure", "depth_panel", "gain_panel", "gain_sweep_figure", "modes_figure"]
