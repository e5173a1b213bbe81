"""The geometry panel (notebook 04): one input, a gate unit and a value unit, their product.

Left: the product act(a) * u over the (a, u) plane, its zero set in black, and the input
line (a, u) = (w x + b, v x + c). Middle: the sign of the product's Hessian determinant: a
saddle where it is negative; where it is 0 (act'(a) = 0) the test says nothing, and the line
through GELU's or Swish's lowest point is drawn, where the surface curves along a only. Right: the unit along x, the product drawn solid
where it curves up, dashed where it curves down, thin where it is straight.
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import geometry as _geo
from ..feedforward import VARIANTS
from ._common import LABEL_WIDTH, Panel, canvas_widget, group, readout, redraw, slider
from ._quiet import live_figure, static_figure

LIM = 3.0
CURV_TOL = 1e-6  # |p''(x)| below this: the output is straight there
CLASS_CMAP = ListedColormap(["#d95f02", "#f0f0f0", "#1b9e77"])  # det < 0, det = 0, det > 0


def _fmt(x):
    return f"{x:+.3f}"


def plane(lim=LIM, n=121):
    """The (a, u) grid the panel draws on: a, u each (n, n)."""
    t = np.linspace(-lim, lim, n)
    return np.meshgrid(t, t)


def surface_figure(variant="geglu", lim=LIM, n=61):
    """A static figure: opening, value and product as 3-D surfaces over (a, u)."""
    A, U = plane(lim, n)
    s = _geo.surfaces(variant, A, U)
    fig = static_figure(figsize=(9.0, 3.2))
    for i, (key, title) in enumerate((("gate", f"opening {VARIANTS[variant]}(a)"),
                                      ("value", "value u"), ("product", "product"))):
        ax = fig.add_subplot(1, 3, i + 1, projection="3d")
        ax.plot_surface(A, U, s[key], cmap="RdBu_r", linewidth=0, antialiased=True,
                        vmin=-np.abs(s[key]).max(), vmax=np.abs(s[key]).max())
        ax.set_xlabel("a (gate input)")
        ax.set_ylabel("u (value)")
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def contour_figure(variant="geglu", lim=LIM, n=121):
    """A static figure: contour maps of opening, value and product over (a, u),
    with the zero level drawn in black wherever the map takes both signs."""
    A, U = plane(lim, n)
    s = _geo.surfaces(variant, A, U)
    fig = static_figure(figsize=(9.0, 3.0))
    axes = fig.subplots(1, 3, sharey=True)
    for ax, (key, title) in zip(axes, (("gate", f"opening {VARIANTS[variant]}(a)"),
                                       ("value", "value u"), ("product", "product"))):
        z = s[key]
        m = max(float(np.abs(z).max()), 1e-12)
        ax.contourf(A, U, z, levels=np.linspace(-m, m, 21), cmap="RdBu_r")
        if z.min() < 0 < z.max():
            ax.contour(A, U, z, levels=[0.0], colors="k", linewidths=1.2)
        ax.set_xlabel("a (gate input)")
        ax.set_title(title, fontsize=9)
    axes[0].set_ylabel("u (value)")
    fig.tight_layout()
    return fig


def geometry_panel(variant="geglu", w=1.0, v=1.0, b=0.0, c=0.0, n=121):
    """Controls: ``variant`` (Dropdown over glulib.VARIANTS), ``w``, ``v``, ``b``, ``c``.

    Readouts: ``at_zero`` (output at x = 0), ``zeros`` (where the output is zero along x),
    ``curvature`` (how much of x the output curves up), ``dip`` (the opening's minimum),
    ``det_zero`` (where det H = 0, that is act'(a) = 0: the Hessian test gives no verdict there).
    """
    A, U = plane(LIM, n)
    x = np.linspace(-LIM, LIM, 241)  # (241,)
    extent = (-LIM, LIM, -LIM, LIM)
    fig = live_figure(figsize=(9.0, 3.5))  # <= 900 px: fits a JupyterLab output area
    ax_p, ax_h, ax_x = fig.subplots(1, 3)
    img = ax_p.imshow(np.zeros_like(A), origin="lower", extent=extent, cmap="RdBu_r", aspect="auto")
    zero_img = ax_p.imshow(np.zeros(A.shape + (4,)), origin="lower", extent=extent, aspect="auto")
    cls_img = ax_h.imshow(np.zeros_like(A), origin="lower", extent=extent, cmap=CLASS_CMAP,
                          vmin=-1.5, vmax=1.5, aspect="auto")
    det0_style = {"color": "#542788", "lw": 2.0, "ls": ":"}
    det0_line = ax_h.axvline(0.0, visible=False, **det0_style)  # act'(a) = 0 on a line
    in_lines = [axis.plot([], [], color="k", lw=1.5)[0] for axis in (ax_p, ax_h)]
    in_dots = [axis.plot([], [], "o", color="k", ms=5)[0] for axis in (ax_p, ax_h)]
    for axis, title in ((ax_p, "product over (a, u); zero set black"),
                        (ax_h, "Hessian: the sign of det H")):
        axis.set_xlabel("a = w x + b (gate input)")
        axis.set_ylabel("u = v x + c (value)")
        axis.set_xlim(-LIM, LIM)
        axis.set_ylim(-LIM, LIM)
        axis.set_title(title, fontsize=9)
    ax_h.legend(handles=[Patch(color=CLASS_CMAP.colors[i], label=lab) for i, lab in
                         enumerate(("saddle (det < 0)", "det = 0: no verdict", "bowl or dome (det > 0)"))]
                + [Line2D([], [], label="det = 0 on a line: curved along a only", **det0_style)],
                fontsize=6, loc="lower right", framealpha=0.9)
    gate_line = ax_x.plot(x, x, label="opening act(a)", color="C1")[0]
    value_line = ax_x.plot(x, x, label="value u", color="C0")[0]
    up_line = ax_x.plot(x, x, color="k", lw=2, label="product, curving up")[0]
    down_line = ax_x.plot(x, x, color="k", lw=2, ls="--", label="product, curving down")[0]
    flat_line = ax_x.plot(x, x, color="k", lw=0.8, label="product, straight")[0]
    zero_dots = ax_x.plot([], [], "x", color="C3", ms=8, label="output = 0")[0]
    ax_x.axhline(0, color="0.6", lw=0.8)
    ax_x.axvline(0, color="0.6", lw=0.8)
    ax_x.set_xlabel("input x")
    ax_x.set_xlim(-LIM, LIM)
    ax_x.legend(fontsize=6, loc="upper left")
    ax_x.set_title(" ", fontsize=9)  # reserve the title row: update() writes it after layout
    fig.tight_layout()

    controls = {
        "variant": widgets.Dropdown(options=list(VARIANTS), value=variant, description="variant",
                                    style={"description_width": LABEL_WIDTH}),
        "w": slider("gate weight w", w, -3.0, 3.0, 0.05),
        "v": slider("value weight v", v, -3.0, 3.0, 0.05),
        "b": slider("gate bias b", b, -3.0, 3.0, 0.05),
        "c": slider("value bias c", c, -3.0, 3.0, 0.05),
    }
    readouts = {k: readout(label) for k, label in (
        ("at_zero", "output at x = 0"), ("zeros", "output = 0 at x"), ("curvature", "curves up on"),
        ("dip", "opening's minimum"), ("det_zero", "det H = 0 on"))}
    state = {"variant": None}

    def update_plane(name):
        s = _geo.surfaces(name, A, U)
        p = s["product"]
        m = np.abs(p).max()
        img.set_data(p)
        img.set_clim(-m, m)
        rgba = np.zeros(A.shape + (4,))
        rgba[_geo.zero_set(p), 3] = 1.0
        zero_img.set_data(rgba)
        cls = _geo.curvature_class(_geo.hessian(name, A, U)["det"])
        cls_img.set_data(cls)
        dip = _geo.activation_minimum(VARIANTS[name])
        readouts["dip"].value = ("none: the opening never dips below zero" if dip is None else
                                 f"{VARIANTS[name]}({dip[0]:.4f}) = {dip[1]:.4f}")
        act = VARIANTS[name]
        det0_line.set_visible(dip is not None)
        if dip is not None:
            det0_line.set_xdata([dip[0], dip[0]])
        readouts["det_zero"].value = (
            f"the line a = {dip[0]:.4f}: curved along a, straight along u" if dip is not None
            else "the half-plane a < 0, where the product is flat" if act == "relu"
            else "nowhere: a saddle everywhere")

    def update(change=None):
        name = controls["variant"].value
        if name != state["variant"]:
            update_plane(name)
            state["variant"] = name
        w_, v_, b_, c_ = (controls[k].value for k in "wvbc")
        d = _geo.along_input(name, x, w_, v_, b_, c_)
        for line in in_lines:
            line.set_data(d["a"], d["u"])
        for dot in in_dots:
            dot.set_data([b_], [c_])
        gate_line.set_ydata(d["gate"])
        value_line.set_ydata(d["value"])
        up, down = d["curvature"] > CURV_TOL, d["curvature"] < -CURV_TOL
        up_line.set_ydata(np.where(up, d["product"], np.nan))
        down_line.set_ydata(np.where(down, d["product"], np.nan))
        flat_line.set_ydata(np.where(up | down, np.nan, d["product"]))
        pts, runs = _geo.zeros_along_input(name, x, w_, v_, b_, c_)
        zero_dots.set_data(pts, np.zeros_like(pts))
        ys = np.concatenate([d["gate"], d["value"], d["product"]])
        ax_x.set_ylim(max(ys.min(), -10) - 0.3, min(ys.max(), 10) + 0.3)
        at0 = _geo.along_input(name, np.array([0.0]), w_, v_, b_, c_)["product"][0]
        readouts["at_zero"].value = f"{VARIANTS[name]}(b) * c = {at0:.4f}"
        parts = [f"{p:.3f}" for p in pts] + [f"[{lo:.2f}, {hi:.2f}]" for lo, hi in runs]
        readouts["zeros"].value = ", ".join(parts) if parts else "nowhere on [-3, 3]"
        readouts["curvature"].value = f"{up.mean():.0%} of x in [-3, 3]"
        ax_x.set_title(f"{name}: w={w_:.2f}, v={v_:.2f}, b={b_:.2f}, c={c_:.2f}", fontsize=9)
        redraw(fig)

    for wdg in controls.values():
        wdg.observe(update, names="value")
    update()
    box = widgets.VBox([
        widgets.HBox([group("Unit", list(controls.values())), group("Read", list(readouts.values()))]),
        canvas_widget(fig),
    ])
    return Panel(box, controls, readouts, fig, update)


__all__ = ["contour_figure", "geometry_panel", "plane", "surface_figure"]
