"""Checkers for notebook 01, reading the numbers."""

import numpy as np

from .. import typhoon
from ..elementwise import glu_backward
from ._feedback import Feedback, checker, close, number, numbers




@checker
def check_linear_column(values):
    """Exercise 1: what a plain linear layer (the severity row alone) says about the three storms."""
    got = numbers(values, "your answer (one number per storm A, B, C)", n=3)
    storms = typhoon.load_storms()
    want = typhoon.linear(storms["x"], typhoon.STORY["W"], typhoon.STORY["b"])  # (3,)
    glu_out = typhoon.pump(storms["x"])["output"]  # (3,)
    if np.allclose(got, glu_out, rtol=1e-2):
        return Feedback(False, "those are the GLU's outputs; the linear layer has no gate, only the severity row.")
    wrong = [storms["name"][i] for i in range(3) if not close(got[i], want[i], rtol=1e-2)]
    if wrong:
        return Feedback(False, f"storm(s) {', '.join(wrong)} are off: x . W + b with the severity row.")
    return Feedback(True, "the linear layer's answer moves by the tide weight times the tide change and nothing "
                          "more: it cannot make the tide switch the response to the rain on or off.")


@checker
def check_half_open_tide(tide):
    """Exercise 2: the tide at which the pumps run at exactly half power, for storm A's rain and wind."""
    tide = number(tide, "tide")
    storms = typhoon.load_storms()
    rain, _, wind = storms["x"][0]
    V, c = typhoon.STORY["V"], typhoon.STORY["c"]
    want = -(V[0] * rain + V[2] * wind + c) / V[1]  # gate input 0 <=> sigmoid = 1/2
    opening = typhoon.pump(np.array([rain, tide, wind]))["opening"]
    if not close(tide, want, rtol=1e-3, atol=1e-3):
        return Feedback(False, f"at tide {tide:g} m the opening is {opening:.3f}, not 0.5. The sigmoid is "
                               "one half where its input is zero: solve gate input = 0 for the tide.")
    return Feedback(True, f"at {want:g} m the gate input is zero and the pumps run at half power.")


#: Exercise 3: storm A's rain and wind at the tide where the gate input is zero (exercise 2's tide).
RAIN_SLOPE_STORM = np.array([5.0, -1.0, 3.0])  # (3,) rainfall, tide, wind

#: Exercise 4: where the rain must matter and where it must not. Slopes d out / d rain are in
#: million m^3 per cm/h; the checker tries every storm of the grid these ranges make.
RAIN_ONLY_AT_HIGH_TIDE = {
    "low tides (m)": (-3.0, -1.0),          # here |d out / d rain| must stay at or below...
    "largest slope at low tide": 0.05,
    "high tides (m)": (3.0, 4.0),           # ...and here d out / d rain must reach at least...
    "smallest slope at high tide": 0.5,
    "rainfall (cm/h)": typhoon.HISTORY_RANGES["rainfall"],
    "wind (tens of m/s)": typhoon.HISTORY_RANGES["wind"],
    "grid points (rain, tide, wind)": (9, 5, 6),  # evenly spaced over each range, both ends included
}


def _rain_slope(x, W, b, V, c):
    """d out / d rain of the sigmoid GLU neuron at storms x (n, 3): both terms of the product rule."""
    value = x @ W + b  # (n,)
    gate = x @ V + c  # (n,)
    dvalue, dgate = glu_backward(np.ones_like(value), value, gate)  # (n,) sigma(gate), value sigma'(gate)
    return dvalue * W[0], dgate * V[0]  # (n,) more water, wider opening


@checker
def check_rain_slope(slope):
    """Exercise 3: d out / d rain at RAIN_SLOPE_STORM with the story's weights, from the two-term formula."""
    slope = number(slope, "rain_slope")
    s = typhoon.STORY
    first, second = (float(t[0]) for t in _rain_slope(RAIN_SLOPE_STORM[None, :], s["W"], s["b"], s["V"], s["c"]))
    want = first + second
    r = typhoon.pump(RAIN_SLOPE_STORM)
    if close(slope, want, rtol=2e-3):
        return Feedback(True, f"{first:g} + {second:g} = {want:g} {typhoon.VOLUME_UNIT} per cm/h: the rain adds water "
                              f"(first term) and opens the gate a little (second term, {second / want:.0%} of "
                              "the slope).")
    if close(slope, first, rtol=2e-3):
        return Feedback(False, f"{slope:g} is the first term alone, rain weight times opening. The rain also enters "
                               f"the gate input (weight {s['V'][0]:g}): add value × sigma'(gate) × that weight.")
    if close(slope, s["W"][0], rtol=2e-3):
        return Feedback(False, f"{slope:g} is the linear layer's answer, the rain weight alone. In the GLU the rain "
                               "weight is multiplied by the opening, and the rain also moves the gate input.")
    if close(slope, second, rtol=2e-3):
        return Feedback(False, f"{slope:g} is only the second term; add the first, rain weight times opening.")
    return Feedback(False, f"{slope:g} is off. At this storm the gate input is {r['gate_input']:.2f}: what are "
                           "sigma and sigma' there? Then add W_rain × sigma(gate) and "
                           "severity × sigma'(gate) × V_rain.")


def _grid(tides):
    spec = RAIN_ONLY_AT_HIGH_TIDE
    n_rain, n_tide, n_wind = spec["grid points (rain, tide, wind)"]
    rain = np.linspace(*spec["rainfall (cm/h)"], n_rain)  # (n_rain,)
    wind = np.linspace(*spec["wind (tens of m/s)"], n_wind)  # (n_wind,)
    t = np.linspace(*tides, n_tide)  # (n_tide,)
    R, T, U = np.meshgrid(rain, t, wind, indexing="ij")  # (n_rain, n_tide, n_wind) each
    return np.column_stack([R.ravel(), T.ravel(), U.ravel()])  # (m, 3)


def _storm(x):
    return f"rain {x[0]:g} cm/h, tide {x[1]:g} m, wind {x[2]:g}"


@checker
def check_rain_only_at_high_tide(W, b, V, c):
    """Exercise 4: weights for which the rain matters only at high tide (RAIN_ONLY_AT_HIGH_TIDE)."""
    W, b = numbers(W, "W_4 (three severity weights)", n=3), number(b, "b_4")
    V, c = numbers(V, "V_4 (three gate weights)", n=3), number(c, "c_4")
    spec = RAIN_ONLY_AT_HIGH_TIDE
    quiet, loud = spec["largest slope at low tide"], spec["smallest slope at high tide"]
    low, high = _grid(spec["low tides (m)"]), _grid(spec["high tides (m)"])  # (m, 3) each
    water, widening = _rain_slope(low, W, b, V, c)  # (m,) each: the two terms
    low_slope = water + widening  # (m,)
    high_slope = sum(_rain_slope(high, W, b, V, c))  # (m,)
    if not np.all(np.abs(low_slope) <= quiet):  # NaN counts as a failure
        i = int(np.argmax(np.where(np.isfinite(low_slope), np.abs(low_slope), np.inf)))
        opening = float(typhoon.pump(low[i], W, b, V, c)["opening"])
        hint = ("most of it is the second term: the gate row's rain weight lets the rain move the gate input. "
                "Take the rain out of the gate row, or shut the gate harder at low tide"
                if not abs(widening[i]) <= abs(water[i])
                else "the gate is still partly open there. Make the gate input strongly negative at every low tide"
                if opening > 0.01
                else f"even a nearly shut gate passes the rain weight times the opening, and {W[0]:g} is a lot. "
                "Shut the gate harder, or give the rain a smaller weight")
        return Feedback(False, f"at low tide the rain still matters: at {_storm(low[i])} the slope is "
                               f"{low_slope[i]:.3g} (at most {quiet:g} allowed), with the opening at {opening:.3f}: "
                               f"{hint}.")
    if not np.all(high_slope >= loud):
        i = int(np.argmin(np.where(np.isfinite(high_slope), high_slope, -np.inf)))
        opening = float(typhoon.pump(high[i], W, b, V, c)["opening"])
        hint = (f"the rain must reach the output through the severity row (its rain weight is {W[0]:g})"
                if opening > 0.5 else "the gate is not open enough there")
        return Feedback(False, f"at high tide the rain does not matter enough: at {_storm(high[i])} the slope is "
                               f"{high_slope[i]:.3g} (at least {loud:g} needed), with the opening at {opening:.3f}: "
                               f"{hint}.")
    return Feedback(True, f"over the whole grid the rain's slope stays within {np.abs(low_slope).max():.3g} at low "
                          f"tide and is at least {high_slope.min():.3g} at high tide: the tide switches the rain's "
                          "effect, which no single linear layer can do.")
