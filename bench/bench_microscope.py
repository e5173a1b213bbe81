"""Notebook 07's gate microscope: switching unit to a redrawn view, target median under 100 ms.

Each timed change sets the panel's ``unit`` control (alternating between units), which runs
the update (histogram, scatter, top contexts, the three coloured copies of the passage as
HTML) and then draws the canvas synchronously (``fig.canvas.draw()``: Agg rendering plus
the PNG frame ipympl sends), as the frontend's draw request would. The browser's own work
(laying out the HTML, showing the PNG) is not included. Also timed: a change of FFN, and the one-off work
the notebook does before the panel (recording every model on the passage, the selectivity
scores). Medians; the machine is shared.
"""

import time

import matplotlib.pyplot as plt

from bench import stats

TARGET_MS = 100.0
REPEATS = 31


def run():
    from glulib import microscope, textdata
    from glulib.panels.microscope import microscope_panel

    old = plt.get_backend()
    plt.switch_backend("module://ipympl.backend_nbagg")
    try:
        corpus = textdata.load_corpus()
        start = time.perf_counter()
        states = microscope.record_all(corpus)
        record_s = time.perf_counter() - start
        start = time.perf_counter()
        scores = {v: microscope.selectivity(s) for v, s in states.items()}
        score_s = time.perf_counter() - start
        panel = microscope_panel(states, variant="swiglu", scores=scores)
        canvas = panel.fig.canvas
        canvas._handle_message(canvas, {"type": "initialized"}, [])  # noqa: SLF001 (what the browser sends)
        canvas.draw()
        unit = panel.controls["unit"]

        def switch_unit(i):
            unit.value = 10 + i % 2
            canvas.draw()

        def switch_ffn(i):
            panel.controls["variant"].value = ("glu", "swiglu")[i % 2]
            canvas.draw()

        rows = [("unit", *stats.median_and_best_ms(switch_unit, REPEATS)), ("FFN", *stats.median_and_best_ms(switch_ffn, 11))]
        plt.close(panel.fig)
    finally:
        plt.switch_backend(old)
    print(f"one-off: record_all {record_s:.2f} s, selectivity of 8 FFNs {score_s:.2f} s "
          f"({len(states['relu'].text)} characters)")
    print(f"{'switch':<8} {'median ms':>10} {'best ms':>8} {'median/target':>14}")
    for label, median, best in rows:
        print(f"{label:<8} {median:>10.1f} {best:>8.1f} {median / TARGET_MS:>14.2f}")


if __name__ == "__main__":
    run()
