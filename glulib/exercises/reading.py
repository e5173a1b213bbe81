"""Checkers for notebook 01, reading the numbers."""

import math

import numpy as np

from .. import typhoon
from ..elementwise import glu_backward
from ._feedback import Feedback, checker, close, frozen, number, numbers

#: The story's weights as the checkers' own copy, taken when glulib loads.
_STORY = frozen(dict(typhoon.STORY))


@checker
def check_linear_column(values):
    """Exercise 1: what a plain linear layer (the severity row alone) says about the three storms."""
    got = numbers(values, "your answer (one number per storm A, B, C)", n=3)
    storms = typhoon.load_storms()
    s = _STORY
    want = typhoon.linear(storms["x"], s["W"], s["b"])  # (3,)
    glu_out = typhoon.pump(storms["x"], s["W"], s["b"], s["V"], s["c"])["output"]  # (3,)
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
    s = _STORY
    V, c = s["V"], s["c"]
    want = -(V[0] * rain + V[2] * wind + c) / V[1]  # gate input 0 <=> sigmoid = 1/2
    opening = typhoon.pump(np.array([rain, tide, wind]), s["W"], s["b"], V, c)["opening"]
    if not close(tide, want, rtol=1e-3, atol=1e-3):
        return Feedback(False, f"at tide {tide:g} m the opening is {opening:.3f}, not 0.5. The sigmoid is "
                               "one half where its input is zero: solve gate input = 0 for the tide.")
    return Feedback(True, f"at {want:g} m the gate input is zero and the pumps run at half power.")


#: Exercise 3: storm A's rain and wind at the tide where the gate input is zero (exercise 2's tide).
RAIN_SLOPE_STORM = frozen(np.array([5.0, -1.0, 3.0]))  # (3,) rainfall, tide, wind

#: Exercise 4: where the rain must matter and where it must not. Slopes d out / d rain are in
#: million m^3 per cm/h; the checker tries every storm of the grid these ranges make.
RAIN_ONLY_AT_HIGH_TIDE = frozen({
    "low tides (m)": (-3.0, -1.0),          # here |d out / d rain| must stay at or below...
    "largest slope at low tide": 0.05,
    "high tides (m)": (3.0, 4.0),           # ...and here d out / d rain must reach at least...
    "smallest slope at high tide": 0.5,
    "rainfall (cm/h)": typhoon.HISTORY_RANGES["rainfall"],
    "wind (tens of m/s)": typhoon.HISTORY_RANGES["wind"],
    "grid points (rain, tide, wind)": (9, 5, 6),  # evenly spaced over each range, both ends included
})


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
    s = _STORY
    first, second = (float(t[0]) for t in _rain_slope(RAIN_SLOPE_STORM[None, :], s["W"], s["b"], s["V"], s["c"]))
    want = first + second
    r = typhoon.pump(RAIN_SLOPE_STORM, s["W"], s["b"], s["V"], s["c"])
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


# ---- for the tests: each checker's right answer and the plausible wrong answers a learner gives ----
# (how to write these: glulib/exercises/_feedback.py, point 6). From the story's numbers by hand.

def _linear_column_answers():
    x, s = typhoon.load_storms()["x"], _STORY
    right = x @ s["W"] + s["b"]  # (3,)
    gate = x @ s["V"] + s["c"]  # (3,)
    return {"values": right.tolist()}, {
        "the GLU's outputs": {"values": right / (1 + np.exp(-gate))},
        "without the bias": {"values": x @ s["W"]},
        "two storms only": {"values": right[:2]},
        "one storm off": {"values": right + [0, 0.5, 0]},
        "the gate row instead": {"values": gate},
        "as text": {"values": ", ".join(f"{v:g}" for v in right)},
    }


def _half_open_tide_answers():
    storm_a = typhoon.load_storms()["x"][0]
    rain, _, wind = storm_a
    V, c = _STORY["V"], _STORY["c"]
    want = -(V[0] * rain + V[2] * wind + c) / V[1]
    return {"tide": want}, {
        "wrong sign": {"tide": -want},
        "without the bias": {"tide": -(V[0] * rain + V[2] * wind) / V[1]},
        "storm A's own tide": {"tide": float(storm_a[1])},
        "opening 0.5 taken as the gate input": {"tide": (0.5 - V[0] * rain - V[2] * wind - c) / V[1]},
    }


def _rain_slope_answers():
    s, x = _STORY, RAIN_SLOPE_STORM
    value, gate = float(x @ s["W"] + s["b"]), float(x @ s["V"] + s["c"])
    sig = 1 / (1 + math.exp(-gate))
    first, second = s["W"][0] * sig, value * sig * (1 - sig) * s["V"][0]  # product rule: water, opening
    return {"slope": first + second}, {
        "the first term alone": {"slope": first}, "the second term alone": {"slope": second},
        "the rain weight alone (linear)": {"slope": s["W"][0]}, "second term subtracted": {"slope": first - second},
        "sigmoid for sigmoid'": {"slope": first + value * sig * s["V"][0]},
    }


def _rain_only_at_high_tide_answers():
    spec = RAIN_ONLY_AT_HIGH_TIDE
    quiet, loud = spec["largest slope at low tide"], spec["smallest slope at high tide"]
    low_top, high_bottom = spec["low tides (m)"][1], spec["high tides (m)"][0]
    w_rain = 2 * loud  # the rain's weight in the severity row; the gate row holds the tide alone
    t0 = (low_top + high_bottom) / 2  # the gate opens half way between the two bands
    k = 2 * math.log(4 * w_rain / quiet) / (high_bottom - low_top)  # shut to quiet / 4 at the low band's top
    right = {"W": [w_rain, 0.0, 0.0], "b": 0.0, "V": [0.0, k, 0.0], "c": -k * t0}
    s = _STORY
    return right, {
        "the story's weights": {"W": s["W"], "b": s["b"], "V": s["V"], "c": s["c"]},
        "a gate that is always open": {"V": [0.0, 0.0, 0.0], "c": 10.0},
        "the gate opens at low tide": {"V": [0.0, -k, 0.0], "c": k * t0},
        "the rain in the gate row as well": {"V": [k, k, 0.0]},
        "a rain weight too small": {"W": [loud / 2, 0.0, 0.0]},
        "a gate too soft": {"V": [0.0, k / 20, 0.0], "c": -k * t0 / 20},
        "two weights only": {"W": [w_rain, 0.0]},
    }


#: Checker name -> a function giving (right answer, {label: what a wrong answer changes}).
ANSWERS = frozen({"check_linear_column": _linear_column_answers, "check_half_open_tide": _half_open_tide_answers,
           "check_rain_slope": _rain_slope_answers, "check_rain_only_at_high_tide": _rain_only_at_high_tide_answers})
#: Arguments the notebook passes rather than the learner, per checker.
CONTEXT = frozen({})
