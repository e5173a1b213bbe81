"""The training scrubber of notebook 01: every step shows glulib.typhoon's numbers."""

import numpy as np
import pytest

from glulib import typhoon
from glulib.panels.reading import history_panel, _flat


@pytest.fixture(scope="module")
def fitted():
    x = np.random.default_rng(7).uniform([0, -3, 0], [8, 4, 5], size=(60, 3))  # (60, 3)
    y = typhoon.pump(x, **typhoon.TRUE)["output"]
    return None, typhoon.fit(x, y, steps=200, lr=0.02, record_every=20, x_test=x[:10], y_test=y[:10])


@pytest.fixture
def panel(fitted, ipympl_backend):
    return history_panel(*fitted)


def test_every_step_including_the_ends(panel, fitted):
    _, hist = fitted
    s = panel.controls["step"]
    assert (s.min, s.max) == (0, len(hist["step"]) - 1)
    ax_loss, ax_gate, ax_w = panel.fig.axes
    learned = ax_gate.lines[1]
    bars = ax_w.patches[8:]
    previous = None
    for i in [s.max, s.min, *range(s.min + 1, s.max)]:
        s.value = i
        p = typhoon.snapshot(hist, "glu", i)
        tide = learned.get_xdata()
        np.testing.assert_allclose(learned.get_ydata(), typhoon.gate_profile(p, tide, 5.0, 3.0), rtol=1e-12)
        np.testing.assert_allclose([b.get_height() for b in bars], _flat(p), rtol=1e-12)
        assert f"{hist['loss']['glu'][i]:.4f}" in panel.readouts["glu_loss"].value
        assert f"<b>{int(hist['step'][i])}</b>" in panel.readouts["step"].value
        assert ax_loss.lines[-1].get_xdata()[0] == hist["step"][i]
        y = np.array(learned.get_ydata())
        assert np.all(np.isfinite(y))
        if previous is not None:
            assert not np.array_equal(y, previous)
        previous = y
        panel.update()


def test_step_zero_is_a_half_open_gate(panel):
    panel.controls["step"].value = 0
    np.testing.assert_allclose(panel.fig.axes[1].lines[1].get_ydata(), 0.5)
