"""Static figures of the typhoon story (notebooks 00 and 01): the two-branch drawing, the
three storms, output against tide. Every number drawn is computed by ``glulib.typhoon``."""

import matplotlib.pyplot as plt
import numpy as np

from .. import typhoon
from ._common import static_twin
from ._quiet import static_subplots

_BOX = {"boxstyle": "round,pad=0.5", "linewidth": 1.2}


_subplots = static_subplots


def show(fig):
    """The figure as a PNG (its static twin), and the figure closed: for static figures in cells."""
    image = static_twin(fig)
    plt.close(fig)
    return image


def _box(ax, xy, text, color):
    ax.text(*xy, text, ha="center", va="center", fontsize=10,
            bbox={**_BOX, "facecolor": color, "edgecolor": "0.3"})


def _arrow(ax, start, end, label=None, offset=(0.0, 0.0)):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "lw": 1.3, "color": "0.25"})
    if label:
        ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], label,
                ha="center", va="center", fontsize=8.5, color="0.25")


def two_branches(x=None, activation="sigmoid"):
    """The GLU neuron drawn as two branches that meet only at the multiply, with the numbers
    of storm ``x`` (the story's by default). Returns the Figure."""
    x = typhoon.STORY["x"] if x is None else np.asarray(x, dtype=float)
    r = typhoon.pump(x, activation=activation)
    W, b, V, c = (typhoon.STORY[k] for k in ("W", "b", "V", "c"))
    aug = typhoon.augment(x)  # (4,)
    fig, ax = _subplots(figsize=(9.5, 4.2))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4.4)
    ax.axis("off")
    xs = ", ".join(f"{v:g}" for v in aug)
    _box(ax, (1.1, 2.2), f"storm\nx = ({xs})\nrainfall, tide,\nwind, 1", "#eeeeee")
    w_row = ", ".join(f"{v:g}" for v in (*W, b))
    v_row = ", ".join(f"{v:g}" for v in (*V, c))
    _box(ax, (4.0, 3.5), f"severity (value)\n[{w_row}] . x\n= {r['severity']:.2f}", "#cfe2f3")
    _box(ax, (4.0, 0.9), f"gate input\n[{v_row}] . x\n= {r['gate_input']:.2f}", "#fce5cd")
    _box(ax, (6.6, 0.9), f"opening\n(pump fraction)\n{activation}({r['gate_input']:.2f})\n= {r['opening']:.4f}", "#fff2cc")
    ax.text(6.6, 2.2, "\u00d7", ha="center", va="center", fontsize=26,
            bbox={"boxstyle": "circle,pad=0.25", "facecolor": "white", "edgecolor": "0.3"})
    _box(ax, (8.9, 2.2), f"pumped\n(output)\n{r['severity']:.2f} \u00d7 {r['opening']:.4f}\n= {r['output']:.4f}",
         "#d9ead3")
    _arrow(ax, (1.9, 2.6), (2.9, 3.4), "row W, bias b", offset=(-0.45, 0.25))
    _arrow(ax, (1.9, 1.8), (2.9, 1.0), "row V, bias c", offset=(-0.45, -0.25))
    _arrow(ax, (5.1, 0.9), (5.7, 0.9))
    _arrow(ax, (5.1, 3.4), (6.4, 2.45))
    _arrow(ax, (6.6, 1.45), (6.6, 1.9))
    _arrow(ax, (6.9, 2.2), (8.0, 2.2))
    ax.set_title("Two branches read the same storm and meet only at the multiply", fontsize=11)
    fig.tight_layout()
    return fig


def storms_table(storms=None):
    """Rows of the three storms: features, the GLU's severity, gate input, opening and output,
    and what the plain linear layer (the severity row alone) would say."""
    storms = typhoon.load_storms() if storms is None else storms
    r = typhoon.pump(storms["x"])
    lin = typhoon.linear(storms["x"], typhoon.STORY["W"], typhoon.STORY["b"])  # (3,)
    rows = []
    for i, name in enumerate(storms["name"]):
        rows.append({
            "storm": name, "description": storms["description"][i],
            **{f: float(storms["x"][i, j]) for j, f in enumerate(typhoon.FEATURES)},
            "severity": float(r["severity"][i]), "gate input": float(r["gate_input"][i]),
            "opening": float(r["opening"][i]),
            "output": float(r["output"][i]), "linear": float(lin[i]),
        })
    return rows


def table_markdown(rows):
    """The storms table as Markdown, numbers to two decimals."""
    cols = ["storm", "description", *typhoon.FEATURES, "severity", "gate input", "opening", "output", "linear"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        cells = [row[k] if isinstance(row[k], str) else f"{row[k]:.2f}" for k in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def output_vs_tide(rainfall=5.0, wind=3.0, tide=(-3.0, 4.0)):
    """Pumped volume against tide at fixed rainfall and wind: the GLU and the linear layer."""
    t = np.linspace(*tide, 141)  # (141,)
    x = np.column_stack([np.full_like(t, rainfall), t, np.full_like(t, wind)])  # (141, 3)
    r = typhoon.pump(x)
    lin = typhoon.linear(x, typhoon.STORY["W"], typhoon.STORY["b"])  # (141,)
    fig, (ax, ax_g) = _subplots(1, 2, figsize=(9.5, 3.4))
    ax.plot(t, r["output"], lw=2, label="GLU: severity \u00d7 opening")
    ax.plot(t, lin, lw=2, ls="--", label="plain linear layer (severity)")
    ax.set_xlabel(f"tide ({typhoon.UNITS['tide']})")
    ax.set_ylabel(f"{typhoon.VOLUME_UNIT}")
    ax.set_title(f"rainfall {rainfall:g} {typhoon.UNITS['rainfall']}, wind {wind:g} {typhoon.UNITS['wind']}",
                 fontsize=10)
    ax.legend(fontsize=8)
    ax_g.plot(t, r["gate"], color="tab:orange", lw=2)
    ax_g.set_ylim(0, 1)
    ax_g.set_xlabel(f"tide ({typhoon.UNITS['tide']})")
    ax_g.set_ylabel("opening (pump fraction)")
    ax_g.set_title("the opening alone", fontsize=10)
    fig.tight_layout()
    return fig
