"""Static figures of notebook 08 (glulib.panels.kernels): each draws exactly the numbers it is
given, under the labels the notebook's prose refers to, and leaves nothing registered in pyplot."""

import numpy as np
import pytest

from glulib.panels.kernels import bytes_and_time_figure, thread_scaling_figure


pytestmark = pytest.mark.usefixtures("no_new_pyplot_figures")


def test_bytes_and_time_figure_draws_each_version_beside_the_copy_line(legend, png):
    moved = {"NumPy one-liners": 3.0e8, "NumPy in place": 1.5e8, "fused loop": 6.4e7}
    times = {"NumPy one-liners": 0.060, "NumPy in place": 0.030, "fused loop": 0.012}
    copy_bw = 9.87e9
    fig = bytes_and_time_figure(moved, times, copy_bw, "SwiGLU forward + backward, float64", 1 << 20)
    (ax,) = fig.axes
    assert ax.get_title() == "SwiGLU forward + backward, float64, 2^20 elements"
    assert ax.get_xlabel() == "bytes moved (MB, temporaries counted)" and ax.get_ylabel() == "time (ms)"
    line, *points = ax.lines
    assert len(points) == 3
    assert legend(ax) == ["copy speed (9.9 GB/s)", *times]
    # the copy line: time = bytes / bandwidth, in MB and ms, reaching past the largest point
    np.testing.assert_allclose(line.get_ydata(), line.get_xdata() * 1e6 / copy_bw * 1e3)
    assert line.get_xdata().max() > max(moved.values()) / 1e6
    for point, name in zip(points, times):
        np.testing.assert_allclose([point.get_xdata()[0], point.get_ydata()[0]], [moved[name] / 1e6, times[name] * 1e3])
    png(fig)


def test_bytes_and_time_figure_writes_other_counts_in_full():
    fig = bytes_and_time_figure({"a": 1e6}, {"a": 1e-3}, 1e9, "one version", 1_000_000)
    assert fig.axes[0].get_title() == "one version, 1,000,000 elements"


def test_thread_scaling_figure_measured_against_perfect(legend, png):
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
    assert legend(ax) == ["measured", "perfect scaling"]
    png(fig)
