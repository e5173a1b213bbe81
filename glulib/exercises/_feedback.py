"""How an exercise checker answers: in words, never with a traceback, never "Right" to a wrong answer.

A learner can type anything into an exercise cell: ``None``, text, ``True``, ``nan``, ``10**400``,
an array where one number is expected, a function that raises or changes its inputs. Every
checker answers each of these with a sentence, and says "Right" only when every test passed.

How to write a checker
----------------------
::

    from ._feedback import Feedback, checker, close, number

    @checker
    def check_opening(opening):
        \"\"\"Exercise 2: the opening of the pumps for storm A.\"\"\"
        g = number(opening, "opening")                # words for None, text, NaN, inf, arrays, ...
        want = float(typhoon.pump(STORM)["opening"])  # computed from glulib, never typed in
        if close(g, 1 - want):                        # a typical mistake gets its own hint
            return Feedback(False, "that is the closed part; the opening is sigmoid(gate input).")
        if not close(g, want):
            return Feedback(False, f"the opening is sigmoid(gate input), not {g:g}.")
        return Feedback(True, f"{want:.3f}: ...what the right answer means...")

1. Decorate it with ``@checker``. Any exception inside becomes a "Not yet." naming what went
   wrong; numpy warnings are silenced while it runs.
2. Read every answer through a reader: ``number``, ``integer``, ``numbers`` (a flat list),
   ``array`` (a fixed shape), ``text``, ``choice`` (one of some names), ``choices`` (a set of
   names, given as a list), ``ordered`` (a list of names whose order matters). A reader returns
   a clean Python value or raises ``NotAnAnswer`` with words for the learner (``None`` ->
   "replace `None` ...", NaN, inf, text, bools, complex numbers, integers too large for a float,
   arrays where one number is expected, lists of the wrong length, text where a list is
   expected); ``@checker`` turns it into the answer. Read the answers before any slow
   work, so a wrong form is answered at once.
3. A learner's function: compute what is expected from your own inputs FIRST, then call it with
   ``call(fn, {"value": value, "gate": gate})``: it gets copies, so it cannot change what you
   compare with, and changing an input (other than those in ``writes``) is reported. Read what
   it returned with ``result_array(result, shape, "...")``, then compare on EVERY point with
   ``worst(got, want)`` and report the worst point it names. ``call`` also keeps the learner's
   function from hanging the checker or ending the program (see "Time limit" below).
4. Compare numbers with ``close`` and arrays with ``worst``: both count NaN as wrong. Never write
   ``if err > tol: <wrong>`` (NaN > tol is False, so NaN would pass); write ``if not err <= tol``.
5. Return ``Feedback(True, ...)`` once, at the end, after every test. Echo a learner's value with
   ``shown(x)`` (short, even for a 400-digit integer) or a parsed float with ``:g``.
6. Beside the checker, in the same module, write how to make its right answer and its plausible
   wrong answers (a sign, a factor 2, rounding too early, ...) and list it in the module's
   ``ANSWERS`` (checker name -> a function returning ``(right, wrong)``: the right answer as
   keyword arguments, and a dict from a label to the arguments a wrong answer changes). Compute
   the right answer from first principles, not by calling what the checker calls. Name the
   arguments the notebook passes rather than the learner in the module's ``CONTEXT``.
   tests/test_exercises_hostile.py finds every ``check_*`` and every ``ANSWERS`` on its own: the
   right answer must get "Right", every wrong one "Not yet", and every kind of hostile answer in
   every place a reader's words, not @checker's last-resort sentence.
7. Reference data the module hands out (a storm, a unit's weights, a memory budget) is made with
   ``frozen``: arrays that cannot be written, mappings that cannot be changed. A learner who
   binds ``x = ex.SOMETHING`` and edits ``x`` gets an error at once instead of a checker that
   now calls a wrong answer right.

Time limit, and what a learner's function cannot do to a checker
-----------------------------------------------------------------
A learner's function may loop forever. The calls one checker makes to it get ``TIME_LIMIT_S``
seconds in all (30, generous: every exercise's input is small); past that the checker stops the
function and answers that it did not finish. In the kernel's main thread on Linux and macOS the
stop is a SIGALRM timer (``signal.setitimer``), which interrupts a Python loop between two
bytecodes at no cost to its speed; in another thread, or on Windows, a trace function
(``sys.settrace``) looks at the clock on every line the function runs, which slows it but works
everywhere. Neither can stop a loop compiled with Numba, which never returns to Python until it
ends, so a compiled function is first run as Python (``fn.py_func``) under the limit: a loop that
never ends is found there, and only a function that finishes is then compiled and run, without a
limit (compiling takes a second or more, and is not the learner's loop). If the Python version
raises (it uses something only Numba provides), the compiled function runs without a limit.

``sys.exit()``, ``raise SystemExit`` or any other ``BaseException`` raised inside the learner's
function is answered in words like any error; it never ends the kernel. The stop button
(KeyboardInterrupt) is the one choice to make: pressed while the learner's function runs, it
most likely means "this hangs", so the checker answers that the function was stopped after so
many seconds, and returns (the cell ends, with an answer instead of a traceback). Pressed while
the checker does its own work (the first call of some checkers trains or records a model), it
stops the cell as it stops any Python code.
"""

import contextvars
import copy
import functools
import itertools
import math
import numbers as _numbers
import signal
import sys
import threading
import time
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

#: What a checker says when an answer is still the ``None`` of the exercise cell.
UNANSWERED = "replace `None` with your answer, then run the cell again."
#: Seconds the calls one checker makes to a learner's function may take in all, before it
#: answers that the function did not finish. Tests may lower it.
TIME_LIMIT_S = 30.0


class ReadOnlyDict(Mapping):
    """A mapping that cannot be changed (no item assignment, no update); it prints as a dict."""

    __slots__ = ("_data",)

    def __init__(self, data=()):
        object.__setattr__(self, "_data", MappingProxyType(dict(data)))

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __repr__(self):
        return repr(dict(self._data))

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} cannot be changed")

    def __or__(self, other):
        return {**self, **other}

    def __ror__(self, other):
        return {**other, **self}

    def __reduce__(self):
        return type(self), (dict(self._data),)


def frozen(data):
    """A read-only copy of reference data: arrays that cannot be written (nor made writeable
    again), mappings that cannot be changed, lists as tuples, sets as frozensets; other values
    as they are."""
    if isinstance(data, np.ndarray):
        a = np.ascontiguousarray(data)
        return np.frombuffer(a.tobytes(), dtype=a.dtype).reshape(a.shape)  # memory owned by bytes: read-only
    if isinstance(data, Mapping):
        return ReadOnlyDict({k: frozen(v) for k, v in data.items()})
    if isinstance(data, (list, tuple)):
        return tuple(frozen(v) for v in data)
    if isinstance(data, (set, frozenset)):
        return frozenset(data)
    return data


class Feedback:
    """Whether an answer is right, and why. Truthy when right; shows as Markdown."""

    def __init__(self, ok, message):
        self.ok = bool(ok)
        self.message = message

    def __bool__(self):
        return self.ok

    def __str__(self):
        return ("Right. " if self.ok else "Not yet. ") + self.message

    def __repr__(self):
        return f"Feedback(ok={self.ok}, message={self.message!r})"

    def _repr_markdown_(self):
        mark = "**Right.**" if self.ok else "**Not yet.**"
        return f"{mark} {self.message}"


class NotAnAnswer(Exception):
    """An answer a checker cannot use; the message says why, in words for the learner."""


def checker(fn):
    """Decorate a ``check_*`` function: whatever happens inside, it returns a Feedback."""

    @functools.wraps(fn)
    def check(*args, **kwargs):
        token = _DEADLINE.set(time.monotonic() + TIME_LIMIT_S)  # the learner's calls share one limit
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                feedback = fn(*args, **kwargs)
        except NotAnAnswer as exc:
            return Feedback(False, str(exc))
        except (Exception, SystemExit, GeneratorExit, _OutOfTime) as exc:  # noqa: BLE001 - answered in words
            return Feedback(False, f"the checker could not use your answer ({type(exc).__name__}: "
                                   f"{_short(exc)}). Check that each answer has the form the exercise "
                                   "asks for: a number, a list, a name in quotes or a function.")
        except KeyboardInterrupt:  # the stop button, outside the learner's function: stop, as Python does
            raise
        except BaseException as exc:  # noqa: BLE001 - a learner's own BaseException subclass, raised by an answer
            return Feedback(False, f"the checker could not use your answer: it raised {type(exc).__name__}.")
        finally:
            _DEADLINE.reset(token)
        if not isinstance(feedback, Feedback):
            return Feedback(False, f"the checker gave no verdict (it returned {shown(feedback)}).")
        return feedback

    return check


def _short(exc, limit=160):
    try:
        s = str(exc)
    except Exception:  # noqa: BLE001 - an exception whose message itself fails
        s = ""
    s = s.strip().splitlines()[0] if s.strip() else "no message"
    return s if len(s) <= limit else s[: limit - 3] + "..."


def shown(x, limit=60):
    """A short description of a learner's value, safe for any object (a 400-digit integer too)."""
    if isinstance(x, np.ndarray) and x.size > 6:
        return f"an array of shape {x.shape} ({x.dtype})"
    if callable(x) and not isinstance(x, (np.ndarray, np.generic)):
        fname = str(getattr(x, "__name__", type(x).__name__))
        return "a lambda function" if fname.startswith("<") else f"the function {fname}"  # no <...>: Markdown hides it
    if isinstance(x, int) and not isinstance(x, bool) and x.bit_length() > 200:
        return f"a whole number with about {int(x.bit_length() * math.log10(2)) + 1} digits"
    try:
        s = repr(x)
    except Exception:  # noqa: BLE001 - a learner's object whose repr fails
        return f"a {type(x).__name__}"
    if s.startswith("<") and " at 0x" in s:  # the default repr says nothing more than the type
        kind = type(x).__name__
        return "an object" if kind == "object" else f"{'an' if kind[0] in 'aeiouAEIOU' else 'a'} {kind} object"
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _what(x):
    """What kind of thing ``x`` is, for a sentence: 'the text 'abc'', 'a list of 3 items', ..."""
    if x is None:
        return "None"
    if isinstance(x, (bool, np.bool_)):
        return f"{bool(x)} (a yes/no value)"
    if isinstance(x, (str, bytes)):
        return f"the text {shown(x)}"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of {len(x)} item{'s' * (len(x) != 1)}"
    if isinstance(x, (dict, set, frozenset)):
        return f"a {type(x).__name__} ({shown(x)})"
    if callable(x):
        return shown(x)
    s = shown(x)
    plain = s.endswith(" object") or s in (f"a {type(x).__name__}", "an object")
    return s if plain else f"{s} (of type {type(x).__name__})"


def _unanswered(name):
    return NotAnAnswer(f"{name} is None: {UNANSWERED}" if name != "your answer" else UNANSWERED)


def number(answer, name="your answer"):
    """The learner's answer as one finite float, or NotAnAnswer with words.

    Takes ints, floats, NumPy scalars, 0-d arrays, and a list or 1-d array of exactly one number.
    """
    if answer is None:
        raise _unanswered(name)
    if isinstance(answer, (bool, np.bool_)):
        raise NotAnAnswer(f"{name} is {answer}, a yes/no value; give a number.")
    if isinstance(answer, (str, bytes)):
        raise NotAnAnswer(f"{name} is the text {shown(answer)}; write the number itself, without quotes.")
    real = (_numbers.Real, np.floating, np.integer)
    if isinstance(answer, (_numbers.Complex, np.complexfloating)) and not isinstance(answer, real):
        raise NotAnAnswer(f"{name} is the complex number {shown(answer)}; give a real number.")
    if isinstance(answer, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(answer, dtype=object)
        except Exception:  # noqa: BLE001 - ragged nesting
            raise NotAnAnswer(f"give one number; {name} is {_what(answer)}.") from None
        if arr.size != 1:
            held = "" if arr.ndim == 1 else f", {arr.size} numbers in all"
            raise NotAnAnswer(f"give one number; {name} is {_what(answer)}{held}.")
        if arr.ndim > 1:
            raise NotAnAnswer(f"give one number; {name} is {_what(answer)}, nested {arr.ndim} deep: take the "
                              "number out of it (x.item() for an array).")
        return number(arr.reshape(-1)[0], name)
    if not isinstance(answer, (_numbers.Number, np.number)):
        raise NotAnAnswer(f"give a number; {name} is {_what(answer)}.")
    try:
        x = float(answer)
    except OverflowError:
        raise NotAnAnswer(f"{name} is {shown(answer)}: too large to be a float, and far from the answer.") from None
    except Exception:  # noqa: BLE001 - a Real that will not become a float
        raise NotAnAnswer(f"give a number; {name} is {_what(answer)}.") from None
    if math.isnan(x):
        raise NotAnAnswer(f"{name} is NaN (not a number): something upstream divided 0 by 0 or took "
                          "inf - inf; give a finite number.")
    if math.isinf(x):
        raise NotAnAnswer(f"{name} is {x}: give a finite number (an overflow somewhere?).")
    return x


def integer(answer, name="your answer"):
    """The learner's answer as an exact Python int (whole floats such as 2048.0 are taken)."""
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, (bool, np.bool_)):
        if int(answer).bit_length() > 300:  # some 90 digits: more than anything an exercise counts
            raise NotAnAnswer(f"{name} is {shown(answer)}: far larger than anything this exercise counts.")
        return int(answer)
    x = number(answer, name)
    if x != math.floor(x):
        raise NotAnAnswer(f"{name} = {x:g} is not a whole number; this answer counts something.")
    return int(x)


def _float_array(answer, name, finite=True):
    """A float64 array from a learner's list or array, or NotAnAnswer with words."""
    if answer is None:
        raise _unanswered(name)
    if isinstance(answer, (str, bytes)):
        raise NotAnAnswer(f"give a list of numbers, such as [1.5, -2.0]; {name} is the text {shown(answer)}.")
    if isinstance(answer, (dict, set, frozenset)) or callable(answer):
        raise NotAnAnswer(f"give a list of numbers, such as [1.5, -2.0]; {name} is {_what(answer)}.")
    if isinstance(answer, (bool, np.bool_, _numbers.Number, np.generic)):
        raise NotAnAnswer(f"give a list of numbers, such as [1.5, -2.0]; {name} is one value, {shown(answer)}.")
    if not isinstance(answer, np.ndarray):
        try:
            items = list(itertools.islice(iter(answer), 100_001))
        except TypeError:
            raise NotAnAnswer(f"give a list of numbers; {name} is {_what(answer)}.") from None
        if len(items) > 100_000:
            raise NotAnAnswer(f"{name} has more than 100,000 items; the answer is a short list.")
        answer = items
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(answer)
    except Exception:  # noqa: BLE001 - ragged nesting, or objects numpy cannot hold
        raise NotAnAnswer(f"{name} is not a rectangular list of numbers (rows of different lengths?).") from None
    kind = arr.dtype.kind
    if kind in "USa":
        raise NotAnAnswer(f"{name} contains text; give numbers without quotes.")
    if kind == "b":
        raise NotAnAnswer(f"{name} contains True/False values; give numbers.")
    if kind == "c":
        raise NotAnAnswer(f"{name} contains complex numbers; give real numbers.")
    if kind == "O":
        flat = [number(v, f"item {i} of {name}") for i, v in enumerate(arr.reshape(-1))]
        arr = np.array(flat, dtype=np.float64).reshape(arr.shape)
    elif kind in "iuf":
        arr = arr.astype(np.float64)
    else:
        raise NotAnAnswer(f"{name} holds {arr.dtype} values; give numbers.")
    if finite and not np.all(np.isfinite(arr)):
        i = int(np.flatnonzero(~np.isfinite(arr.reshape(-1)))[0])
        raise NotAnAnswer(f"item {i} of {name} is {arr.reshape(-1)[i]}; every number must be finite.")
    return arr


def numbers(answer, name="your answer", n=None):
    """A flat list of finite numbers as a float64 array of shape (n,) (any length when n is None)."""
    arr = _float_array(answer, name)
    if arr.ndim != 1:
        squeezed = arr.squeeze()
        if squeezed.ndim > 1:
            raise NotAnAnswer(f"give a flat list of numbers; {name} has shape {arr.shape}.")
        arr = squeezed.reshape(-1)
    if n is not None and arr.size != n:
        raise NotAnAnswer(f"give {n} number{'s' * (n != 1)}; {name} has {arr.size}.")
    return arr


def array(answer, shape, name="your answer"):
    """A float64 array of exactly ``shape``, every entry finite."""
    arr = _float_array(answer, name)
    if arr.shape != tuple(shape):
        raise NotAnAnswer(f"{name} must have shape {tuple(shape)}; it has shape {arr.shape}.")
    return arr


def text(answer, name="your answer"):
    """The learner's answer as stripped text (a name in quotes), or NotAnAnswer with words."""
    if answer is None:
        raise _unanswered(name)
    if not isinstance(answer, str):
        raise NotAnAnswer(f"answer with a name in quotes, such as 'swiglu'; {name} is {_what(answer)}.")
    return answer.strip()


def choice(answer, options, name="your answer"):
    """One of ``options`` (case and spaces around it ignored), returned as spelt in ``options``."""
    options = list(options)
    listed = ", ".join(repr(o) for o in options)
    if answer is None:
        raise _unanswered(name)
    if not isinstance(answer, str):
        raise NotAnAnswer(f"answer with one of {listed} (in quotes); {name} is {_what(answer)}.")
    key = answer.strip().lower()
    for o in options:
        if o.lower() == key:
            return o
    raise NotAnAnswer(f"{shown(answer)} is not one of {listed}.")


def ordered(answer, options, name="your answer"):
    """A list of names from ``options`` in the learner's order (a set or dict has none: words)."""
    options = list(options)
    example = f"[{options[0]!r}, {options[-1]!r}]"
    if answer is None:
        raise _unanswered(name)
    if isinstance(answer, (str, bytes)):
        raise NotAnAnswer(f"give a list of names in square brackets, such as {example}; {name} is the text "
                          f"{shown(answer)}, not a list.")
    if isinstance(answer, (set, frozenset, dict)):
        raise NotAnAnswer(f"give a list in square brackets, such as {example}: {name} is "
                          f"{'a set' if not isinstance(answer, dict) else 'a dict'}, which has no order.")
    if not isinstance(answer, (list, tuple, np.ndarray)):
        raise NotAnAnswer(f"give a list of names in square brackets, such as {example}; {name} is {_what(answer)}.")
    items = list(np.asarray(answer, dtype=object).reshape(-1)) if isinstance(answer, np.ndarray) else list(answer)
    return [choice(a, options, f"item {i} of {name}") for i, a in enumerate(items)]


def choices(answer, options, name="your answer"):
    """A set of names from ``options`` given as a list (an empty list is an answer too)."""
    options = list(options)
    if isinstance(answer, (set, frozenset)):  # order does not matter here
        answer = sorted(answer, key=repr)
    return set(ordered(answer, options, name))


def close(answer, expected, rtol=1e-3, atol=1e-6):
    """True when a learner's number is within ``atol + rtol |expected|`` of the computed one.

    Never raises; anything that is not one finite number (NaN, inf, text, None, ...) is not close.
    """
    try:
        x = number(answer)
    except NotAnAnswer:
        return False
    return bool(abs(x - float(expected)) <= atol + rtol * abs(float(expected)))


def _same(a, b):
    """True when a learner's copy ``b`` still holds what ``a`` held."""
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False


class _OutOfTime(BaseException):
    """Raised into a learner's function when its time is up (a BaseException, so that the
    learner's own ``except Exception`` cannot swallow it)."""


#: When the learner's calls inside the running checker must have finished (time.monotonic()).
_DEADLINE = contextvars.ContextVar("deadline", default=None)


def _with_alarm(fn, args, seconds):
    """fn(*args), interrupted by SIGALRM after ``seconds`` (main thread, POSIX only)."""
    def alarm(signum, frame):
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


def _with_trace(fn, args, seconds):
    """fn(*args), stopped by a trace function that looks at the clock on every line (any thread, any OS)."""
    deadline = time.monotonic() + seconds
    previous = sys.gettrace()

    def trace(frame, event, arg):
        if time.monotonic() > deadline:
            raise _OutOfTime
        return trace

    sys.settrace(trace)
    try:
        return fn(*args)
    finally:
        sys.settrace(previous)


def _limited(fn, args, seconds):
    """fn(*args) with a time limit: a SIGALRM timer where one can be set and no other is running,
    else a trace function."""
    if seconds <= 0:
        raise _OutOfTime
    if (threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
            and signal.getitimer(signal.ITIMER_REAL)[0] == 0):  # someone else's timer is left alone
        return _with_alarm(fn, args, seconds)
    return _with_trace(fn, args, seconds)


def _python_version(fn):
    """The Python function behind a Numba-compiled one (its ``py_func``), else None."""
    py = getattr(fn, "py_func", None)
    return py if type(fn).__module__.startswith("numba") and callable(py) else None


def call(fn, inputs, name="your function", writes=()):
    """Call a learner's ``fn(*inputs.values())`` on copies; return (result, the copies as a dict).

    NotAnAnswer (with words) when ``fn`` is not a function, raises (anything, ``SystemExit``
    included), is stopped with the stop button, has not returned within the checker's time limit
    (TIME_LIMIT_S for all its calls in one checker), or changes an input whose name is not in
    ``writes`` (an output buffer such as ``out``). A Numba-compiled ``fn`` is first run as Python
    under the limit, since a compiled loop cannot be interrupted.
    """
    if fn is None:
        raise _unanswered(name)
    if not callable(fn):
        raise NotAnAnswer(f"{name} must be a function (written with def); it is {_what(fn)}.")
    deadline = _DEADLINE.get()
    deadline = time.monotonic() + TIME_LIMIT_S if deadline is None else deadline
    python = _python_version(fn)
    tries = ([(python, True)] if python is not None else []) + [(fn, False)]
    for run, rehearsal in tries:
        copies = {k: copy.deepcopy(v) for k, v in inputs.items()}
        start = time.monotonic()
        try:
            if python is not None and not rehearsal:  # it finished as Python; compiling is not its time,
                result = run(*copies.values())  # and a compiled loop could not be stopped anyway
            else:
                result = _limited(run, tuple(copies.values()), deadline - start)
        except _OutOfTime:
            how = " (run as Python: a compiled loop cannot be stopped)" if rehearsal else ""
            raise NotAnAnswer(f"{name} did not finish within the {TIME_LIMIT_S:g} s this check gives it{how}. "
                              "Does a loop never end (a `while` whose condition never changes)?") from None
        except KeyboardInterrupt:  # the stop button while the learner's function ran: answer, do not raise
            raise NotAnAnswer(f"you stopped {name} after {time.monotonic() - start:.1f} s, before it returned. "
                              "If it never finishes, look for a loop whose condition never changes.") from None
        except (SystemExit, GeneratorExit) as exc:
            raise NotAnAnswer(f"calling {name} raised {type(exc).__name__}: sys.exit() and exit() end the whole "
                              "program; `return` the result instead.") from None
        except Exception as exc:  # noqa: BLE001 - the learner's code: report, never raise
            if rehearsal:  # its Python version may fail where the compiled one works (Numba-only features)
                continue
            raise NotAnAnswer(f"calling {name} raised {type(exc).__name__}: {_short(exc)}") from None
        except BaseException as exc:  # noqa: BLE001 - the learner's own BaseException subclass
            raise NotAnAnswer(f"calling {name} raised {type(exc).__name__}, which is not an error a function "
                              "should raise; `return` the result instead.") from None
    changed = [k for k in inputs if k not in writes and not _same(inputs[k], copies[k])]
    if changed:
        raise NotAnAnswer(f"{name} changed its input {', '.join(changed)}; compute into new arrays "
                          "and leave the inputs as they were (the caller still needs them).")
    return result, copies


def result_array(result, shape, name="your function's result"):
    """A learner's returned array as float64 of exactly ``shape`` (NaN and inf kept for ``worst``)."""
    if result is None:
        raise NotAnAnswer(f"{name} is None: did the function forget to `return` it?")
    arr = _float_array(result, name, finite=False)
    if arr.shape != tuple(shape):
        raise NotAnAnswer(f"{name} must have shape {tuple(shape)}; it has shape {arr.shape}.")
    return arr


class Comparison(NamedTuple):
    """The outcome of ``worst``: ok, the worst point (index, got, want, |got - want|), and how
    many points are wrong."""

    ok: bool
    index: tuple
    got: float
    want: float
    err: float
    n_wrong: int = 0


def worst(got, want, rtol=1e-7, atol=1e-12):
    """Compare two arrays of the same shape at EVERY point; NaN where a number is wanted is wrong.

    A point passes when got == want (same inf, or NaN where NaN is wanted) or
    |got - want| <= atol + rtol |want|. Returns a Comparison naming the worst point (the largest
    error relative to its tolerance, any wrong NaN or inf first).
    """
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    with np.errstate(all="ignore"):  # inf - inf is NaN here, and NaN counts as wrong below
        diff = np.abs(got - want)
        tol = atol + rtol * np.abs(np.where(np.isfinite(want), want, 0.0))
        same = (got == want) | (np.isnan(got) & np.isnan(want))
        bad = ~(same | (diff <= tol))
    if not got.size:
        return Comparison(True, (), 0.0, 0.0, 0.0)
    if not bad.any():
        i = np.unravel_index(int(np.argmax(np.where(same, 0.0, diff))), got.shape)
    else:
        with np.errstate(all="ignore"):
            score = np.where(bad, np.where(np.isfinite(diff), diff / np.maximum(tol, 1e-300), np.inf), -1.0)
        i = np.unravel_index(int(np.argmax(score)), got.shape)
    return Comparison(not bad.any(), tuple(int(k) for k in i), float(got[i]), float(want[i]),
                      float(diff[i]) if not same[i] else 0.0, int(bad.sum()))
