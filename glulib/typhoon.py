"""The typhoon pump of notebooks 00 and 01: the story's numbers as data, one GLU neuron, and its fit.

One storm is a feature vector ``x = (rainfall, tide, wind)``. Two linear branches read it:

    severity   = x . W + b          the value: water volume heading for the levee (million m^3)
    gate_input = x . V + c          the gate input (pre-activation; glulib's ``gate`` argument)
    opening    = act(gate_input)    the gate's opening: the pump fraction (sigmoid: between 0 and 1)
    output     = severity * opening what the pumps push back over the wall

``pump`` returns the opening under ``"opening"``; ``"gate"`` holds the same array for older callers.

The story writes W and b for the severity row and V and c for the gate row (Dauphin's
letters: V is the gated branch). A plain linear layer is the severity branch alone.
Every number here comes from ``glulib.glu`` and ``glulib.glu_backward``.
"""

import csv
from pathlib import Path
from types import MappingProxyType

import numpy as np

from . import _validate
from .codes import ACTIVATIONS
from .elementwise import activate, glu, glu_backward

#: The three features, in the order of ``x``.
FEATURES = ("rainfall", "tide", "wind")
#: The unit of each feature (rainfall rate, tide level above normal, wind speed in tens of m/s).
UNITS = {"rainfall": "cm/h", "tide": "m above normal", "wind": "tens of m/s"}
#: The storms the pump panel can set: (lo, hi, step) of each feature's slider (read-only).
FEATURE_RANGES = MappingProxyType({"rainfall": (0.0, 10.0, 0.1), "tide": (-3.0, 4.0, 0.1), "wind": (0.0, 6.0, 0.1)})
#: What the severity and the output are measured in.
VOLUME_UNIT = "million m\u00b3"

def _read_only(values):
    """A float array that cannot be written, nor made writeable again (its memory is a bytes object)."""
    return np.frombuffer(np.array(values, dtype=np.float64).tobytes(), dtype=np.float64)


#: The story's storm and its two rows of weights (seed 000, checked in FACTS.md). Read-only, so
#: that ``x = STORY["x"]; x[1] = 3.0`` fails at once instead of changing the story everywhere:
#: take ``STORY["x"].copy()`` to experiment.
STORY = MappingProxyType({
    "x": _read_only([5.0, 2.0, 3.0]),  # (3,) rainfall, tide, wind
    "W": _read_only([0.6, 0.1, 0.3]),  # (3,) severity row: rainfall weighs most
    "b": 0.5,
    "V": _read_only([0.1, 0.5, 0.1]),  # (3,) gate row: tide weighs most
    "c": -0.3,
})

DATA = Path(__file__).resolve().parents[1] / "data"


# ---- the neuron ----------------------------------------------------------------------------
def _features(x, func):
    x = _validate.float_array(x, func, "x")
    if x.ndim not in (1, 2) or x.shape[-1] != 3:
        raise ValueError(
            f"{func}: x must have shape (3,) or (n, 3) for (rainfall, tide, wind), got shape {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{func}: x must be finite, got {x}")
    return x


def _row(w, func, arg):
    w = _validate.float_array(w, func, arg)
    if w.shape != (3,):
        raise ValueError(f"{func}: {arg} must have shape (3,), one weight per feature, got shape {w.shape}")
    return w


def augment(x):
    """``x`` with a 1 appended to each storm, so that the bias is one more weight: (..., 4)."""
    x = _features(x, "augment")
    ones = np.ones(x.shape[:-1] + (1,), dtype=x.dtype)  # (..., 1)
    return np.concatenate([x, ones], axis=-1)  # (..., 4)


def linear(x, W, b):
    """A plain linear layer ``x . W + b``: one number per storm."""
    x = _features(x, "linear")
    W = _row(W, "linear", "W")
    b = _validate.real_scalar(b, "linear", "b")
    return x @ W + b  # (n,) or ()


def pump(x, W=None, b=None, V=None, c=None, activation="sigmoid", beta=1.0):
    """The GLU neuron on one storm (x of shape (3,)) or many ((n, 3)).

    Missing weights are the story's. Returns a dict of float arrays (or numbers, for one
    storm): ``severity``, ``gate_input``, ``opening`` (act(gate_input), also under ``gate``)
    and ``output``.
    """
    W = STORY["W"] if W is None else W
    b = STORY["b"] if b is None else b
    V = STORY["V"] if V is None else V
    c = STORY["c"] if c is None else c
    x = _features(x, "pump")
    _validate.choice(activation, ACTIVATIONS, "pump", "activation")
    severity = linear(x, W, b)  # (n,)
    gate_input = linear(x, V, c)  # (n,)
    opening = activate(gate_input, activation, beta)  # (n,)
    out = {
        "severity": severity,
        "gate_input": gate_input,
        "opening": opening,
        "gate": opening,  # the same array, for callers written before the course said "opening"
        "output": glu(severity, gate_input, activation, beta),  # (n,)
    }
    return {k: float(v) if np.ndim(v) == 0 else v for k, v in out.items()}


# ---- the data files ------------------------------------------------------------------------
def _read_csv(name):
    path = DATA / name
    if not path.exists():
        raise FileNotFoundError(f"glulib.typhoon: {path} is missing; it is committed with the course")
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def load_storms():
    """The three storms of the story (data/storms.csv): a list of dicts, x as a (3, 3) array."""
    rows = _read_csv("storms.csv")
    x = np.array([[float(r[k]) for k in FEATURES] for r in rows])  # (3, 3)
    return {"name": [r["storm"] for r in rows], "description": [r["description"] for r in rows], "x": x}


def load_history():
    """The storm history (data/typhoon_history.csv): x (n, 3), pumped (n,), and a train mask (n,)."""
    rows = _read_csv("typhoon_history.csv")
    x = np.array([[float(r[k]) for k in FEATURES] for r in rows])  # (n, 3)
    pumped = np.array([float(r["pumped"]) for r in rows])  # (n,)
    split = np.array([r["split"] for r in rows])
    bad = sorted(set(split) - {"train", "test"})
    if bad:
        raise ValueError(f"load_history: column split must be 'train' or 'test', found {bad}")
    return {"x": x, "pumped": pumped, "train": split == "train"}


# ---- how the history was made (data/make_typhoon_history.py calls this) ----------------------
#: The station's true rule in the simulated history: the story's weights.
TRUE = {"W": STORY["W"].copy(), "b": STORY["b"], "V": STORY["V"].copy(), "c": STORY["c"]}
#: Feature ranges of the simulated storms (uniform), and the noise on the pumped volume.
HISTORY_RANGES = {"rainfall": (0.0, 8.0), "tide": (-3.0, 4.0), "wind": (0.0, 5.0)}
HISTORY_NOISE = 0.15


def simulate_history(n, rng, test_fraction=0.2):
    """``n`` storms drawn from ``rng``: features, pumped volume and a train/test split.

    The features are uniform in HISTORY_RANGES; the pumped volume follows TRUE's GLU neuron
    (severity times the sigmoid pump fraction) plus Gaussian noise of HISTORY_NOISE.
    """
    n = int(n)
    if n < 10:
        raise ValueError(f"simulate_history: n must be at least 10 storms, got {n}")
    lo = np.array([HISTORY_RANGES[k][0] for k in FEATURES])  # (3,)
    hi = np.array([HISTORY_RANGES[k][1] for k in FEATURES])  # (3,)
    x = lo + (hi - lo) * rng.random((n, 3))  # (n, 3)
    x = np.round(x, 2)  # the file stores two decimals; the volume is computed from what is stored
    clean = pump(x, **TRUE)["output"]  # (n,)
    pumped = np.round(clean + HISTORY_NOISE * rng.standard_normal(n), 3)  # (n,)
    n_test = int(round(test_fraction * n))
    train = np.ones(n, dtype=bool)
    train[rng.choice(n, size=n_test, replace=False)] = False
    return {"x": x, "pumped": pumped, "train": train}


# ---- fitting by gradient descent -----------------------------------------------------------
def _mse(pred, y):
    return float(np.mean((pred - y) ** 2))


def fit(x, y, steps=3000, lr=0.01, record_every=25, x_test=None, y_test=None):
    """Fit the GLU neuron and a plain linear layer to ``y`` by full-batch gradient descent.

    Loss: mean squared error. The GLU's gradients come from ``glulib.glu_backward``; the
    linear layer's are the usual ``x.T @ residual``. Both start from zero weights.
    Returns the training history: ``step`` (k,), ``glu`` and ``linear`` parameter snapshots
    (dicts of arrays with a leading (k,) axis), and ``loss`` curves (train, and test when given).
    """
    func = "fit"
    x = _features(x, func)
    if x.ndim != 2:
        raise ValueError(f"{func}: x must have shape (n, 3), got shape {x.shape}")
    y = _validate.float_array(y, func, "y")
    if y.shape != (x.shape[0],):
        raise ValueError(f"{func}: y must have shape ({x.shape[0]},), one target per storm, got {y.shape}")
    steps = int(steps)
    record_every = int(record_every)
    if steps < 1 or record_every < 1:
        raise ValueError(f"{func}: steps and record_every must be positive, got {steps} and {record_every}")
    lr = _validate.real_scalar(lr, func, "lr")
    if lr <= 0:
        raise ValueError(f"{func}: lr must be positive, got {lr}")
    has_test = x_test is not None
    if (y_test is None) == has_test:
        raise ValueError(f"{func}: give x_test and y_test together, or neither")
    if has_test:
        x_test = _features(x_test, func)
        y_test = _validate.float_array(y_test, func, "y_test")
        if x_test.ndim != 2 or y_test.shape != (x_test.shape[0],):
            raise ValueError(f"{func}: x_test must be (m, 3) and y_test (m,), got {x_test.shape} and {y_test.shape}")

    n = x.shape[0]
    glu_p = {"W": np.zeros(3), "b": 0.0, "V": np.zeros(3), "c": 0.0}
    lin_p = {"W": np.zeros(3), "b": 0.0}
    hist = {"step": [], "glu": [], "linear": [], "loss": {"glu": [], "linear": [], "glu_test": [], "linear_test": []}}

    def check_finite(step, losses=()):
        values = [np.asarray(v) for p in (glu_p, lin_p) for v in p.values()] + [np.asarray(v) for v in losses]
        if not all(np.all(np.isfinite(v)) for v in values):
            raise FloatingPointError(
                f"{func}: gradient descent diverged at step {step} of {steps}: the weights or the loss grew "
                f"past what a float can hold. The learning rate lr = {lr:g} is too large for these storms; "
                f"try a smaller one (notebook 01 uses {FIT_SETTINGS['lr']:g})")

    def record(step):
        with np.errstate(over="ignore", invalid="ignore"):
            losses = [_mse(pump(x, **glu_p)["output"], y), _mse(linear(x, **lin_p), y)]
            if has_test:
                losses += [_mse(pump(x_test, **glu_p)["output"], y_test), _mse(linear(x_test, **lin_p), y_test)]
        check_finite(step, losses)
        hist["step"].append(step)
        hist["glu"].append({k: np.copy(v) for k, v in glu_p.items()})
        hist["linear"].append({k: np.copy(v) for k, v in lin_p.items()})
        for key, loss in zip(("glu", "linear", "glu_test", "linear_test"), losses):
            hist["loss"][key].append(loss)

    record(0)
    for step in range(1, steps + 1):
        check_finite(step - 1)  # a step from non-finite weights would only spread NaN
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught above, with its cause
            # GLU neuron: forward, then glulib's backward through the gated product
            value = x @ glu_p["W"] + glu_p["b"]  # (n,)
            gate = x @ glu_p["V"] + glu_p["c"]  # (n,)
            dout = 2.0 * (glu(value, gate) - y) / n  # (n,) d loss / d output
            dvalue, dgate = glu_backward(dout, value, gate)  # (n,), (n,)
            glu_p["W"] = glu_p["W"] - lr * (x.T @ dvalue)  # (3,)
            glu_p["b"] = glu_p["b"] - lr * float(dvalue.sum())
            glu_p["V"] = glu_p["V"] - lr * (x.T @ dgate)  # (3,)
            glu_p["c"] = glu_p["c"] - lr * float(dgate.sum())
            # plain linear layer
            dlin = 2.0 * (linear(x, **lin_p) - y) / n  # (n,)
            lin_p["W"] = lin_p["W"] - lr * (x.T @ dlin)  # (3,)
            lin_p["b"] = lin_p["b"] - lr * float(dlin.sum())
        if step % record_every == 0 or step == steps:
            record(step)

    out = {"step": np.array(hist["step"])}
    for model in ("glu", "linear"):
        snaps = hist[model]
        out[model] = {k: np.array([s[k] for s in snaps]) for k in snaps[0]}
    out["loss"] = {k: np.array(v) for k, v in hist["loss"].items() if v}
    return out


def snapshot(history, model, i):
    """The parameters of ``model`` ("glu" or "linear") at the i-th recorded step of ``history``."""
    params = history[model]
    return {k: (float(v[i]) if v.ndim == 1 else v[i]) for k, v in params.items()}


#: Gradient-descent settings of notebook 01's fit.
FIT_SETTINGS = {"steps": 4000, "lr": 0.02, "record_every": 40}


def fit_history(**settings):
    """Load data/typhoon_history.csv and fit both models on its training storms.

    Returns ``(data, history)``: the loaded file and ``fit``'s history with held-out losses.
    Settings default to FIT_SETTINGS.
    """
    data = load_history()
    train = data["train"]
    kwargs = {**FIT_SETTINGS, **settings}
    history = fit(data["x"][train], data["pumped"][train], x_test=data["x"][~train],
                  y_test=data["pumped"][~train], **kwargs)
    return data, history


def gate_profile(params, tide, rainfall, wind):
    """The pump fraction against ``tide`` at fixed rainfall and wind, for GLU parameters ``params``."""
    tide = np.asarray(tide, dtype=float)
    x = np.column_stack([np.full_like(tide, rainfall), tide, np.full_like(tide, wind)])  # (k, 3)
    return pump(x, **params)["gate"]
