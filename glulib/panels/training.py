"""Notebook 06's figures: a live loss curve with a progress bar while models train, and
static figures of the committed experiment.

    panel = live_panel(["relu", "swiglu"], train.QUICK)
    display(panel)
    runs = run_live(panel, corpus, train.QUICK, seed=0)   # updates the panel as it trains
    panel.controls["curve"].value = "train"                # what a test (or a learner) does

The live figure is a plain (Agg) figure shown as a PNG inside an Output widget, redrawn at
each evaluation: an ipympl canvas only repaints between cells, while the Output repaints
while the cell still runs. ``panel.static()`` gives the static twin.
Every number comes from ``glulib.train`` and ``glulib.experiment``. For the two budgets and the
learning-rate sweep: ``budgets_table``, ``lr_sweep_rows``, ``lr_sweep_table`` and ``lr_sweep_figure``
(the rank correlation of two orderings is ``glulib.experiment.kendall_tau``).
"""

import io

import ipywidgets as widgets
import numpy as np
from IPython.display import Image, display
from matplotlib.figure import Figure

from .. import experiment, model, train
from ..feedforward import LABELS
from ._common import Panel, group, readout

#: One colour per FFN, the same in every figure of notebook 06; gated variants drawn solid.
COLORS = {"relu": "#4c4c4c", "gelu": "#8c564b", "swish": "#bcbd22", "glu": "#1f77b4", "bilinear": "#17becf",
          "geglu": "#d62728", "swiglu": "#2ca02c", "reglu": "#9467bd"}
CURVES = {"held-out": "heldout_loss", "train": "train_loss"}
PROGRESS_EVERY = 5  # steps between progress-bar updates
LIVE_DPI = 72  # the live PNG is redrawn at every evaluation: keep it cheap


def _style(variant):
    return {"color": COLORS[variant], "ls": "-" if variant in model.VARIANTS else "--", "lw": 1.8}


def live_panel(variants, config):
    """An empty loss plot with one line per variant, a progress bar and readouts; returns a Panel.

    ``run_live`` fills it. Controls: ``curve`` ("held-out" or "train") picks the loss shown.
    """
    for v in variants:
        config.replace(variant=v)  # checks the name
    variants = list(variants)
    fig = Figure(figsize=(6.5, 3.0))
    ax = fig.subplots()
    lines = {v: ax.plot([], [], label=LABELS[v], **_style(v))[0] for v in variants}
    ax.set_xlim(0, config.steps)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats per character)")
    title = ax.set_title("held-out loss", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()

    controls = {"curve": widgets.ToggleButtons(options=list(CURVES), value="held-out", description="show")}
    progress = widgets.IntProgress(value=0, min=0, max=config.steps * len(variants), description="training",
                                   bar_style="info", layout=widgets.Layout(width="30em"))
    readouts = {"run": readout("now"), "loss": readout("last held-out")}
    data = {v: {"step": [], "heldout_loss": [], "train_loss": []} for v in variants}

    def update(change=None):
        key = CURVES[controls["curve"].value]
        ys = []
        for v, line in lines.items():
            line.set_data(data[v]["step"], data[v][key])
            ys += data[v][key]
        if ys:
            lo, hi = min(ys), max(ys)
            pad = 0.05 * (hi - lo) + 1e-3
            ax.set_ylim(lo - pad, hi + pad)
        title.set_text(f"{controls['curve'].value} loss")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=LIVE_DPI)
        screen.clear_output(wait=True)
        with screen:
            display(Image(data=buf.getvalue(), format="png"))

    screen = widgets.Output()
    controls["curve"].observe(update, names="value")
    box = widgets.VBox([group("live training", [progress, *readouts.values(), controls["curve"]]), screen])
    panel = Panel(box, controls, readouts, fig, update)
    panel.progress = progress
    panel.data = data
    update()  # the empty axes, until run_live fills them
    return panel


def run_live(panel, corpus, config, seed=0):
    """Train each of the panel's variants with ``config`` and ``seed``, updating the panel;
    returns {variant: glulib.train.Run}."""
    runs = {}
    variants = list(panel.data)
    panel.progress.max = config.steps * len(variants)
    for k, v in enumerate(variants):
        panel.readouts["run"].value = f"<b>{LABELS[v]}</b> (seed {seed})"

        def hear(event, k=k, v=v):
            if event["step"] % PROGRESS_EVERY == 0 or event["step"] == event["steps"]:
                panel.progress.value = k * config.steps + event["step"]
            if event["heldout_loss"] is not None:
                curve = panel.data[v]
                curve["step"].append(event["step"])
                curve["heldout_loss"].append(event["heldout_loss"])
                curve["train_loss"].append(event["train_loss"])
                panel.readouts["loss"].value = f"<b>{event['heldout_loss']:.3f}</b> at step {event['step']}"
                panel.update()

        runs[v] = train.train(corpus, config.replace(variant=v), seed, callback=hear)
        # the recorded curve's train loss is the mean since the last evaluation: keep that one
        panel.data[v]["train_loss"][:] = runs[v].curve["train_loss"]
    panel.progress.bar_style = "success"
    panel.readouts["run"].value = "done"
    panel.update()
    return runs


def curves_figure(results):
    """Held-out loss against step for all eight FFNs (mean over seeds; band: lowest to highest
    seed), with a zoom on the second half. A static figure."""
    fig = Figure(figsize=(9.0, 3.4))
    ax_all, ax_zoom = fig.subplots(1, 2)
    for v in results["variants"]:
        runs = [r for r in results["runs"] if r["variant"] == v]
        step = np.array(runs[0]["curve"]["step"])  # (n_points,)
        loss = np.array([r["curve"]["heldout_loss"] for r in runs])  # (n_seeds, n_points)
        for ax in (ax_all, ax_zoom):
            ax.plot(step, loss.mean(axis=0), label=LABELS[v], **_style(v))
            ax.fill_between(step, loss.min(axis=0), loss.max(axis=0), color=COLORS[v], alpha=0.12, lw=0)
    steps = results["config"]["steps"]
    half = [r["curve"]["heldout_loss"][i] for r in results["runs"]
            for i, s in enumerate(r["curve"]["step"]) if s >= steps / 2]
    ax_zoom.set_xlim(steps / 2, steps)
    ax_zoom.set_ylim(min(half) - 0.01, max(half) + 0.01)
    ax_all.set_title("held-out loss, all eight (mean over seeds)", fontsize=10)
    ax_zoom.set_title("second half, zoomed (band: lowest to highest seed)", fontsize=10)
    for ax in (ax_all, ax_zoom):
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    ax_all.set_ylabel("nats per character")
    ax_zoom.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def changes_figure(rows):
    """Change of held-out loss against ReLU: ours (paired mean, 95 % interval) beside the
    paper's 65k-step column. Negative is better. A static figure."""
    others = [v for v in rows if v != "relu"]
    y = np.arange(len(others))  # (7,)
    fig = Figure(figsize=(9.0, 2.9))
    ax_ours, ax_paper = fig.subplots(1, 2, sharey=True)
    for i, v in enumerate(others):
        r = rows[v]
        ax_ours.errorbar(r["delta"], i, xerr=r["delta_ci"], fmt="o", color=COLORS[v], capsize=3)
        ax_paper.plot(r["paper_delta"], i, "s", color=COLORS[v])
    for ax, title in ((ax_ours, "ours: change vs ReLU, 95% interval over seeds"),
                      (ax_paper, "paper (65k steps): change vs ReLU")):
        ax.axvline(0.0, color="0.3", lw=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("held-out loss minus ReLU's (nats)")
        ax.grid(alpha=0.3)
    ax_ours.set_yticks(y, [rows[v]["label"] for v in others])
    ax_ours.invert_yaxis()
    fig.tight_layout()
    return fig


# ---- two budgets and the learning-rate sweep (issue 15) ----
def _ranks(values):
    """{name: rank} by ascending value, 1 = lowest."""
    return {v: i + 1 for i, v in enumerate(sorted(values, key=values.get))}


def budgets_table(short_rows, long_rows):
    """Markdown: each FFN's mean held-out loss (std over seeds) and rank at the short and the long
    budget, the long budget's paired change against ReLU, beside the paper's two columns and ranks.
    ``short_rows`` and ``long_rows`` are ``experiment.summary`` of the two results."""
    if list(short_rows) != list(long_rows):
        raise ValueError(f"budgets_table: the two summaries must list the same FFNs in the same order, got "
                         f"{list(short_rows)} and {list(long_rows)}")
    paper_long_rank = _ranks({v: r["paper_long"] for v, r in long_rows.items()})
    lines = ["| FFN | ours, short: loss (std) | rank | ours, long: loss (std) | rank | long: change vs ReLU (95% CI) "
             "| paper, 65k steps (std) | rank | paper, 524k steps | rank |", "|---|---|---|---|---|---|---|---|---|---|"]
    for v, s in short_rows.items():
        g = long_rows[v]
        change = "-" if v == "relu" else f"{g['delta']:+.3f} (+/- {g['delta_ci']:.3f})"
        lines.append(f"| {s['label']} | {s['mean']:.3f} ({s['std']:.3f}) | {s['rank']} | {g['mean']:.3f} "
                     f"({g['std']:.3f}) | {g['rank']} | {change} | {g['paper']:.3f} ({g['paper_std']:.3f}) | "
                     f"{g['paper_rank']} | {g['paper_long']:.3f} | {paper_long_rank[v]} |")
    return "\n".join(lines)


def lr_sweep_rows(sweep):
    """From ``{learning rate: results}`` (one results dict per rate, the same FFNs), per FFN: its
    mean held-out loss and rank at each rate, its best rate, and its rank when every FFN gets its
    own best rate. Returns ``{variant: {"label", "mean": {lr: loss}, "rank": {lr: rank}, "best_lr",
    "best_mean", "best_rank"}}`` in the paper's FFN order."""
    if not isinstance(sweep, dict) or len(sweep) < 2:
        raise ValueError(f"lr_sweep_rows: sweep must be a dict of two or more {{learning rate: results}}, got {sweep!r:.80}")
    rows_at = {lr: experiment.summary(results) for lr, results in sorted(sweep.items())}
    names = [list(rows) for rows in rows_at.values()]
    if any(n != names[0] for n in names):
        raise ValueError(f"lr_sweep_rows: every rate must hold the same FFNs, got {names}")
    out = {v: {"label": LABELS[v], "mean": {lr: rows[v]["mean"] for lr, rows in rows_at.items()},
               "rank": {lr: rows[v]["rank"] for lr, rows in rows_at.items()}} for v in names[0]}
    for v, r in out.items():
        r["best_lr"] = min(r["mean"], key=r["mean"].get)
        r["best_mean"] = r["mean"][r["best_lr"]]
    for v, rank in _ranks({v: r["best_mean"] for v, r in out.items()}).items():
        out[v]["best_rank"] = rank
    return out


def lr_sweep_table(rows):
    """Markdown: mean held-out loss (rank) at each learning rate, each FFN's best rate, and its
    rank when each FFN trains at its own best rate. ``rows`` from ``lr_sweep_rows``."""
    lrs = list(next(iter(rows.values()))["mean"])
    head = "| FFN | " + " | ".join(f"lr {lr:g}: loss (rank)" for lr in lrs) + " | best lr | rank at its best lr |"
    lines = [head, "|---" * (len(lrs) + 3) + "|"]
    for r in rows.values():
        cells = " | ".join(f"{r['mean'][lr]:.3f} ({r['rank'][lr]})" for lr in lrs)
        lines.append(f"| {r['label']} | {cells} | {r['best_lr']:g} | {r['best_rank']} |")
    return "\n".join(lines)


def lr_sweep_figure(rows):
    """Left: each FFN's mean held-out loss against the learning rate (log scale). Right: its rank
    at each rate and at its own best rate (1 = lowest loss). A static figure."""
    lrs = list(next(iter(rows.values()))["mean"])
    fig = Figure(figsize=(9.0, 3.4))
    ax_loss, ax_rank = fig.subplots(1, 2)
    x = np.arange(len(lrs) + 1)  # (n_lrs + 1,) the rates, then "own best"
    for v, r in rows.items():
        ax_loss.plot(lrs, [r["mean"][lr] for lr in lrs], marker="o", label=r["label"], **_style(v))
        ax_rank.plot(x, [r["rank"][lr] for lr in lrs] + [r["best_rank"]], marker="o", **_style(v))
        ax_rank.annotate(r["label"], (x[-1], r["best_rank"]), xytext=(6, 0), textcoords="offset points",
                         va="center", fontsize=8, color=COLORS[v])
    ax_loss.set_xscale("log")
    ax_loss.set_xticks(lrs, [f"{lr:g}" for lr in lrs])
    ax_loss.minorticks_off()
    ax_loss.set_xlabel("learning rate (peak)")
    ax_loss.set_ylabel("held-out loss, mean over seeds")
    ax_loss.set_title("loss against learning rate", fontsize=10)
    ax_loss.legend(fontsize=7, ncol=2)
    ax_rank.set_xticks(x, [f"{lr:g}" for lr in lrs] + ["own best"])
    ax_rank.set_xlim(-0.2, x[-1] + 0.9)
    ax_rank.set_yticks(range(1, len(rows) + 1))
    ax_rank.invert_yaxis()
    ax_rank.set_ylabel("rank (1 = lowest loss)")
    ax_rank.set_title("rank at each learning rate", fontsize=10)
    for ax in (ax_loss, ax_rank):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
