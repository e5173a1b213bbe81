"""Notebook 07's gate microscope: the controls, driven by setting .value, redraw what glulib.microscope computes."""

import re

import numpy as np
import pytest

from glulib import checkpoints, microscope as ms, textdata
from glulib.panels.microscope import CMAP, colours, microscope_panel, text_figure, view_html


@pytest.fixture(scope="module")
def states():
    corpus = textdata.load_corpus()
    return ms.record_all(corpus, variants=("relu", "glu", "swiglu"), start=64 * 40, n_windows=12)


@pytest.fixture
def panel(states, ipympl_backend):
    scores = {v: ms.selectivity(s) for v, s in states.items()}
    return microscope_panel(states, variant="glu", scores=scores)


def _backgrounds(html_text):
    return re.findall(r'background:(#[0-9a-f]{6})', html_text)


def _hex(t):
    return "#%02x%02x%02x" % tuple(int(round(c * 255)) for c in CMAP(t)[:3])


def test_colours_run_from_blue_through_white_to_red():
    assert colours(np.array([-2.0, 0.0, 2.0, 1.0])) == [_hex(0.0), _hex(0.5), _hex(1.0), _hex(0.75)]
    assert colours(np.zeros(3)) == [_hex(0.5)] * 3


def test_every_unit_redraws_text_histogram_and_readouts(panel, states):
    unit, layer = panel.controls["unit"], panel.controls["layer"]
    st = states["glu"]
    assert layer.value == 1 and unit.max == st.opening[1].shape[1] - 1
    ax_hist, ax_joint = panel.fig.axes
    previous = None
    for L, j in [(1, unit.max), (0, 0), (1, 7), (0, 3)]:
        layer.value, unit.value = L, j
        g = st.opening[L][:, j]
        assert f"layer {L}, unit {j}" in panel.readouts["unit"].value
        assert f"{g.mean():+.3f}" in panel.readouts["open"].value
        counts, edges, _ = ax_hist.patches[0].get_data()  # StepPatch: values, edges, baseline
        assert counts.sum() == g.size and edges[0] == g.min() and edges[-1] == pytest.approx(g.max())
        np.testing.assert_allclose(ax_joint.collections[0].get_offsets(), np.column_stack([g, st.value[L][:, j]]),
                                   rtol=1e-6)
        text = panel.readouts["text"].value
        assert text == view_html(st, L, j)
        n = min(len(st.text), 640)
        assert _backgrounds(text)[:n] == colours(g[:n], top=float(np.abs(g).max()))  # the opening column first
        top = ms.top_contexts(st, L, j, k=6)[0]
        assert f"{top[3]:+.2f}" in panel.readouts["contexts"].value
        scores = ms.selectivity(st)
        best = max(scores, key=lambda c: scores[c][L, j])
        assert panel.readouts["class"].value == f"<b>{best}</b> (AUC {scores[best][L, j]:.2f})"
        if previous is not None:
            assert text != previous
        previous = text


def test_the_text_view_scrolls_through_the_passage_on_one_colour_scale(panel, states):
    st = states["glu"]
    panel.controls["layer"].value, panel.controls["unit"].value = 1, 4
    start = panel.controls["start"]
    assert start.max == max(0, len(st.text) - 640) and start.step == 64
    start.value = 64
    text = panel.readouts["text"].value
    assert text == view_html(st, 1, 4, start=64)
    g = st.opening[1][:, 4]
    assert _backgrounds(text)[:10] == colours(g[64:74], top=float(np.abs(g).max()))


def test_next_and_previous_step_through_units_and_stop_at_the_ends(panel):
    unit = panel.controls["unit"]
    unit.value = 0
    panel.controls["previous"].click()
    assert unit.value == 0
    panel.controls["next"].click()
    panel.controls["next"].click()
    assert unit.value == 2 and "unit 2 of" in panel.readouts["unit"].value
    unit.value = unit.max
    panel.controls["next"].click()
    assert unit.value == unit.max


def test_switching_to_an_ungated_ffn(panel, states):
    panel.controls["unit"].value = panel.controls["unit"].max  # the last GLU unit; ReLU has more
    panel.controls["variant"].value = "relu"
    st = states["relu"]
    assert panel.controls["unit"].max == st.opening[0].shape[1] - 1
    assert "ReLU" in panel.readouts["unit"].value and "value u" not in panel.readouts["text"].value
    assert len(panel.fig.axes[1].collections[0].get_offsets()) == 0
    panel.controls["unit"].value = st.opening[0].shape[1] - 1  # a unit only the wider FFN has
    panel.controls["variant"].value = "swiglu"
    assert panel.controls["unit"].value == panel.controls["unit"].max == states["swiglu"].opening[0].shape[1] - 1
    assert "SwiGLU" in panel.readouts["unit"].value and "value u" in panel.readouts["text"].value


def test_static_twins(panel, states):
    assert panel.static().data[:8] == b"\x89PNG\r\n\x1a\n"
    fig = text_figure(states["glu"], 1, 3, n_chars=130, width=64)
    assert len(fig.axes) == 3 and len(fig.axes[0].texts) == 130
    assert len(text_figure(states["relu"], 0, 3, n_chars=64).axes) == 1


def test_bad_input(states):
    with pytest.raises(TypeError, match="microscope_panel: states"):
        microscope_panel({"glu": 3})
    with pytest.raises(ValueError, match="variant must be one of"):
        microscope_panel(states, variant="geglu")


def test_the_unit_has_a_number_box_that_moves_with_the_slider(panel, states):
    unit, box = panel.controls["unit"], panel.controls["unit_number"]
    box.value = 5
    assert unit.value == 5 and "unit 5 of" in panel.readouts["unit"].value
    unit.value = 9
    assert box.value == 9
    panel.controls["next"].click()
    assert box.value == unit.value == 10
    panel.controls["unit"].value = panel.controls["unit"].max
    panel.controls["variant"].value = "relu"  # a wider FFN: the box's range follows the slider's
    assert box.max == unit.max == states["relu"].opening[0].shape[1] - 1
    box.value = box.max + 50  # out of range: clamped, as the slider does
    assert unit.value == box.value == unit.max


def test_an_ungated_ffn_shows_no_empty_plot_and_titles_have_room(panel):
    panel.controls["variant"].value = "relu"
    ax_hist, ax_joint = panel.fig.axes
    assert not ax_joint.get_visible()
    panel.controls["variant"].value = "glu"
    assert ax_joint.get_visible()
    panel.fig.canvas.draw()
    top = panel.fig.bbox.height
    for ax in (ax_hist, ax_joint):  # each title inside the figure, not cut at its top
        assert ax.title.get_window_extent().y1 <= top + 0.5, ax.title.get_text()


def test_text_breaks_at_spaces_only_and_contexts_never_wrap(panel):
    text = panel.readouts["text"].value
    assert "word-break:normal" in text and "white-space:pre-wrap" in text
    contexts = panel.readouts["contexts"].value
    assert contexts.count('white-space:pre"') == 6 and "<br>" not in contexts
