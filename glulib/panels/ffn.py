"""The FFN cost panel (notebook 05): parameters, FLOPs and backward memory of one FFN.

Beside the chosen FFN it draws the ungated ReLU FFN with the same parameter count
(d_ff x 3/2 when the chosen variant is gated), so the 2/3 rule shows as equal bars.
"""

import ipywidgets as widgets
import numpy as np

from .. import costs as _costs
from ..feedforward import BASELINES, VARIANTS, gate_activation
from ._common import LABEL_WIDTH, assemble, readout, redraw
from ._quiet import live_figure

MIB = 2 ** 20
FLOP_KEYS = ("flops_forward", "flops_backward", "flops_backward_recompute_from_x")
FLOP_LABELS = ("forward", "backward\n(store all)", "backward\n(recompute\nfrom x)")
#: One bar per strategy of glulib.costs, labelled with its name ("recompute_from_x": "recompute from x").
MEM_LABELS = tuple(s.replace("_", " ").replace(" from", "\nfrom") for s in _costs.STRATEGIES)


def _int_slider(label, value, lo, hi, step):
    return widgets.IntSlider(value=value, min=lo, max=hi, step=step, description=label,
                             style={"description_width": LABEL_WIDTH}, layout=widgets.Layout(width="26em"))


def baseline_d_ff(d_ff, variant):
    """The ReLU FFN's d_ff with the same parameters as ``variant`` at ``d_ff``."""
    return (3 * d_ff) // 2 if gate_activation(variant, "baseline_d_ff")[1] else d_ff


def ffn_costs_panel(d_model=768, d_ff=2048, variant="swiglu", tokens=2048, bytes_per_element=4):
    """Controls: ``d_model``, ``d_ff``, ``tokens`` (IntSliders), ``variant`` (Dropdown).

    Readouts: ``params``, ``flops_forward``, ``flops_backward``, ``flops_backward_recompute_from_x``,
    ``memory_store_all``, ``memory_recompute_hidden``, ``memory_recompute_from_x`` (one per
    strategy of ``glulib.costs.activation_memory``), ``baseline``.
    """
    fig = live_figure(figsize=(9.0, 3.2))
    fx, mx = fig.subplots(1, 2)
    width = 0.38
    pos = np.arange(3)
    f_bars = fx.bar(pos - width / 2, np.ones(3), width, color="C0", label="chosen FFN")
    f_base = fx.bar(pos + width / 2, np.ones(3), width, color="0.7", label="ReLU FFN, same params")
    m_bars = mx.bar(pos - width / 2, np.ones(3), width, color="C2", label="chosen FFN")
    m_base = mx.bar(pos + width / 2, np.ones(3), width, color="0.7", label="ReLU FFN, same params")
    fx.set_xticks(pos, FLOP_LABELS, fontsize=8)
    mx.set_xticks(pos, MEM_LABELS, fontsize=8)
    fx.set_ylabel("GFLOP")
    mx.set_ylabel("activation memory (MiB)")
    fx.legend(fontsize=7)
    mx.legend(fontsize=7)
    fx.set_title(" ", fontsize=9)  # reserve the title row: update() writes it after layout
    fig.tight_layout()

    controls = {
        "d_model": _int_slider("d_model", d_model, 64, 8192, 64),
        "d_ff": _int_slider("d_ff", d_ff, 64, 32768, 64),
        "variant": widgets.Dropdown(options=list(VARIANTS) + list(BASELINES), value=variant,
                                    description="variant", style={"description_width": LABEL_WIDTH}),
        "tokens": _int_slider("tokens", tokens, 1, 65536, 1),
    }
    keys = ("params", *FLOP_KEYS, *(f"memory_{s}" for s in _costs.STRATEGIES), "baseline")
    labels = ("parameters", "forward FLOPs", "backward FLOPs", "backward, recompute from x",
              *(f"memory: {s.replace('_', ' ')}" for s in _costs.STRATEGIES), "same-params ReLU")
    readouts = {k: readout(lab) for k, lab in zip(keys, labels)}

    def update(change=None):
        dm, dff, var, n = (controls[k].value for k in ("d_model", "d_ff", "variant", "tokens"))
        s = _costs.summary(dm, dff, var, n, bytes_per_element)
        dff_base = baseline_d_ff(dff, var)
        base = _costs.summary(dm, dff_base, "relu", n, bytes_per_element)
        for bars, src in ((f_bars, s), (f_base, base)):
            for bar, k in zip(bars, FLOP_KEYS):
                bar.set_height(src[k] / 1e9)
        for bars, src in ((m_bars, s), (m_base, base)):
            for bar, strat in zip(bars, _costs.STRATEGIES):
                bar.set_height(src[f"memory_{strat}"] / MIB)
        fx.set_ylim(0, 1.1 * max(s["flops_backward_recompute_from_x"], base["flops_backward_recompute_from_x"]) / 1e9)
        mx.set_ylim(0, 1.1 * max(s["memory_store_all"], base["memory_store_all"]) / MIB)
        fx.set_title(f"{var}, d_model {dm}, d_ff {dff}, {n} tokens", fontsize=9)
        readouts["params"].value = f"{s['params']:,}"
        for k in FLOP_KEYS:
            readouts[k].value = f"{s[k]:,} ({s[k] / 1e9:.3g} GFLOP)"
        for strat in _costs.STRATEGIES:
            k = f"memory_{strat}"
            readouts[k].value = f"{s[k]:,} bytes ({s[k] / MIB:.4g} MiB)"
        readouts["baseline"].value = f"d_ff {dff_base}: {base['params']:,} parameters"
        redraw(fig)

    return assemble(controls, readouts, fig, update, "FFN", f"Costs ({bytes_per_element} bytes a number)")


__all__ = ["baseline_d_ff", "ffn_costs_panel"]
