"""The pump control panel of notebook 00 (glulib.panels.typhoon): every control driven by setting .value; readouts equal glulib's numbers."""

import math

import ipywidgets as widgets
import numpy as np
import pytest

import glulib
from glulib import typhoon
from glulib.panels import typhoon as typhoon_panel

CONTROL_KEYS = ["rainfall", "tide", "wind", "severity_rainfall", "severity_tide", "severity_wind",
                "severity_bias", "gate_rainfall", "gate_tide", "gate_wind", "gate_bias", "activation",
                "beta", "reset"]
READOUT_KEYS = ["severity", "gate_input", "gate", "output"]
SLIDERS = [k for k in CONTROL_KEYS if k not in ("activation", "reset")]
PANEL_ACTIVATIONS = ["sigmoid", "tanh", "relu", "gelu", "silu", "identity"]


@pytest.fixture
def panel(ipympl_backend):
    """The panel as a notebook builds it, under ipympl (``%matplotlib widget``)."""
    return typhoon_panel.pump_panel()


pytestmark = pytest.mark.usefixtures("no_logged_callback_errors")


def _expected(p):
    c = p.controls
    x = [c[f].value for f in typhoon.FEATURES]
    W = [c[f"severity_{f}"].value for f in typhoon.FEATURES]
    V = [c[f"gate_{f}"].value for f in typhoon.FEATURES]
    return typhoon.pump(x, W, c["severity_bias"].value, V, c["gate_bias"].value,
                        c["activation"].value, c["beta"].value)


def _shown(p, key):
    html = p.readouts[key].value
    return float(html.split("<b>")[1].split("</b>")[0].replace("\u2212", "-"))


def _assert_readouts_match(p):
    want = _expected(p)
    for key in READOUT_KEYS:
        assert math.isfinite(want[key])
        assert _shown(p, key) == pytest.approx(want[key], abs=0.005 + 1e-9), key


def _artists(p):
    ax_gate, ax_vol = p.fig.axes
    curve, point = ax_gate.lines[0], ax_gate.lines[1]
    return (np.array(curve.get_ydata(), dtype=float).copy(),
            np.array(point.get_xydata(), dtype=float).copy(),
            np.array([b.get_height() for b in ax_vol.patches], dtype=float))


def test_contract_keys_classes_and_types(panel):
    assert list(panel.controls) == CONTROL_KEYS
    assert list(panel.readouts) == READOUT_KEYS
    for key, w in {**panel.controls, **panel.readouts}.items():
        assert f"glu-{key}" in w._dom_classes, key
    for key in SLIDERS:
        assert isinstance(panel.controls[key], widgets.FloatSlider), key
    for key in READOUT_KEYS:
        assert isinstance(panel.readouts[key], widgets.HTML)
    assert isinstance(panel.controls["activation"], (widgets.ToggleButtons, widgets.Dropdown))
    assert isinstance(panel.controls["reset"], widgets.Button)
    labels = dict((v, k) for k, v in panel.controls["activation"].options)
    assert sorted(labels) == sorted(PANEL_ACTIVATIONS)
    assert "Swish" in labels["silu"] and "Bilinear" in labels["identity"]
    for f in typhoon.FEATURES:
        assert typhoon.UNITS[f] in panel.controls[f].description


def test_story_storm_readouts(panel):
    shown = {k: panel.readouts[k].value for k in READOUT_KEYS}
    r = typhoon.pump(typhoon.STORY["x"])
    assert f"{r['severity']:.2f}" == "4.60" and "4.60" in shown["severity"]
    assert "1.50" in shown["gate_input"] and "0.82" in shown["gate"] and "3.76" in shown["output"]


@pytest.mark.parametrize("key", SLIDERS)
def test_every_slider_at_both_extremes(panel, key):
    w = panel.controls[key]
    panel.controls["activation"].value = "silu"  # beta matters only for Swish
    for value in (w.min, w.max, (w.min + w.max) / 2):
        w.value = value
        _assert_readouts_match(panel)
        for a in _artists(panel):
            assert np.all(np.isfinite(a))
    panel.update()  # a direct call raises if the callback would


@pytest.mark.parametrize("key", SLIDERS)
def test_every_slider_changes_the_figure(panel, key):
    w = panel.controls[key]
    panel.controls["activation"].value = "silu"
    before = _artists(panel)
    w.value = w.max if w.value != w.max else w.min
    after = _artists(panel)
    assert any(not np.allclose(a, b) for a, b in zip(after, before)), f"moving {key} changed no artist"


@pytest.mark.parametrize("activation", PANEL_ACTIVATIONS)
def test_every_activation(panel, activation):
    before = _artists(panel)[0]
    panel.controls["activation"].value = activation
    _assert_readouts_match(panel)
    z = np.linspace(*typhoon_panel.Z_RANGE, before.size)
    np.testing.assert_allclose(_artists(panel)[0], glulib.activate(z, activation, 1.0), rtol=1e-12)
    if activation != "sigmoid":
        assert not np.allclose(_artists(panel)[0], before)
    assert panel.controls["beta"].disabled == (activation != "silu")
    panel.update()


@pytest.mark.parametrize("activation", PANEL_ACTIVATIONS)
def test_extremes_under_every_activation_stay_finite(panel, activation):
    c = panel.controls
    c["activation"].value = activation
    for key in SLIDERS:
        c[key].value = c[key].max
    _assert_readouts_match(panel)
    for key in SLIDERS:
        c[key].value = c[key].min
    _assert_readouts_match(panel)
    for a in _artists(panel):
        assert np.all(np.isfinite(a))


def test_reset_puts_every_control_back(panel):
    c = panel.controls
    for key in SLIDERS:
        c[key].value = c[key].min
    c["activation"].value = "relu"
    c["reset"].click()  # through the Button, as a learner does; errors would be logged (fixture)
    for key, value in typhoon_panel.story_values().items():
        assert c[key].value == pytest.approx(value), key
    _assert_readouts_match(panel)
    assert "3.76" in panel.readouts["output"].value
    panel.reset()  # and directly, so an exception would raise here


def test_static_twin_is_a_png(panel):
    img = panel.static()
    assert img.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_ipympl_the_figure_shows_through_an_output():
    """Under a plain backend (Voila without ipympl, a script) the panel still builds and updates."""
    import matplotlib.pyplot as plt

    old = plt.get_backend()
    plt.switch_backend("agg")
    try:
        p = typhoon_panel.pump_panel()
        p.controls["tide"].value = -2.0
        _assert_readouts_match(p)
        assert any(isinstance(w, widgets.Output) for w in _tree(p.widget))
        plt.close(p.fig)
    finally:
        plt.switch_backend(old)


def test_slider_changes_blit_after_a_full_draw_and_the_static_twin_keeps_every_artist(panel):
    """After the frontend's first full draw, a feature change blits; limits changes draw fully."""
    b = panel.blitter
    assert b.enabled and b.background is None
    panel.fig.canvas.draw()  # what the frontend's first draw request does: caches the background
    assert b.background is not None
    panel.controls["tide"].value = -2.0
    assert b.last == "blit"
    _assert_readouts_match(panel)
    panel.controls["activation"].value = "identity"  # new y-limits: a full redraw
    assert b.last == "full" and b.background is None
    # the static twin draws the animated artists: two gates give two different images
    png_identity = panel.static().data
    assert all(a.get_animated() for a in b.artists)
    panel.controls["activation"].value = "sigmoid"
    png_sigmoid = panel.static().data
    assert png_identity != png_sigmoid


def test_static_twin_shows_the_moving_artists():
    """The ipympl panel's twin (animated artists drawn for the picture) equals the twin of the
    same panel built under a plain backend, where nothing is animated."""
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    def pixels(png):
        return np.array(Image.open(io.BytesIO(png)))

    old = plt.get_backend()
    try:
        plt.switch_backend("module://ipympl.backend_nbagg")
        live = typhoon_panel.pump_panel()
        live.fig.canvas.draw()
        live.controls["tide"].value = -1.0  # a blitted change
        assert live.blitter.last == "blit"
        live_png = pixels(live.static().data)
        plt.close(live.fig)
        plt.switch_backend("agg")
        plain = typhoon_panel.pump_panel()
        assert not plain.blitter.enabled and not any(a.get_animated() for a in plain.blitter.artists)
        plain.controls["tide"].value = -1.0
        plain_png = pixels(plain.static().data)
        plt.close(plain.fig)
    finally:
        plt.switch_backend(old)
    assert live_png.shape == plain_png.shape
    np.testing.assert_array_equal(live_png, plain_png)


def test_every_image_sent_to_the_browser_is_whole(panel):
    """ipympl may send only the changed pixels after a first whole image; when images arrive in
    a burst the browser can drop the whole one and show a blank figure. Every image the panel
    sends, on a full draw and on a blit, must stand alone: no pixel left transparent."""
    import io

    from PIL import Image

    canvas = panel.fig.canvas
    sent = []
    canvas.send_binary = sent.append  # what would go to the browser
    canvas.draw()  # the frontend's first draw request
    panel.controls["tide"].value = -2.0  # a blit
    panel.controls["activation"].value = "identity"  # new limits: a full draw
    canvas.draw()
    assert panel.blitter.last == "full" and len(sent) == 3
    for png in sent:
        alpha = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))[:, :, 3]  # (rows, cols)
        assert alpha.shape == canvas.get_width_height()[::-1] and alpha.min() > 0, "changed pixels only"


def _tree(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _tree(child)


def test_readouts_write_negative_numbers_with_the_sliders_minus_sign(panel):
    panel.controls["tide"].value = -3.0  # gate input 1.5 - 2.5 = -1.0
    shown = panel.readouts["gate_input"].value
    assert "\u2212" in shown and "-" not in shown.replace("</b>", ""), shown
    panel.reset()


def test_the_panel_output_is_the_live_widget_with_its_static_twin_as_fallback(monkeypatch):
    """JupyterLab shows one type of an output: the widget view alone (the figure once); a
    static page or a deck shows the image/png of the same output."""
    import base64

    from glulib.panels import _common

    monkeypatch.setattr(_common, "_in_kernel", lambda: True)  # in a kernel the widgets stay open
    panel = typhoon_panel.pump_panel()
    bundle = panel._repr_mimebundle_()
    panel.close()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    png = base64.b64decode(bundle["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_sliders_sit_beside_the_figure_and_labels_fit(panel):
    """Two columns: every slider left of the figure (on screen together on a laptop); the
    readouts' labels have room for their longest words."""
    left, right = panel.widget.children
    sliders = {k for k, w in panel.controls.items() if isinstance(w, widgets.FloatSlider)} - {"beta"}
    in_left = {k for k, w in panel.controls.items() if any(w is x for x in _tree(left))}
    assert sliders <= in_left
    assert any(w is panel.fig.canvas or isinstance(w, widgets.Output) for w in _tree(right))
    width_em = float(typhoon_panel.READOUT_LABEL_WIDTH.removesuffix("em"))
    for w in panel.readouts.values():
        assert len(w.description) * 0.5 <= width_em, w.description  # ~0.5 em a character
