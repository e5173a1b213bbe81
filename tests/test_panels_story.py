"""Static figures of the typhoon story: the numbers drawn are glulib's."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from glulib import typhoon
from glulib.panels import story


def _texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_two_branches_draws_the_computed_numbers():
    r = typhoon.pump(typhoon.STORY["x"])
    fig = story.two_branches()
    text = _texts(fig)
    for number in (f"{r['severity']:.2f}", f"{r['gate_input']:.2f}", f"{r['gate']:.4f}", f"{r['output']:.4f}"):
        assert number in text
    assert "3.7608" in text and "0.8176" in text  # FACTS.md
    plt.close(fig)
    other = story.two_branches([1.0, -1.0, 0.5])
    assert f"{typhoon.pump(np.array([1.0, -1.0, 0.5]))['output']:.4f}" in _texts(other)
    plt.close(other)


def test_storms_table_and_markdown():
    rows = story.storms_table()
    r = typhoon.pump(typhoon.load_storms()["x"])
    for i, row in enumerate(rows):
        assert row["output"] == pytest.approx(r["output"][i], rel=1e-12)
        assert row["linear"] == pytest.approx(r["severity"][i], rel=1e-12)
    md = story.table_markdown(rows)
    assert md.count("\n") == 1 + len(rows) and "| A |" in md and "3.76" in md


def test_output_vs_tide_lines():
    fig = story.output_vs_tide(rainfall=5.0, wind=3.0)
    ax = fig.axes[0]
    t = ax.lines[0].get_xdata()
    x = np.column_stack([np.full_like(t, 5.0), t, np.full_like(t, 3.0)])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), typhoon.pump(x)["output"], rtol=1e-12)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), typhoon.pump(x)["severity"], rtol=1e-12)
    plt.close(fig)


def test_show_returns_a_png_and_leaves_no_figure_in_pyplot():
    before = plt.get_fignums()
    img = story.show(story.two_branches())
    assert img.data[:4] == b"\x89PNG" and plt.get_fignums() == before
