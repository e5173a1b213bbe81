"""Static figures of notebooks 08 and 09: each draws exactly the numbers it is given, under the
labels the notebooks' prose refers to, and leaves nothing registered in pyplot."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from glulib.panels import static_twin
from glulib.panels.kernels import (bytes_and_time_figure, rounding_error_figure, thread_scaling_figure,
                                   ulp_error_figure)


@pytest.fixture
def no_new_pyplot_figures():
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


pytestmark = pytest.mark.usefixtures("no_new_pyplot_figures")


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _png(fig):
    assert isinstance(fig, Figure)
    assert static_twin(fig).data[:8] == b"\x89PNG\r\n\x1a\n"


def test_bytes_and_time_figure_draws_each_version_beside_the_copy_line():
    moved = {"NumPy one-liners": 3.0e8, "NumPy in place": 1.5e8, "fused loop": 6.4e7}
    times = {"NumPy one-liners": 0.060, "NumPy in place": 0.030, "fused loop": 0.012}
    copy_bw = 9.87e9
    fig = bytes_and_time_figure(moved, times, copy_bw, "SwiGLU forward + backward, float64", 1 << 20)
    (ax,) = fig.axes
    assert ax.get_title() == "SwiGLU forward + backward, float64, 2^20 elements"
    assert ax.get_xlabel() == "bytes moved (MB, temporaries counted)" and ax.get_ylabel() == "time (ms)"
    line, *points = ax.lines
    assert len(points) == 3
    assert _legend(ax) == ["copy speed (9.9 GB/s)", *times]
    # the copy line: time = bytes / bandwidth, in MB and ms, reaching past the largest point
    np.testing.assert_allclose(line.get_ydata(), line.get_xdata() * 1e6 / copy_bw * 1e3)
    assert line.get_xdata().max() > max(moved.values()) / 1e6
    for point, name in zip(points, times):
        np.testing.assert_allclose([point.get_xdata()[0], point.get_ydata()[0]], [moved[name] / 1e6, times[name] * 1e3])
    _png(fig)


def test_bytes_and_time_figure_writes_other_counts_in_full():
    fig = bytes_and_time_figure({"a": 1e6}, {"a": 1e-3}, 1e9, "one version", 1_000_000)
    assert fig.axes[0].get_title() == "one version, 1,000,000 elements"


def test_thread_scaling_figure_measured_against_perfect():
    threads = np.array([1, 2, 3, 4])
    speedup = np.array([1.0, 1.7, 2.1, 2.2])
    fig = thread_scaling_figure(threads, speedup)
    (ax,) = fig.axes
    measured, perfect = ax.lines
    np.testing.assert_array_equal(measured.get_xdata(), threads)
    np.testing.assert_array_equal(measured.get_ydata(), speedup)
    np.testing.assert_array_equal(perfect.get_ydata(), threads)
    assert list(ax.get_xticks()) == [1, 2, 3, 4]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("threads", "speed-up over 1 thread")
    assert _legend(ax) == ["measured", "perfect scaling"]
    _png(fig)


def test_ulp_error_figure_one_panel_per_entry_and_the_largest_error_in_each_legend():
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
    assert _legend(left) == ["sigmoid: max 2 ulp", "gelu: max 3 ulp"]
    assert _legend(right) == ["sigmoid: max 4 ulp", "gelu: max 0 ulp"]
    for ax, series in zip((left, right), errors.values()):
        assert len(ax.lines) == 2
        for line, (zs, ulps) in zip(ax.lines, series.values()):
            np.testing.assert_array_equal(line.get_xdata(), zs)
            np.testing.assert_array_equal(line.get_ydata(), ulps)
    assert left.get_shared_y_axes().joined(left, right)
    _png(fig)


def test_rounding_error_figure():
    z = np.linspace(0.5, 9.5, 7).astype(np.float32)  # (7,)
    ulps = np.array([0, 0, 1, 3, 8, 20, 31])  # (7,)
    fig = rounding_error_figure(z, ulps)
    (ax,) = fig.axes
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), z)
    np.testing.assert_array_equal(line.get_ydata(), ulps)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "z", "error of exp(-z^2/2) (ulps)", "only z^2 rounded to float32")
    _png(fig)
