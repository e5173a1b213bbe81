"""Static figures of notebook 09 (glulib.panels.float32): each draws exactly the numbers it is
given, under the labels the notebook's prose refers to, and leaves nothing registered in pyplot."""

import numpy as np
import pytest

from glulib.panels.float32 import rounding_error_figure, ulp_error_figure


pytestmark = pytest.mark.usefixtures("no_new_pyplot_figures")


def test_ulp_error_figure_one_panel_per_entry_and_the_largest_error_in_each_legend(legend, png):
    z = np.linspace(-2, 2, 9).astype(np.float32)  # (9,)
    errors = {
        "act(z), float32 arrays": {"sigmoid": (z, np.array([0, 1, 0, 2, 0, 1, 0, 0, 1])),
                                   "gelu": (z[3:], np.array([0, 0, 3, 1, 0, 0]))},
        "act'(z), float32 arrays": {"sigmoid": (z, np.array([1, 1, 4, 0, 0, 0, 0, 0, 1])),
                                    "gelu": (z[:5], np.array([0, 0, 0, 0, 0]))},
    }
    fig = ulp_error_figure(errors)
    left, right = fig.axes
    assert (left.get_title(), right.get_title()) == tuple(errors)
    assert left.get_xlabel() == right.get_xlabel() == "z"
    assert left.get_ylabel() == "error (float32 ulps)"
    assert legend(left) == ["sigmoid: max 2 ulp", "gelu: max 3 ulp"]
    assert legend(right) == ["sigmoid: max 4 ulp", "gelu: max 0 ulp"]
    for ax, series in zip((left, right), errors.values()):
        assert len(ax.lines) == 2
        for line, (zs, ulps) in zip(ax.lines, series.values()):
            np.testing.assert_array_equal(line.get_xdata(), zs)
            np.testing.assert_array_equal(line.get_ydata(), ulps)
    assert left.get_shared_y_axes().joined(left, right)
    png(fig)


def test_rounding_error_figure(png):
    z = np.linspace(0.5, 9.5, 7).astype(np.float32)  # (7,)
    ulps = np.array([0, 0, 1, 3, 8, 20, 31])  # (7,)
    fig = rounding_error_figure(z, ulps)
    (ax,) = fig.axes
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), z)
    np.testing.assert_array_equal(line.get_ydata(), ulps)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "z", "error of exp(-z^2/2) (ulps)", "only z^2 rounded to float32")
    png(fig)
