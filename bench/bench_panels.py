"""One slider change to a redrawn panel, without the browser: target median under 30 ms.

For each panel: set a control's ``.value``, which runs the panel's update (glulib's numbers,
artists moved in place) and redraws. A panel with a Blitter (glulib/panels/_blit.py) blits
synchronously inside the update when the axes limits stay put (restore the cached
background, draw the moving artists, send ipympl's PNG diff); otherwise it asks for a full
redraw, and the bench then draws the canvas synchronously with ``fig.canvas.draw()`` (Agg
rendering plus the PNG diff), as the frontend's draw request would. Either way the time
covers everything but the browser. Medians over alternating values; the machine is shared,
so the medians say more than the minimum or the mean, and the bare-figure reference measured
in the same run says how fast the machine was.
"""

import matplotlib
import matplotlib.pyplot as plt

from bench import stats

TARGET_MS = 30.0
REPEATS = 41


def _cases():
    from glulib.panels.reading import history_panel
    from glulib.panels.typhoon import pump_panel
    from glulib.panels.zoo import swish_panel, zoo_panel

    return [
        ("pump: tide", pump_panel, "tide", (-2.0, 2.0)),
        ("pump: activation", pump_panel, "activation", ("gelu", "silu")),
        ("zoo: activation", zoo_panel, "activation", ("gelu", "silu")),
        ("swish: beta", swish_panel, "beta", (0.5, 5.0)),
        ("history: step", history_panel, "step", None),
    ]


def _baseline_ms():
    """Median time to draw a 7.5 x 3 inch ipympl figure holding two empty axes."""
    from glulib.panels import live_figure

    fig = live_figure((7.5, 3.0))
    fig.subplots(1, 2)
    fig.canvas._handle_message(fig.canvas, {"type": "initialized"}, [])  # noqa: SLF001 (what the browser sends)
    fig.canvas.draw()
    ms, _ = stats.median_and_best_ms(lambda i: fig.canvas.draw(), REPEATS)
    plt.close(fig)
    return ms


def run():
    old = plt.get_backend()
    plt.switch_backend("module://ipympl.backend_nbagg")
    rows = []
    try:
        baseline_ms = _baseline_ms()
        for label, factory, key, values in _cases():
            panel = factory()
            # what the browser's frontend says once it shows the canvas: from then on ipympl
            # stops re-encoding a PNG copy of every frame for the notebook file
            panel.fig.canvas._handle_message(panel.fig.canvas, {"type": "initialized"}, [])  # noqa: SLF001
            control = panel.controls[key]
            if values is None:
                values = (control.min, control.max // 2)
            control.value = values[1]  # so that the first timed change (to values[0]) is a change
            panel.fig.canvas.draw()

            modes = set()

            def change_and_draw(i, control=control, values=values, panel=panel, modes=modes):
                control.value = values[i % 2]
                blitter = getattr(panel, "blitter", None)
                if blitter is not None and blitter.last == "blit":
                    modes.add("blit")  # already drawn and sent, synchronously, inside the update
                else:
                    modes.add("full")
                    panel.fig.canvas.draw()

            total_ms, best_ms = stats.median_and_best_ms(change_and_draw, REPEATS)
            rows.append((label, "+".join(sorted(modes)), total_ms, best_ms))
            plt.close(panel.fig)
    finally:
        plt.switch_backend(old)
    print(f"backend ipympl (matplotlib {matplotlib.__version__}); median of {REPEATS} changes; target {TARGET_MS:.0f} ms")
    print(f"reference in the same run: a full draw of a bare figure with two empty axes takes "
          f"{baseline_ms:.1f} ms (the machine's speed right now)")
    print(f"{'panel: control':<20} {'redraw':>9} {'median ms':>10} {'best ms':>8} "
          f"{'median/target':>14} {'median/bare':>12}")
    for label, mode, total_ms, best_ms in rows:
        print(f"{label:<20} {mode:>9} {total_ms:>10.1f} {best_ms:>8.1f} "
              f"{total_ms / TARGET_MS:>14.2f} {total_ms / baseline_ms:>12.2f}")


if __name__ == "__main__":
    run()
