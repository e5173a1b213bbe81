"""Every exercise checker answers whatever a learner types in words, never raises, and never says
"Right" to a wrong answer: a generic driver over every checker of every exercise module.

The checkers are found automatically (every public ``check_*`` of every glulib.exercises module),
and so are their answers: each module's ``ANSWERS`` gives each of its checkers a right answer
(computed from first principles, never typed in) and the plausible wrong answers a learner makes
(a sign, a factor 2, rounding too early, a derivative wrong away from a few points, ...), and its
``CONTEXT`` names what the notebook passes. The right answer must get "Right", every wrong one
"Not yet", and every kind of hostile answer in every place words from a reader. A checker added
later is fed all of it, and a checker without answers fails the first test.
"""

import importlib
import inspect
import math
import pkgutil
import re
import signal
import sys
import threading
import time

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import glulib.exercises
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


def _exits(*args):
    sys.exit()


class LearnersOwn(BaseException):
    """A BaseException that is not an Exception, as a learner might define one."""


def _raises_base_exception(*args):
    raise LearnersOwn("stop everything")


HOSTILE_FUNCTIONS = [_raises, _recurses, _returns_none, _returns_text, _returns_nan, _returns_nan_pair,
                     _returns_inputs, _wrong_shape, _huge, _scalar, _writes_nan, _zeroes_inputs, _complex,
                     _exits, _raises_base_exception]

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


# ---- the right answer and plausible wrong answers of every checker, from its own module -----------

MODULES = {m.name: importlib.import_module(f"glulib.exercises.{m.name}")
           for m in pkgutil.iter_modules(glulib.exercises.__path__) if not m.name.startswith("_")}
CASES = {f"{m}.{name}": make for m, module in MODULES.items() for name, make in getattr(module, "ANSWERS", {}).items()}
#: What the notebook passes rather than the learner (never replaced by a hostile answer).
CONTEXT = {f"{m}.{name}": set(args) for m, module in MODULES.items()
           for name, args in getattr(module, "CONTEXT", {}).items()}

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
    assert not missing, f"add the right and plausible wrong answers of {missing} to its module's ANSWERS"
    unknown = sorted(set(CASES) - set(CHECKERS))
    assert not unknown, f"ANSWERS name checkers that do not exist: {unknown}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_answers_name_the_checkers_arguments(name):
    right, wrong = case(name)
    params = set(inspect.signature(CHECKERS[name]).parameters)
    assert set(right) <= params and all(set(w) <= params for w in wrong.values()), name
    assert CONTEXT.get(name, set()) <= params, name


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


# ---- a learner's function that never returns, ends the program, or is stopped ---------------------

def _loops_forever(*args):
    while True:
        pass


def _loops_forever_swallowing(*args):
    while True:
        try:
            time.sleep(0.001)
        except Exception:  # noqa: BLE001, S112 - a learner's catch-all must not catch the time limit
            continue


#: Every checker that calls a learner's function, and the argument that holds it.
FUNCTION_SLOTS = sorted((name, slot) for name in CASES for slot, value in case(name)[0].items()
                        if callable(value) and slot not in CONTEXT.get(name, set()))


def test_the_checkers_that_call_a_function_are_all_found():
    assert {n for n, _ in FUNCTION_SLOTS} >= {"backward.check_backward", "ffn.check_ffn_swiglu", "ffn.check_split",
                                              "kernels.check_reglu_kernel", "float32.check_two_sum"}


def _with(name, slot, fn):
    return {**case(name)[0], slot: fn}


def _like(right, fn):
    """``fn`` compiled with Numba where the right answer is compiled (its compiled form is never run)."""
    return numba.njit(fn) if type(right).__module__.startswith("numba") else fn


@pytest.mark.parametrize("name, slot", FUNCTION_SLOTS)
def test_a_function_that_never_returns_is_stopped(name, slot, monkeypatch):
    monkeypatch.setattr(fb, "TIME_LIMIT_S", 0.5)
    right = case(name)[0][slot]
    for fn in (_loops_forever, _loops_forever_swallowing):
        start = time.monotonic()
        feedback = call(name, _with(name, slot, _like(right, fn)))
        assert time.monotonic() - start < 30, f"{name}: the time limit did not stop {fn.__name__}"
        assert_not_right(feedback, f"{name}({slot}={fn.__name__})")
        assert "did not finish within the 0.5 s" in feedback.message, feedback.message
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0, "the checker left its timer running"
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None), "the checker left its SIGALRM handler"
    assert call(name, case(name)[0]), f"{name}: the right answer after a stopped one"


@pytest.mark.parametrize("name, slot", FUNCTION_SLOTS[:1] + [s for s in FUNCTION_SLOTS if "reglu" in s[0]])
def test_the_time_limit_works_outside_the_main_thread_and_beside_another_timer(name, slot, monkeypatch):
    """Off the main thread (or with someone else's SIGALRM timer running) the limit is a trace function."""
    monkeypatch.setattr(fb, "TIME_LIMIT_S", 0.5)
    right = case(name)[0][slot]
    out = []
    worker = threading.Thread(target=lambda: out.append(call(name, _with(name, slot, _like(right, _loops_forever)))),
                              daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive() and out and "did not finish" in out[0].message
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 100.0)
        feedback = call(name, _with(name, slot, _like(right, _loops_forever)))
        assert "did not finish" in feedback.message
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 0 < left < 100 and not fired, "the other timer must keep running, untouched"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _exits_in_a_loop(*args):  # a loop, as the kernel exercise asks for one before it calls the function
    for _ in range(2):
        sys.exit()


def _raises_base_exception_in_a_loop(*args):
    for _ in range(2):
        raise LearnersOwn("stop everything")


@pytest.mark.parametrize("name, slot", FUNCTION_SLOTS)
@pytest.mark.parametrize("fn, words", [(_exits_in_a_loop, "SystemExit"), (_raises_base_exception_in_a_loop, "LearnersOwn")])
def test_sys_exit_and_base_exceptions_are_answered(name, slot, fn, words):
    feedback = call(name, _with(name, slot, _like(case(name)[0][slot], fn)))
    assert_not_right(feedback, f"{name}({slot}={fn.__name__})")
    assert words in feedback.message, feedback.message


@pytest.mark.parametrize("name, slot", FUNCTION_SLOTS)
def test_the_stop_button_inside_the_learners_function_gets_an_answer(name, slot):
    """KeyboardInterrupt while the learner's function runs: "you stopped it", not a traceback."""
    def stopped(*args):
        for _ in range(2):
            raise KeyboardInterrupt

    feedback = call(name, _with(name, slot, _like(case(name)[0][slot], stopped)))
    assert_not_right(feedback, name)
    assert "you stopped" in feedback.message, feedback.message


def test_the_stop_button_outside_the_learners_function_stops_the_cell():
    @fb.checker
    def check_slow(answer):
        raise KeyboardInterrupt  # as if pressed while the checker computed its own answer

    with pytest.raises(KeyboardInterrupt):
        check_slow(1.0)


def test_a_compiled_loop_is_first_run_as_python():
    """A Numba loop that never ends is stopped in its Python version, never started compiled."""
    calls = []

    def fn(value, gate, out):
        calls.append(1)  # only the Python version can do this

    compiled = numba.njit(fn)
    assert fb._python_version(compiled) is fn and fb._python_version(fn) is None
    with pytest.raises(fb.NotAnAnswer):
        fb.call(compiled, {"value": np.zeros(2), "gate": np.zeros(2), "out": np.zeros(2)})  # fails to compile
    assert calls == [1]
