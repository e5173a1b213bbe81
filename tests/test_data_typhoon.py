"""data/storms.csv and data/typhoon_history.csv: schema, the story's claims, reproducibility."""

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from glulib import typhoon

ROOT = Path(__file__).resolve().parents[1]


def _header(name):
    with (ROOT / "data" / name).open(newline="") as f:
        return next(csv.reader(f))


def test_storms_schema():
    assert _header("storms.csv") == ["storm", "description", "rainfall", "tide", "wind"]
    s = typhoon.load_storms()
    assert s["name"] == ["A", "B", "C"] and s["x"].shape == (3, 3) and np.all(np.isfinite(s["x"]))
    from glulib.panels.typhoon import FEATURE_RANGES

    for j, f in enumerate(typhoon.FEATURES):  # every storm can be set on the pump panel
        lo, hi, _ = FEATURE_RANGES[f]
        assert np.all((lo <= s["x"][:, j]) & (s["x"][:, j] <= hi)), f


@pytest.fixture(scope="module")
def storms():
    s = typhoon.load_storms()
    return s, typhoon.pump(s["x"])


def test_story_storm_is_storm_a(storms):
    s, _ = storms
    np.testing.assert_array_equal(s["x"][0], typhoon.STORY["x"])


def test_b_is_the_same_storm_at_low_tide(storms):
    s, _ = storms
    assert s["x"][1, 0] == s["x"][0, 0] and s["x"][1, 2] == s["x"][0, 2]
    assert s["x"][1, 1] < s["x"][0, 1] and s["x"][1, 1] < 0  # below normal


def test_c_is_light_rain_at_high_tide(storms):
    s, _ = storms
    assert s["x"][2, 0] <= 0.2 * s["x"][0, 0]
    assert s["x"][2, 1] == s["x"][0, 1]


def test_claim_severity_barely_changes_a_to_b(storms):
    _, r = storms
    assert abs(r["severity"][1] - r["severity"][0]) / r["severity"][0] < 0.15


def test_claim_gate_drops_sharply_a_to_b(storms):
    _, r = storms
    assert r["gate"][1] < 0.5 * r["gate"][0]
    assert r["gate"][0] - r["gate"][1] > 0.3


def test_claim_c_small_severity_moderate_gate_pumps_barely_run(storms):
    _, r = storms
    assert r["severity"][2] < 0.3 * r["severity"][0]
    assert r["gate"][1] < r["gate"][2] < r["gate"][0] and 0.4 < r["gate"][2] < 0.8
    assert r["output"][2] < 0.25 * r["output"][0]


def test_claim_linear_layer_is_the_severity_column(storms):
    s, r = storms
    np.testing.assert_allclose(typhoon.linear(s["x"], typhoon.STORY["W"], typhoon.STORY["b"]), r["severity"])


def test_history_schema():
    assert _header("typhoon_history.csv") == ["storm", "rainfall", "tide", "wind", "pumped", "split"]
    h = typhoon.load_history()
    n = len(h["pumped"])
    assert h["x"].shape == (n, 3) and 200 <= n <= 1000
    assert np.all(np.isfinite(h["x"])) and np.all(np.isfinite(h["pumped"]))
    for j, f in enumerate(typhoon.FEATURES):
        lo, hi = typhoon.HISTORY_RANGES[f]
        assert lo <= h["x"][:, j].min() and h["x"][:, j].max() <= hi
    assert 0.1 * n <= (~h["train"]).sum() <= 0.3 * n


def test_history_follows_the_documented_process():
    h = typhoon.load_history()
    clean = typhoon.pump(h["x"], **typhoon.TRUE)["output"]
    resid = h["pumped"] - clean
    assert abs(resid.mean()) < 3 * typhoon.HISTORY_NOISE / np.sqrt(len(resid))
    assert resid.std() == pytest.approx(typhoon.HISTORY_NOISE, rel=0.15)


def test_script_reproduces_the_committed_file_byte_for_byte():
    out = subprocess.run([sys.executable, str(ROOT / "data" / "make_typhoon_history.py"), "--check"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    sys.path.insert(0, str(ROOT / "data"))
    try:
        import make_typhoon_history
    finally:
        sys.path.pop(0)
    assert make_typhoon_history.make().encode() == (ROOT / "data" / "typhoon_history.csv").read_bytes()


@pytest.mark.slow
def test_glu_beats_linear_on_held_out_storms():
    _, hist = typhoon.fit_history()
    loss = hist["loss"]
    assert loss["glu_test"][-1] < 0.5 * loss["linear_test"][-1]
    assert loss["glu_test"][-1] < 2 * typhoon.HISTORY_NOISE ** 2
    V = typhoon.snapshot(hist, "glu", -1)["V"]
    assert np.argmax(np.abs(V)) == typhoon.FEATURES.index("tide")
