"""Every exercise checker answers whatever a learner types in words, never raises, and never says
"Right" to a wrong answer.

The checkers are found automatically (every public ``check_*`` of every glulib.exercises module),
so a checker added later is fed hostile answers too. CASES gives each checker its right answer
(computed from glulib or from first principles, never typed in) and the plausible wrong answers
a learner makes (a sign, a factor 2, rounding too early, a derivative wrong away from a few
points, ...): the right one must be accepted, every wrong one rejected.
"""

import importlib
import inspect
import math
import pkgutil
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import glulib.exercises
from glulib import typhoon, zoo
from glulib.exercises import Feedback
from glulib.exercises import _feedback as fb

CHECKERS = {
    f"{m.name}.{name}": fn
    for m in pkgutil.iter_modules(glulib.exercises.__path__) if not m.name.startswith("_")
    for name, fn in inspect.getmembers(importlib.import_module(f"glulib.exercises.{m.name}"), inspect.isfunction)
    if name.startswith("check_") and fn.__module__ == f"glulib.exercises.{m.name}"
}
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def required(checker):
    return [p.name for p in inspect.signature(checker).parameters.values()
            if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]


#: How @checker starts its answer to an exception no reader caught (a last resort).
FALLBACK = "the checker could not use your answer"


def assert_not_right(feedback, what):
    """A Feedback that says "Not yet." in a non-empty sentence that renders."""
    assert isinstance(feedback, Feedback), f"{what}: returned {feedback!r}, not a Feedback"
    assert not feedback, f"{what}: said Right: {feedback.message}"
    assert isinstance(feedback.message, str) and feedback.message.strip(), what
    assert str(feedback).startswith("Not yet.") and feedback._repr_markdown_().startswith("**Not yet.**")
    prose = re.sub(r"`[^`]*`", "", feedback.message)  # outside code spans
    tag = re.search(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>", prose)  # what Markdown takes for HTML and hides
    assert not tag, f"{what}: Markdown would hide {tag.group(0)}: {feedback.message}"


# ---- hostile answers ----------------------------------------------------------------------------

class Weird:
    """An object whose every conversion fails (repr included)."""

    def __repr__(self):
        raise RuntimeError("no repr")

    def __float__(self):
        raise RuntimeError("no float")

    def __len__(self):
        raise RuntimeError("no len")


def _raises(*args):
    raise ValueError("the learner's function has a bug")


def _recurses(*args):
    return _recurses(*args)


def _returns_none(*args):
    return None


def _returns_text(*args):
    return "dvalue, dgate"


def _returns_nan(*args):
    return np.full(np.shape(args[0]), np.nan) if args else np.nan


def _returns_nan_pair(*args):
    return tuple(np.full(np.shape(a), np.nan) for a in args[-2:])


def _returns_inputs(*args):
    return tuple(args[-2:])


def _wrong_shape(*args):
    return np.zeros(3), np.zeros(3)


def _huge(*args):
    return np.zeros(10**6), np.zeros(10**6)


def _scalar(*args):
    return 1.0


def _writes_nan(*args):
    for a in args:
        if isinstance(a, np.ndarray) and a.flags.writeable:
            a[...] = np.nan
    return args[0] if args else None


def _zeroes_inputs(*args):
    for a in args:
        if isinstance(a, np.ndarray) and a.flags.writeable:
            a[...] = 0
    return tuple(args[-2:])


def _complex(*args):
    return tuple(np.asarray(a) + 1j for a in args[-2:])


HOSTILE_FUNCTIONS = [_raises, _recurses, _returns_none, _returns_text, _returns_nan, _returns_nan_pair,
                     _returns_inputs, _wrong_shape, _huge, _scalar, _writes_nan, _zeroes_inputs, _complex]

_atoms = st.one_of(
    st.none(), st.text(max_size=12), st.binary(max_size=4), st.booleans(), st.just(np.bool_(True)),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, np.float32("nan"), np.float64("-inf"),
                     np.float16("inf"), 1e308 * 10, np.longdouble("nan")]),
    st.integers(min_value=2**1024, max_value=2**4000), st.integers(max_value=-(2**1024), min_value=-(2**4000)),
    st.sampled_from([10**400, -(10**400)]), st.builds(lambda: 10**5000), st.builds(Weird),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.sampled_from([1 + 0j, np.complex128(2.5), np.datetime64("2020-01-01"), object(), Ellipsis,
                     slice(None), int, len, {1, 2}, frozenset(), iter([1.0, 2.0])]),
)
_arrays = st.sampled_from([
    np.zeros(10**6), np.full((3, 3), np.nan), np.array([]), np.zeros((2, 0)), np.array(["a", "b"]),
    np.array([None, 1.0], dtype=object), np.array([1 + 2j]), np.array([True, False]), np.full(3, np.inf),
    np.arange(5)[::2], np.ones((1, 1, 1)) * np.nan, np.zeros((4, 3, 2)), np.array("text"), np.array(np.nan),
])
HOSTILE = st.one_of(
    _atoms, _arrays, st.sampled_from(HOSTILE_FUNCTIONS),
    st.recursive(_atoms, lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                                                 st.dictionaries(st.text(max_size=3), inner, max_size=3)),
                 max_leaves=8),
    st.just([0.0] * 100_001), st.just([[1.0, 2.0], [3.0]]), st.just([[1.0], [[2.0]]]),
)

#: One of each class of hostile answer, made fresh for every call; every checker meets each of
#: them in every place (hypothesis above draws more, at random).
EXAMPLES = {
    "None": lambda: None, "text": lambda: "0.5", "empty text": lambda: "", "bytes": lambda: b"1",
    "True": lambda: True, "numpy bool": lambda: np.bool_(False), "NaN": lambda: math.nan,
    "inf": lambda: math.inf, "-inf": lambda: -math.inf, "-0.0": lambda: -0.0,
    "float32 NaN": lambda: np.float32("nan"), "10**400": lambda: 10**400, "-10**400": lambda: -(10**400),
    "10**5000": lambda: 10**5000, "complex": lambda: 1 + 2j, "numpy complex": lambda: np.complex128(1),
    "object": object, "object whose repr fails": Weird, "Ellipsis": lambda: Ellipsis, "a type": lambda: int,
    "a builtin": lambda: len, "set": lambda: {1.0, 2.0}, "dict": lambda: {"a": 1.0}, "empty list": list,
    "[None]": lambda: [None], "ragged list": lambda: [[1.0], [2.0, 3.0]], "deeply nested": lambda: [[[[1.0]]]],
    "100,001 items": lambda: [0.0] * 100_001, "a million zeros": lambda: np.zeros(10**6),
    "NaN matrix": lambda: np.full((3, 3), np.nan), "empty array": lambda: np.array([]),
    "text array": lambda: np.array(["a", "b"]), "object array": lambda: np.array([None, 1.0], dtype=object),
    "0-d NaN array": lambda: np.array(np.nan), "iterator": lambda: iter([1.0, 2.0]),
} | {f.__name__.strip("_"): (lambda f=f: f) for f in HOSTILE_FUNCTIONS}


def _equals(a, b):
    """True when a hostile value happens to be a number equal to the right one (-0.0 where 0 is
    right, [0.0] where 0 is right): then it is not wrong."""
    if isinstance(b, (bool, np.bool_)) or not isinstance(b, (int, float, np.number)):
        return False
    try:
        return fb.number(a) == float(b)
    except (fb.NotAnAnswer, OverflowError):
        return False


# ---- the right answer and plausible wrong answers of every checker -------------------------------

def _by_hand():
    ex = importlib.import_module("glulib.exercises.typhoon")
    sev, gin, gate, out = required(ex.check_by_hand)  # the argument names, whatever the notebook calls them
    x, s = ex.BY_HAND_STORM, typhoon.STORY
    severity = float(x @ s["W"] + s["b"])
    gate_input = float(x @ s["V"] + s["c"])
    sig = 1 / (1 + math.exp(-gate_input))
    right = {sev: severity, gin: gate_input, gate: sig, out: severity * sig}
    wrong = {
        "severity without the bias": {sev: float(x @ s["W"])},
        "severity with the wrong sign": {sev: -severity},
        "gate input without the bias": {gin: float(x @ s["V"])},
        "gate = 1 - sigmoid": {gate: 1 - sig},
        "gate = the gate input (no sigmoid)": {gate: gate_input},
        "gate rounded too early": {gate: float(round(sig))},
        "output = severity x gate input": {out: severity * gate_input},
        "output = severity + gate": {out: severity + sig},
        "output twice too large": {out: 2 * severity * sig},
        "output = severity": {out: severity},
    }
    return right, wrong


def _full_pumps():
    V, ranges = typhoon.STORY["V"], typhoon.FEATURE_RANGES
    best = [ranges[k][1] if v > 0 else ranges[k][0] for k, v in zip(typhoon.FEATURES, V)]
    worst_storm = [ranges[k][0] if v > 0 else ranges[k][1] for k, v in zip(typhoon.FEATURES, V)]
    mid = [(ranges[k][0] + ranges[k][1]) / 2 for k in typhoon.FEATURES]
    beyond = [b + 10 * (1 if v > 0 else -1) for b, v in zip(best, V)]
    names = typhoon.FEATURES
    return dict(zip(names, best)), {
        "the storm that closes the gate": dict(zip(names, worst_storm)),
        "the middle of every range": dict(zip(names, mid)),
        "past the panel's ranges": dict(zip(names, beyond)),
        "features in the wrong order": dict(zip(names, best[::-1])),
    }


def _bilinear():
    x = typhoon.STORY["x"]
    r = typhoon.pump(x, activation="identity")
    return {"output": r["output"]}, {
        "the sigmoid gate's output": {"output": typhoon.pump(x)["output"]},
        "the severity alone": {"output": r["severity"]},
        "severity + gate input": {"output": r["severity"] + r["gate_input"]},
        "wrong sign": {"output": -r["output"]},
    }


def _linear_column():
    s = typhoon.load_storms()
    right = s["x"] @ typhoon.STORY["W"] + typhoon.STORY["b"]  # (3,) from first principles
    return {"values": right.tolist()}, {
        "the GLU's outputs": {"values": typhoon.pump(s["x"])["output"]},
        "without the bias": {"values": s["x"] @ typhoon.STORY["W"]},
        "two storms only": {"values": right[:2]},
        "one storm off": {"values": right + [0, 0.5, 0]},
        "the gate row instead": {"values": s["x"] @ typhoon.STORY["V"] + typhoon.STORY["c"]},
        "as text": {"values": ", ".join(f"{v:g}" for v in right)},
    }


def _half_open_tide():
    rain, _, wind = typhoon.load_storms()["x"][0]
    V, c = typhoon.STORY["V"], typhoon.STORY["c"]
    want = -(V[0] * rain + V[2] * wind + c) / V[1]
    return {"tide": want}, {
        "wrong sign": {"tide": -want},
        "without the bias": {"tide": -(V[0] * rain + V[2] * wind) / V[1]},
        "storm A's own tide": {"tide": float(typhoon.load_storms()["x"][0][1])},
        "gate = 0.5 taken as the gate input": {"tide": (0.5 - V[0] * rain - V[2] * wind - c) / V[1]},
    }


def _llama_variant():
    import glulib
    silu = [v for v, a in glulib.VARIANTS.items() if a == "silu"]
    return {"variant": silu[0]}, {f"{v}": {"variant": v} for v in glulib.VARIANTS if v not in silu} | {
        "the activation's name": {"variant": "silu"}, "the model's name": {"variant": "llama"}}


def _swish_beta0():
    z = 2.0
    return {"value": z * 0.5}, {
        "the ReLU limit": {"value": max(z, 0.0)},
        "Swish with beta 1": {"value": z / (1 + math.exp(-z))},
        "sigmoid(0) alone": {"value": 0.5},
        "zero": {"value": 0.0},
    }


def _gated_branch():
    src, gate, linear, _ = zoo.CONVENTIONS[0]
    wrong = {"the linear branch": {"answer": linear.split(" (")[0]}, "the output projection": {"answer": "down_proj"},
             "empty": {"answer": ""}, "the activation's name": {"answer": "silu"},
             "the gate with a typo": {"answer": gate.split(" (")[0][:-1]}}
    return {"source": src, "answer": gate.split(" (")[0]}, wrong


def _gelu(z):
    return 0.5 * z * (1 + math.erf(z / math.sqrt(2)))


def _gelu_d(z):
    return 0.5 * (1 + math.erf(z / math.sqrt(2))) + z * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def _bisect(f, lo, hi):
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if f(lo) * f(mid) > 0 else (lo, mid)
    return 0.5 * (lo + hi)


def _gelu_dip():
    z = _bisect(_gelu_d, -2.0, -0.1)
    silu_z = _bisect(lambda t: 1 / (1 + math.exp(-t)) * (1 + t * (1 - 1 / (1 + math.exp(-t)))), -3.0, -0.1)
    return {"z": z, "value": _gelu(z)}, {
        "value with the wrong sign": {"value": -_gelu(z)},
        "SiLU's minimum": {"z": silu_z, "value": silu_z / (1 + math.exp(-silu_z))},
        "z rounded too early": {"z": round(z, 1)},
        "value at z = -1": {"value": _gelu(-1.0)},
        "z and value swapped": {"z": _gelu(z), "value": z},
    }


def _zeros():
    u = importlib.import_module("glulib.exercises.geometry").ZERO_UNIT
    a, b = -u["b"] / u["w"], -u["c"] / u["v"]
    return {"points": [b, a]}, {
        "one point only": {"points": [a]},
        "c / v instead of -c / v": {"points": [a, -b]},
        "b / w instead of -b / w": {"points": [u["b"] / u["w"], b]},
        "an extra zero at 0": {"points": [a, b, 0.0]},
        "a point twice": {"points": [a, a]},
        "as text": {"points": f"{a}, {b}"},
    }


def _value_bias():
    g = importlib.import_module("glulib.exercises.geometry")
    gelu_b = _gelu(g.GATE_BIAS)
    return {"c": g.TARGET / gelu_b}, {
        "the target itself": {"c": g.TARGET},
        "target x GELU(b)": {"c": g.TARGET * gelu_b},
        "with SiLU instead of GELU": {"c": g.TARGET / (g.GATE_BIAS / (1 + math.exp(-g.GATE_BIAS)))},
        "with GELU'(b) instead of GELU(b)": {"c": g.TARGET / _gelu_d(g.GATE_BIAS)},
        "wrong sign": {"c": -g.TARGET / gelu_b},
    }


def _hessian_det():
    a, u = importlib.import_module("glulib.exercises.geometry").HESSIAN_POINT
    d1 = _gelu_d(a)
    d2 = (2 - a * a) * math.exp(-a * a / 2) / math.sqrt(2 * math.pi)  # GELU''
    return {"det": -d1 * d1}, {
        "wrong sign": {"det": d1 * d1},
        "GELU' not squared": {"det": -d1},
        "twice too large": {"det": -2 * d1 * d1},
        "p^2 - q^2 with p = GELU''(a) u": {"det": (d2 * u) ** 2 - d1 * d1},
        "GELU(a) for GELU'(a)": {"det": -_gelu(a) ** 2},
    }


def _ex(module):
    return importlib.import_module(f"glulib.exercises.{module}")


def _llama_hidden():
    d = _ex("ffn").LLAMA13_D_MODEL
    raw = 2 * 4 * d // 3
    up = -(-raw // 256) * 256  # rounded up to a multiple of 256
    return {"d_ff": up}, {
        "2/3 of 4 d_model, unrounded": {"d_ff": raw},
        "rounded down": {"d_ff": raw // 256 * 256},
        "the ReLU width 4 d_model": {"d_ff": 4 * d},
        "8 d_model / 3 as a float": {"d_ff": 8 * d / 3},
        "one multiple too far": {"d_ff": up + 256},
        "rounded to a multiple of 128": {"d_ff": -(-raw // 128) * 128},
    }


def _swiglu_numpy(x, W, V, W2):
    a = x @ W  # (n, d_ff)
    return (a / (1 + np.exp(-a)) * (x @ V)) @ W2  # (n, d_model)


def _ffn_swiglu():
    def swapped(x, W, V, W2):
        return _swiglu_numpy(x, V, W, W2)

    def project_first(x, W, V, W2):
        a = x @ W
        return ((a / (1 + np.exp(-a))) @ W2) * ((x @ V) @ W2)

    def relu_gate(x, W, V, W2):
        return (np.maximum(x @ W, 0) * (x @ V)) @ W2

    def sigmoid_gate(x, W, V, W2):
        return (1 / (1 + np.exp(-(x @ W))) * (x @ V)) @ W2

    def clipped(x, W, V, W2):  # right wherever |x W| < 1.5, wrong beyond
        a = x @ W
        return (a / (1 + np.exp(-np.clip(a, -1.5, 1.5))) * (x @ V)) @ W2

    def mutates_x_first(x, W, V, W2):
        x[...] = 0
        return _swiglu_numpy(x, W, V, W2)

    def mutates_x_after(x, W, V, W2):
        y = _swiglu_numpy(x, W, V, W2)
        x *= 2
        return y

    def no_W2(x, W, V, W2):
        a = x @ W
        return a / (1 + np.exp(-a)) * (x @ V)

    fns = [swapped, project_first, relu_gate, sigmoid_gate, clipped, mutates_x_first, mutates_x_after, no_W2]
    return {"my_ffn": _swiglu_numpy}, {f.__name__: {"my_ffn": f} for f in fns}


def _memory():
    c = _ex("ffn").MEMORY_CASE
    first, second = required(_ex("ffn").check_memory)
    t, d, f = c["tokens"], c["d_model"], c["d_ff"]
    store, hidden = t * (d + 4 * f) * 4, t * (d + 2 * f) * 4  # x, a, u, act(a), h / x, a, u; float32
    return {first: store, second: hidden}, {
        "d_model + 3 d_ff (act(a) forgotten)": {first: t * (d + 3 * f) * 4},
        "numbers, not bytes": {first: store // 4, second: hidden // 4},
        "2 bytes a number": {first: store // 2, second: hidden // 2},
        "the two swapped": {first: hidden, second: store},
        "x forgotten": {first: t * 4 * f * 4},
        "recompute keeps h too": {second: t * (d + 3 * f) * 4},
        "per token": {first: store // t, second: hidden // t},
    }


def _split():
    first, second = required(_ex("ffn").check_split)

    def phi3(M):  # gate, up = chunk(2): the first half is gated
        d_ff = M.shape[1] // 2
        return M[:, :d_ff], M[:, d_ff:]

    def swapped(M):
        return phi3(M)[::-1]

    def interleaved(M):
        return M[:, ::2], M[:, 1::2]

    def transposed(M):
        return tuple(m.T for m in phi3(M))

    def one_array(M):
        return M

    def mutates(M):
        W, V = phi3(M.copy())
        M[...] = 0
        return W, V

    fns = [swapped, interleaved, transposed, one_array, mutates]
    return {first: "Phi-3", second: phi3}, {f.__name__: {second: f} for f in fns}


def _budget_width():
    b = _ex("ffn").BUDGET_CASE
    d, step = b["d_model"], b["multiple_of"]
    budget = 2 * d * b["d_ff_relu"]  # W and W2 of the ReLU FFN
    best = max(k for k in range(step, 2 * b["d_ff_relu"], step) if 3 * d * k <= budget)
    return {"d_ff": best}, {
        "rounded up": {"d_ff": best + step},
        "2/3 unrounded": {"d_ff": 2 * b["d_ff_relu"] // 3},
        "one multiple short": {"d_ff": best - step},
        "the ReLU width": {"d_ff": b["d_ff_relu"]},
        "as a float with a fraction": {"d_ff": 2 * b["d_ff_relu"] / 3},
    }


def _vocab():
    from glulib import textdata
    return textdata.load_corpus().vocab_size


def _width_params():
    from glulib import train
    q = train.QUICK.model
    lost = q.n_layers * 2 * q.d_model * (q.d_ff_baseline - q.d_ff_baseline // 2)
    return {"answer": lost, "vocab_size": _vocab()}, {
        "one layer's loss": {"answer": lost // q.n_layers},
        "one matrix": {"answer": lost // 2},
        "three matrices, as if gated": {"answer": lost * 3 // 2},
        "a minus sign": {"answer": -lost},
        "the new width's parameters": {"answer": q.n_layers * 2 * q.d_model * (q.d_ff_baseline // 2) + 1},
    }


def _unmatched():
    from glulib import feedforward, train
    base = train.QUICK.model.d_ff_baseline
    first, second = required(_ex("training").check_unmatched)
    return {first: base, second: 3 / 2}, {
        "the matched width": {first: feedforward.matched_d_ff(base, "swiglu")},
        "ReLU's over SwiGLU's": {second: 2 / 3},
        "ratio 1 (as if matched)": {second: 1.0},
        "three matrices, not a ratio": {second: 3},
        "ratio rounded too early": {second: 2},
    }


def _results_rows():
    """Per variant the seed-by-seed losses and changes against ReLU, from the committed results."""
    from glulib import experiment
    results = experiment.load_results()
    loss = {(r["variant"], r["seed"]): r["heldout_loss"] for r in results["runs"]}
    rows = {}
    for v in results["variants"]:
        seeds = [s for s in results["seeds"] if (v, s) in loss]
        if seeds:
            d = np.array([loss[v, s] - loss["relu", s] for s in seeds if ("relu", s) in loss])
            rows[v] = (np.mean([loss[v, s] for s in seeds]), d)
    return results, rows


def _best_variant():
    _, rows = _results_rows()
    order = sorted(rows, key=lambda v: rows[v][0])
    return {"answer": order[0].upper()}, {f"{v}, ranked lower": {"answer": v} for v in order[1:]} | {
        "the label, not the name": {"answer": "the best one"}}


def _beats_relu():
    from glulib import experiment
    _, rows = _results_rows()
    want = sorted(v for v, (_, d) in rows.items() if v != "relu" and d.size > 1
                  and d.mean() + experiment.t95(d.size - 1) * d.std(ddof=1) / math.sqrt(d.size) < 0)
    lower = sorted(v for v, (_, d) in rows.items() if v != "relu" and d.size and d.mean() < 0)
    wrong = {"every variant": {"answer": sorted(rows)}, "with relu itself": {"answer": want + ["relu"]},
             "the names as one text": {"answer": ", ".join(want) or "none"}}
    if want:
        wrong |= {"none": {"answer": []}, "one missing": {"answer": want[1:]}}
    if lower != want:
        wrong["a lower mean, interval ignored"] = {"answer": lower}
    others = [v for v in rows if v not in want and v != "relu"]
    if others:
        wrong["one too many"] = {"answer": want + others[:1]}
    return {"answer": want}, wrong


def _paired_interval():
    results, rows = _results_rows()
    first, second = required(_ex("training").check_paired_interval)[:2]
    d = rows["glu"][1]
    n = d.size
    t = _ex("training").t95(n - 1)
    half = t * d.std(ddof=1) / math.sqrt(n)
    loss = {(r["variant"], r["seed"]): r["heldout_loss"] for r in results["runs"]}
    glu = np.array([loss["glu", s] for s in results["seeds"] if ("glu", s) in loss and ("relu", s) in loss])
    relu = np.array([loss["relu", s] for s in results["seeds"] if ("glu", s) in loss and ("relu", s) in loss])
    unpaired = t * math.sqrt(glu.var(ddof=1) / n + relu.var(ddof=1) / n)
    return {first: d.mean(), second: half, "results": results}, {
        "sign flipped": {first: -d.mean()},
        "ddof=0": {second: t * d.std(ddof=0) / math.sqrt(n)},
        "unpaired": {second: unpaired},
        "no square root of n": {second: t * d.std(ddof=1)},
        "1.96 for t": {second: 1.96 * d.std(ddof=1) / math.sqrt(n)},
        "the standard error alone": {second: d.std(ddof=1) / math.sqrt(n)},
    }


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _silu_backward(dout, value, gate):
    s = _sigmoid(gate)
    return dout * gate * s, dout * value * s * (1 + gate * (1 - s))  # (n,), (n,)


def _backward():
    def forgets_dout(dout, value, gate):
        return _silu_backward(np.ones_like(dout), value, gate)

    def swapped(dout, value, gate):
        return _silu_backward(dout, value, gate)[::-1]

    def dgate_without_value(dout, value, gate):
        dv, dg = _silu_backward(dout, value, gate)
        return dv, dg / value

    def dgate_sign(dout, value, gate):
        dv, dg = _silu_backward(dout, value, gate)
        return dv, -dg

    def dvalue_twice(dout, value, gate):
        dv, dg = _silu_backward(dout, value, gate)
        return 2 * dv, dg

    def wrong_beyond_5(dout, value, gate):  # right wherever |gate| < 5
        dv, dg = _silu_backward(dout, value, gate)
        return dv, np.where(np.abs(gate) < 5, dg, dout * value * _sigmoid(gate))

    def sigmoid_derivative(dout, value, gate):
        s = _sigmoid(gate)
        return dout * gate * s, dout * value * s * (1 - s)

    def zeroes_value_after(dout, value, gate):
        out = _silu_backward(dout, value, gate)
        value[...] = 0
        return out

    def zeroes_gate_first(dout, value, gate):
        gate[...] = 0
        return _silu_backward(dout, value, gate)

    def one_array(dout, value, gate):
        return np.stack(_silu_backward(dout, value, gate))

    fns = [forgets_dout, swapped, dgate_without_value, dgate_sign, dvalue_twice, wrong_beyond_5,
           sigmoid_derivative, zeroes_value_after, zeroes_gate_first, one_array]
    return {"variant": "swiglu", "my_backward": _silu_backward}, {f.__name__: {"my_backward": f} for f in fns}


def _dauphin():
    first, second = required(_ex("backward").check_dauphin)
    X, G = _ex("backward").DAUPHIN_POINT
    s = 1 / (1 + math.exp(-G))
    return {first: s, second: (1 - math.tanh(X) ** 2) * s}, {
        "the GTU's factor without tanh'": {second: s},
        "tanh'(X) alone": {second: 1 - math.tanh(X) ** 2},
        "sigmoid'(G) for the GLU": {first: s * (1 - s)},
        "tanh(X) not squared": {second: (1 - math.tanh(X)) * s},
        "the two swapped": {first: (1 - math.tanh(X) ** 2) * s, second: s},
    }


def _gain_prediction():
    ex = _ex("backward")
    (name,) = required(ex.check_gain_prediction)
    g, L = ex.PREDICT_GAIN, ex.GAIN_TASK["depth"]
    return {name: (g / 2) ** L}, {
        "as at gain 1": {name: 0.5 ** L},
        "the gain alone to the power L": {name: g ** L},
        "negative": {name: -((g / 2) ** L)},
        "stays 1": {name: 1.0},
        "one layer's factor": {name: g / 2},
    }


def _glu_gain():
    from glulib import depth
    ex = _ex("backward")
    (name,) = required(ex.check_glu_gain)
    t = ex.GAIN_TASK
    gains = [round(1.7 + 0.01 * k, 2) for k in range(26)]  # 1.70 to 1.95: the window lies in here
    med = np.median(depth.gain_sweep(t["unit"], gains, t["mode"], t["depth"], t["width"], t["batch"], t["seeds"]),
                    axis=1)
    inside = [g for g, m in zip(gains, med) if ex.LOW <= m <= ex.HIGH]
    below = [g for g, m in zip(gains, med) if m < ex.LOW]
    above = [g for g, m in zip(gains, med) if m > ex.HIGH]
    return {name: inside[len(inside) // 2]}, {
        "gain 1": {name: 1.0}, "the last gain that vanishes": {name: below[-1]},
        "the first gain that explodes": {name: above[0]}, "zero": {name: 0.0}, "negative": {name: -inside[0]},
    }


def _rain_slope():
    ex = _ex("reading")
    (name,) = required(ex.check_rain_slope)
    s, x = typhoon.STORY, ex.RAIN_SLOPE_STORM
    value, gate = float(x @ s["W"] + s["b"]), float(x @ s["V"] + s["c"])
    sig = 1 / (1 + math.exp(-gate))
    first, second = s["W"][0] * sig, value * sig * (1 - sig) * s["V"][0]  # product rule: water, opening
    return {name: first + second}, {
        "the first term alone": {name: first}, "the second term alone": {name: second},
        "the rain weight alone (linear)": {name: s["W"][0]}, "second term subtracted": {name: first - second},
        "sigmoid for sigmoid'": {name: first + value * sig * s["V"][0]},
    }


def _rain_only_at_high_tide():
    ex = _ex("reading")
    names = required(ex.check_rain_only_at_high_tide)
    spec = ex.RAIN_ONLY_AT_HIGH_TIDE
    quiet, loud = spec["largest slope at low tide"], spec["smallest slope at high tide"]
    low_top, high_bottom = spec["low tides (m)"][1], spec["high tides (m)"][0]
    w_rain = 2 * loud  # the rain's weight in the severity row; the gate row holds the tide alone
    t0 = (low_top + high_bottom) / 2  # the gate opens half way between the two bands
    k = 2 * math.log(4 * w_rain / quiet) / (high_bottom - low_top)  # shut to quiet / 4 at the low band's top
    right = dict(zip(names, ([w_rain, 0.0, 0.0], 0.0, [0.0, k, 0.0], -k * t0)))
    W, b, V, c = names
    s = typhoon.STORY
    return right, {
        "the story's weights": {W: s["W"], b: s["b"], V: s["V"], c: s["c"]},
        "a gate that is always open": {V: [0.0, 0.0, 0.0], c: 10.0},
        "the gate opens at low tide": {V: [0.0, -k, 0.0], c: k * t0},
        "the rain in the gate row as well": {V: [k, k, 0.0]},
        "a rain weight too small": {W: [loud / 2, 0.0, 0.0]},
        "a gate too soft": {V: [0.0, k / 20, 0.0], c: -k * t0 / 20},
        "two weights only": {W: [w_rain, 0.0]},
    }


def _fused_bytes():
    ex = _ex("kernels")
    (name,) = required(ex.check_fused_bytes)
    n, item = ex.N_ELEMENTS, np.dtype(ex.DTYPE).itemsize
    right = (3 + 5) * n * item  # forward: value, gate in, out; backward: dout, value, gate in, dvalue, dgate out
    return {name: right}, {
        "the forward alone": {name: 3 * n * item}, "arrays times elements": {name: 8 * n},
        "float32": {name: 8 * n * 4}, "act(gate) stored and read back": {name: 10 * n * item},
        "bits, not bytes": {name: 8 * right}, "the backward alone": {name: 5 * n * item},
    }


def _max_tokens():
    ex = _ex("kernels")
    first, second = required(ex.check_max_tokens)
    m = ex.MEMORY_CASE
    budget = m["budget_gib"] * 2**30

    def tokens(widths, layers=m["layers"], item=m["bytes_per_element"]):
        return budget // (layers * widths * item)

    d, f = m["d_model"], m["d_ff"]
    store, hidden = tokens(d + 4 * f), tokens(d + 2 * f)  # x, a, u, act(a), h / x, a, u
    return {first: store, second: hidden}, {
        "rounded up": {first: store + 1},
        "one layer": {first: tokens(d + 4 * f, layers=1), second: tokens(d + 2 * f, layers=1)},
        "float32": {first: tokens(d + 4 * f, item=4), second: tokens(d + 2 * f, item=4)},
        "the two swapped": {first: hidden, second: store},
        "d_model + 3 d_ff": {first: tokens(d + 3 * f)},
        "not rounded": {first: budget / (m["layers"] * (d + 4 * f) * m["bytes_per_element"])},
        "GB, not GiB": {second: m["budget_gib"] * 10**9 // (m["layers"] * (d + 2 * f) * m["bytes_per_element"])},
    }


def _reglu_kernel():
    def right(value, gate, out):
        for i in range(value.size):
            g = gate[i]
            out[i] = value[i] * (0.0 if g <= 0 else g)  # NaN <= 0 is False: a NaN gate stays NaN

    def nan_to_zero(value, gate, out):
        for i in range(value.size):
            out[i] = value[i] * (gate[i] if gate[i] > 0 else 0.0)

    def skips_the_last(value, gate, out):
        for i in range(value.size - 1):
            out[i] = value[i] * max(gate[i], 0.0)

    def rebinds_out(value, gate, out):
        out = value * np.maximum(gate, 0)  # noqa: F841 - a new array; the caller's out never changes

    def relu_on_value(value, gate, out):
        out[:] = np.maximum(value, 0) * gate

    def mutates_value(value, gate, out):
        value[gate <= 0] = 0
        out[:] = value * np.maximum(gate, 0)

    def negated(value, gate, out):
        out[:] = -value * np.maximum(gate, 0)

    def nan_everywhere(value, gate, out):
        out[:] = np.nan

    fns = [nan_to_zero, skips_the_last, rebinds_out, relu_on_value, mutates_value, negated, nan_everywhere]
    (name,) = required(_ex("kernels").check_reglu_kernel)
    return {name: right}, {f.__name__: {name: f} for f in fns}


def _ulps_apart():
    ex = _ex("float32")
    (name,) = required(ex.check_ulps_apart)
    a, b = (np.float32(x) for x in ex.ULP_PAIR)
    right = int((b - a) / np.spacing(a))
    gap = ex.ULP_PAIR[1] - ex.ULP_PAIR[0]
    return {name: right}, {
        "the count near 1": {name: round(gap / 2.0**-23)}, "unrounded": {name: gap / float(np.spacing(a))},
        "one more": {name: right + 1}, "float64 ulps": {name: round(gap / np.spacing(1000.0))},
    }


def _rounded_square():
    ex = _ex("float32")
    (name,) = required(ex.check_rounded_square)
    measured = ex.rounded_square_error(ex.Z_ROUNDED)
    return {name: measured}, {
        "no error": {name: 0}, "ten times too many": {name: 10 * measured},
        "a quarter": {name: measured / 4}, "negative": {name: -measured},
    }


def _two_sum():
    def knuth(a, b):
        s = a + b
        bb = s - a
        return s, (a - (s - bb)) + (b - bb)

    def no_error(a, b):
        return a + b, np.float32(0)

    def through_float64(a, b):
        s = a + b
        return s, np.float32(np.float64(a) + np.float64(b) - np.float64(s))

    def fast_two_sum_unordered(a, b):
        s = a + b
        return s, b - (s - a)

    def python_floats(a, b):
        s, e = knuth(a, b)
        return float(s), float(e)

    def swapped(a, b):
        return knuth(a, b)[::-1]

    def as_list(a, b):
        return list(knuth(a, b))

    fns = [no_error, through_float64, fast_two_sum_unordered, python_floats, swapped, as_list]
    (name,) = required(_ex("float32").check_two_sum)
    return {name: knuth}, {f.__name__: {name: f} for f in fns}


def _silu_zero():
    first, second = required(_ex("float32").check_silu_zero)
    w = -1.5
    for _ in range(100):  # Newton on 1 + w + e^w, whose zero is silu's
        w = w - (1 + w + math.exp(w)) / (1 + math.exp(w))
    return {first: w, second: np.float32(w)}, {
        "to six digits": {first: round(w, 6)},
        "float32 given as a float64": {second: float(np.float32(w))},
        "the float32 neighbour": {second: np.nextafter(np.float32(w), np.float32(0))},
        "the zero of silu, not silu'": {first: 0.0, second: np.float32(0)},
        "the minimum's value": {first: w / (1 + math.exp(-w))},
    }


def _rank_at_point():
    import glulib
    ex = _ex("zoo")
    (name,) = required(ex.check_rank_at_point)
    value, gate = ex.RANK_POINT["value"], np.array([ex.RANK_POINT["gate input"]])
    out = {v: value * float(glulib.activate(gate, act)[0]) for v, act in glulib.VARIANTS.items()}
    order = sorted(out, key=out.get)
    return {name: order}, {
        "highest first": {name: order[::-1]}, "one missing": {name: order[:-1]},
        "one twice": {name: order[:-1] + order[:1]}, "as a set": {name: set(order)},
        "as one text": {name: ", ".join(order)}, "first two swapped": {name: [order[1], order[0]] + order[2:]},
        "by the activation alone, at value 1 with the gate's sign flipped": {
            name: sorted(out, key=lambda v: float(glulib.activate(-gate, glulib.VARIANTS[v])[0]))},
    }


_MICRO = {}


def _micro_states(variant):
    from glulib import microscope, textdata
    if variant not in _MICRO:
        _MICRO[variant] = microscope.record_all(textdata.load_corpus(), variants=(variant,))[variant]
    return _MICRO[variant]


def _distinct(right, wrong):
    """The wrong answers that differ from the right one (a shortcut can land on it by chance)."""
    return {k: v for k, v in wrong.items() if any(v[p] != right[p] for p in v)}


def _exact_zeros():
    (name,) = required(_ex("microscope").check_exact_zeros)
    g = _micro_states("reglu").opening  # per layer (n, d_ff)
    want = float(np.mean(g[1] == 0))
    return {name: want}, _distinct({name: want}, {
        "a percentage": {name: 100 * want}, "the fraction not zero": {name: 1 - want},
        "layer 0": {name: float(np.mean(g[0] == 0))},
        "near zero, not exactly": {name: float(np.mean(np.abs(g[1]) < 0.05))},
        "none": {name: 0.0}, "half": {name: 0.5},
    })


def _line_break_unit():
    from glulib import microscope
    layer, unit = required(_ex("microscope").check_line_break_unit)
    s = microscope.selectivity(_micro_states("swiglu"))["line break"]  # (n_layers, d_ff)
    order = np.argsort(s, axis=None)
    best, second, lowest = (tuple(int(i) for i in np.unravel_index(k, s.shape))
                            for k in (order[-1], order[-2], order[0]))
    right = {layer: best[0], unit: best[1]}
    return right, _distinct(right, {
        "the lowest AUC": {layer: lowest[0], unit: lowest[1]}, "the second best": {layer: second[0], unit: second[1]},
        "layer and unit swapped": {layer: best[1], unit: best[0]}, "the other layer": {layer: 1 - best[0]},
        "past the last unit": {unit: s.shape[1]}, "a negative unit": {unit: -1},
    })


def _most_harmful():
    from glulib import microscope
    (name,) = required(_ex("microscope").check_most_harmful)
    t = microscope.load_ablations()["models"]["swiglu"]
    change = np.asarray(t["opening at mean"][1])  # (d_ff,)
    want = int(np.argmax(change))
    return {name: want}, _distinct({name: want}, {
        "the value held, not the opening": {name: int(np.argmax(t["value at mean"][1]))},
        "layer 0's": {name: int(np.argmax(t["opening at mean"][0]))},
        "the smallest change": {name: int(np.argmin(change))},
        "past the last unit": {name: change.size}, "a negative unit": {name: -1},
    })


def _decides():
    from glulib import microscope
    (name,) = required(_ex("microscope").check_decides)
    middle = float(np.mean([r["middle"] for r in microscope.opening_stats(_micro_states("glu"))]))
    want = "hedges" if middle > 0.5 else "decides"
    other = "decides" if want == "hedges" else "hedges"
    return {name: want.upper()}, {"the other": {name: other}, "both": {name: "decides and hedges"},
                                  "a yes": {name: "yes"}, "a number": {name: middle}}



def _int8_zeros():
    from glulib import quantize
    ex = _ex("hardware")
    (name,) = required(ex.check_int8_zeros)
    p = ex._record().product[ex.INT8_LAYER]  # (n, d_ff)
    want = float(np.mean(quantize.quantize(p, "int8", "tensor") == 0))
    step = float(np.abs(p).max()) / 127
    return {name: want}, _distinct({name: want}, {
        "a percentage": {name: 100 * want}, "the share kept": {name: 1 - want},
        "below a whole step, not half": {name: float(np.mean(np.abs(p) < step))},
        "per unit instead": {name: float(np.mean(quantize.quantize(p, "int8", "unit") == 0))},
        "none": {name: 0.0},
    })


def _outlier_unit():
    ex = _ex("hardware")
    (name,) = required(ex.check_outlier_unit)
    p = np.abs(ex._record().product[ex.OUTLIER_LAYER])  # (n, d_ff)
    peaks = p.max(axis=0)
    order = np.argsort(peaks)
    want = int(order[-1])
    return {name: want}, _distinct({name: want}, {
        "the second largest": {name: int(order[-2])}, "the smallest": {name: int(order[0])},
        "the token, not the unit": {name: int(np.unravel_index(int(np.argmax(p)), p.shape)[0])},
        "past the last unit": {name: p.shape[1]}, "a negative unit": {name: -1},
    })


def _threshold():
    ex = _ex("hardware")
    (name,) = required(ex.check_threshold)
    g = np.abs(ex._record().opening[ex.THRESHOLD_LAYER])
    return {name: float(np.quantile(g, 1 - ex.TARGET_SHARE))}, {
        "the 10% quantile": {name: float(np.quantile(g, ex.TARGET_SHARE))},
        "the median": {name: float(np.median(g))}, "zero": {name: 0.0}, "negative": {name: -1.0},
        "above every opening": {name: float(g.max()) + 1.0},
    }


def _one_unit():
    ex = _ex("bilinear")
    big, small = required(ex.check_one_unit)
    w, v, c = ex.ONE_UNIT_W, ex.ONE_UNIT_V, ex.ONE_UNIT_C
    nw, nv = np.linalg.norm(w), np.linalg.norm(v)
    right = {big: c * (w @ v + nw * nv) / 2, small: c * (w @ v - nw * nv) / 2}
    return right, {
        "swapped": {big: right[small], small: right[big]},
        "without the 1/2": {big: 2 * right[big], small: 2 * right[small]},
        "w.v alone": {big: c * (w @ v), small: 0.0},
        "without c": {big: (w @ v + nw * nv) / 2, small: (w @ v - nw * nv) / 2},
    }


def _best_eigenvector():
    from glulib import microscope
    ex = _ex("bilinear")
    (name,) = required(ex.check_best_eigenvector)
    x, _, lam, vecs, followed = ex._setup()
    scores = microscope.auc(lam[:ex.TOP] * (x @ vecs[:, :ex.TOP]) ** 2, followed)
    want = int(np.argmax(scores))
    return {name: want}, _distinct({name: want}, {
        "the first eigenvector": {name: 0}, "the lowest AUC": {name: int(np.argmin(scores))},
        "past the top": {name: ex.TOP}, "negative": {name: -1},
    })


def _design_input():
    ex = _ex("bilinear")
    (name,) = required(ex.check_design_input)
    _, _, lam, vecs, _ = ex._setup()
    low = vecs[:, int(np.argmin(lam))]
    return {name: list(low)}, {
        "the top eigenvector (raises it)": {name: list(vecs[:, 0])},
        "the largest positive one": {name: list(vecs[:, int(np.argmax(lam))])},
        "a random direction": {name: list(np.random.default_rng(0).standard_normal(lam.size))},
        "zeros": {name: [0.0] * lam.size},
    }


CASES = {
    "typhoon.check_by_hand": _by_hand,
    "typhoon.check_full_pumps": _full_pumps,
    "typhoon.check_bilinear_output": _bilinear,
    "reading.check_linear_column": _linear_column,
    "reading.check_half_open_tide": _half_open_tide,
    "zoo.check_llama_variant": _llama_variant,
    "zoo.check_swish_at_zero_beta": _swish_beta0,
    "zoo.check_gated_branch": _gated_branch,
    "zoo.check_rank_at_point": _rank_at_point,
    "geometry.check_gelu_dip": _gelu_dip,
    "geometry.check_zeros": _zeros,
    "geometry.check_value_bias": _value_bias,
    "geometry.check_hessian_det": _hessian_det,
    "backward.check_backward": _backward,
    "backward.check_dauphin": _dauphin,
    "backward.check_gain_prediction": _gain_prediction,
    "backward.check_glu_gain": _glu_gain,
    "reading.check_rain_slope": _rain_slope,
    "reading.check_rain_only_at_high_tide": _rain_only_at_high_tide,
    "kernels.check_fused_bytes": _fused_bytes,
    "kernels.check_max_tokens": _max_tokens,
    "kernels.check_reglu_kernel": _reglu_kernel,
    "float32.check_ulps_apart": _ulps_apart,
    "float32.check_rounded_square": _rounded_square,
    "float32.check_two_sum": _two_sum,
    "float32.check_silu_zero": _silu_zero,
    "microscope.check_exact_zeros": _exact_zeros,
    "microscope.check_line_break_unit": _line_break_unit,
    "microscope.check_most_harmful": _most_harmful,
    "microscope.check_decides": _decides,
    "ffn.check_llama_hidden": _llama_hidden,
    "ffn.check_ffn_swiglu": _ffn_swiglu,
    "ffn.check_memory": _memory,
    "ffn.check_split": _split,
    "ffn.check_budget_width": _budget_width,
    "training.check_width_params": _width_params,
    "training.check_unmatched": _unmatched,
    "training.check_best_variant": _best_variant,
    "training.check_beats_relu": _beats_relu,
    "training.check_paired_interval": _paired_interval,
    "hardware.check_int8_zeros": _int8_zeros,
    "hardware.check_outlier_unit": _outlier_unit,
    "hardware.check_threshold": _threshold,
    "bilinear.check_one_unit": _one_unit,
    "bilinear.check_best_eigenvector": _best_eigenvector,
    "bilinear.check_design_input": _design_input,
}
#: What the notebook passes rather than the learner (never replaced by a hostile answer).
CONTEXT = {"zoo.check_gated_branch": {"source"}, "ffn.check_split": {"library"},
           "backward.check_backward": {"variant"},
           "training.check_width_params": {"vocab_size"}, "training.check_paired_interval": {"results"}}

_CACHE = {}


def case(name):
    if name not in _CACHE:
        _CACHE[name] = CASES[name]()
    return _CACHE[name]


def call(name, args):
    return CHECKERS[name](**args)


KNOWN = sorted(n for n in CHECKERS if n in CASES)
WRONG = [(n, label) for n in KNOWN for label in CASES[n]()[1]]


def test_every_checker_has_its_cases():
    missing = sorted(set(CHECKERS) - set(CASES))
    assert not missing, f"add the right and plausible wrong answers of {missing} to CASES in {__file__}"


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_every_checker_is_wrapped_by_checker(name):
    """@checker is what turns an unexpected exception into words."""
    assert CHECKERS[name].__code__ is fb.checker(lambda: None).__code__, f"decorate {name} with @checker"


@pytest.mark.parametrize("name", KNOWN)
def test_right_answer_is_accepted(name, capsys):
    right, _ = case(name)
    feedback = call(name, right)
    assert isinstance(feedback, Feedback) and feedback, feedback
    assert feedback._repr_markdown_().startswith("**Right.**")
    assert capsys.readouterr().out == "", "a checker answers by returning a Feedback, never by printing"


@pytest.mark.parametrize("name, label", WRONG, ids=[f"{n}-{lab}" for n, lab in WRONG])
def test_plausible_wrong_answer_is_rejected(name, label):
    right, wrong = case(name)
    assert_not_right(call(name, {**right, **wrong[label]}), f"{name} given {label}")


@pytest.mark.parametrize("name", KNOWN)
def test_each_checker_has_plausible_wrong_answers(name):
    assert len(case(name)[1]) >= 3, f"{name}: list at least three plausible wrong answers"


@pytest.mark.parametrize("name", sorted(CHECKERS))
@SETTINGS
@given(data=st.data())
def test_a_hostile_answer_in_one_place_gets_words(name, data):
    """Right answers everywhere but one place, which holds something hostile."""
    checker = CHECKERS[name]
    if name in CASES:
        right, _ = case(name)
        slots = [p for p in required(checker) if p not in CONTEXT.get(name, set())]
    else:
        right, slots = {}, required(checker)
    assume(slots)
    slot = data.draw(st.sampled_from(slots), label="slot")
    value = data.draw(HOSTILE, label="value")
    assume(not _equals(value, right.get(slot)))
    args = {**{p: right.get(p) for p in required(checker)}, slot: value}
    assert_not_right(checker(**args), f"{name}({slot}={fb.shown(value)})")


@pytest.mark.parametrize("name", sorted(CHECKERS))
@SETTINGS
@given(data=st.data())
def test_hostile_answers_everywhere_get_words(name, data):
    """Every argument hostile, what the notebook passes included."""
    checker = CHECKERS[name]
    args = {p: data.draw(HOSTILE, label=p) for p in required(checker)}
    assert_not_right(checker(**args), f"{name}({', '.join(f'{k}={fb.shown(v)}' for k, v in args.items())})")


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_every_class_of_hostile_answer_in_every_place_gets_words(name):
    checker = CHECKERS[name]
    right = case(name)[0] if name in CASES else {}
    slots = [p for p in required(checker) if p not in CONTEXT.get(name, set())]
    for slot in slots:
        for label, make in EXAMPLES.items():
            value = make()
            if _equals(value, right.get(slot)):
                continue
            args = {**{p: right.get(p) for p in required(checker)}, slot: value}
            feedback = checker(**args)
            assert_not_right(feedback, f"{name}({slot}=<{label}>)")
            assert name not in CASES or FALLBACK not in feedback.message, \
                f"{name}({slot}=<{label}>): read the answer with a _feedback reader, so the words say what is wrong"
    for label, make in EXAMPLES.items():
        assert_not_right(checker(**{p: make() for p in required(checker)}), f"{name}(<{label}> everywhere)")


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_wrong_number_of_arguments_gets_words(name):
    checker = CHECKERS[name]
    assert_not_right(checker(*[None] * (len(inspect.signature(checker).parameters) + 1)), name)
    if required(checker):
        assert_not_right(checker(), name)


# ---- the shared readers, on their own ------------------------------------------------------------

@SETTINGS
@given(value=HOSTILE)
def test_readers_raise_only_not_an_answer(value):
    for read in (fb.number, fb.integer, fb.numbers, fb.text, lambda v: fb.array(v, (2, 2)),
                 lambda v: fb.choice(v, ["relu", "swiglu"]), lambda v: fb.choices(v, ["relu", "swiglu"]),
                 lambda v: fb.result_array(v, (3,))):
        try:
            read(value)
        except fb.NotAnAnswer as exc:
            assert str(exc).strip()
    assert fb.close(value, 1.0) in (True, False)
    assert isinstance(fb.shown(value), str) and len(fb.shown(value)) <= 60


@pytest.mark.parametrize("value, words", [
    (None, "None"), ("0.5", "quotes"), (True, "yes/no"), (math.nan, "NaN"), (math.inf, "finite"),
    (10**400, "too large"), (np.zeros(3), "one number"), ([1.0, 2.0], "one number"), (1 + 2j, "complex"),
])
def test_number_names_what_is_wrong(value, words):
    with pytest.raises(fb.NotAnAnswer, match=words):
        fb.number(value, "x")


@pytest.mark.parametrize("value, expected", [
    (2, 2.0), (np.float32(1.5), 1.5), (np.int64(-3), -3.0), (np.array(2.5), 2.5), ([4.0], 4.0), (-0.0, 0.0),
])
def test_number_takes_every_kind_of_number(value, expected):
    assert fb.number(value) == expected


def test_numbers_names_a_string_where_a_list_is_expected():
    with pytest.raises(fb.NotAnAnswer, match="the text"):
        fb.numbers("1, 2", n=2)
    with pytest.raises(fb.NotAnAnswer, match="give 2 numbers"):
        fb.numbers([1.0, 2.0, 3.0], n=2)
    with pytest.raises(fb.NotAnAnswer, match="not a list"):
        fb.choices("swiglu", ["relu", "swiglu"])
    assert fb.integer(2**80 + 1) == 2**80 + 1 and fb.integer(2048.0) == 2048 and fb.integer(np.int64(-3)) == -3
    with pytest.raises(fb.NotAnAnswer, match="far larger"):
        fb.integer(10**400)
    with pytest.raises(fb.NotAnAnswer, match="not a whole number"):
        fb.integer(2.5)


def test_close_and_worst_never_pass_nan():
    assert not fb.close(math.nan, 1.0) and not fb.close(math.inf, math.inf) and fb.close(1.0005, 1.0)
    c = fb.worst(np.array([1.0, np.nan, 3.0]), np.array([1.0, 2.0, 3.0]))
    assert not c.ok and c.index == (1,)
    assert fb.worst(np.array([np.nan, np.inf]), np.array([np.nan, np.inf])).ok
    c = fb.worst(np.array([1.0, 2.0, 3.5, 4.0]), np.arange(1.0, 5.0))
    assert not c.ok and c.index == (2,) and c.err == 0.5


def test_call_gives_copies_and_reports_a_changed_input():
    value = np.arange(3.0)  # (3,)

    def zeroes(v):
        v[...] = 0
        return v

    with pytest.raises(fb.NotAnAnswer, match="changed its input value"):
        fb.call(zeroes, {"value": value})
    assert value.tolist() == [0.0, 1.0, 2.0]
    result, copies = fb.call(zeroes, {"out": value}, writes=("out",))
    assert copies["out"].tolist() == [0.0, 0.0, 0.0] and value.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(fb.NotAnAnswer, match="raised ValueError"):
        fb.call(_raises, {"value": value})
    with pytest.raises(fb.NotAnAnswer, match="must be a function"):
        fb.call(3.0, {"value": value})


def test_checker_turns_any_exception_into_words():
    @fb.checker
    def check_broken(answer):
        return Feedback(True, str(1 / 0))

    out = check_broken(1.0)
    assert not out and "ZeroDivisionError" in out.message
    assert not check_broken(1.0, 2.0)
