"""Every exercise checker, called before the learner has answered, asks for an answer; and the
reference data the course hands a learner (the story, the variants, an exercise's numbers) is
read-only, so that a learner's edit fails at once instead of reaching a checker."""

import importlib
import inspect
import pkgutil
from collections.abc import Mapping

import numpy as np
import pytest

import glulib
import glulib.exercises
from glulib import costs, feedforward, typhoon, zoo
from glulib.exercises import Feedback
from glulib.exercises import _feedback as fb
from glulib.exercises import kernels as ex08
from glulib.exercises import typhoon as ex00
from glulib.exercises import zoo as ex02

CHECKERS = [
    (f"{m.name}.{name}", fn)
    for m in pkgutil.iter_modules(glulib.exercises.__path__) if not m.name.startswith("_")
    for name, fn in inspect.getmembers(importlib.import_module(f"glulib.exercises.{m.name}"), inspect.isfunction)
    if name.startswith("check_")
]


def test_every_notebook_has_checkers():
    modules = {name.split(".")[0] for name, _ in CHECKERS}
    assert len(modules) >= 8 and len(CHECKERS) >= 20


CONTEXT = {"result", "results", "vocab_size", "mode"}  # what the notebook passes, not the learner's answer
ANSWER_ONLY = [(n, c) for n, c in CHECKERS if not CONTEXT & set(inspect.signature(c).parameters)]


@pytest.mark.parametrize("name, checker", ANSWER_ONLY, ids=[n for n, _ in ANSWER_ONLY])
def test_unanswered_exercise_asks_for_an_answer(name, checker):
    required = [p for p in inspect.signature(checker).parameters.values()
                if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
    feedback = checker(*[None] * len(required))
    assert isinstance(feedback, Feedback) and not feedback
    assert "None" in feedback.message, feedback.message


# ---- reference data a learner is handed cannot be changed, so no edit reaches a checker -----------

MODULES = {m.name: importlib.import_module(f"glulib.exercises.{m.name}")
           for m in pkgutil.iter_modules(glulib.exercises.__path__) if not m.name.startswith("_")}


def _assert_read_only(value, where):
    """Arrays not writeable (nor made writeable again), mappings not changeable, no lists or sets."""
    if isinstance(value, np.ndarray):
        assert not value.flags.writeable, f"{where} is a writeable array"
        with pytest.raises(ValueError):
            value.setflags(write=True)
    elif isinstance(value, (dict, list, set, bytearray)):
        raise AssertionError(f"{where} is a {type(value).__name__}, which a learner can change: use frozen()")
    elif isinstance(value, Mapping):
        with pytest.raises(TypeError):
            value["a new key"] = 1  # type: ignore[index]
        for k, v in value.items():
            _assert_read_only(v, f"{where}[{k!r}]")
    elif isinstance(value, tuple):
        for i, v in enumerate(value):
            _assert_read_only(v, f"{where}[{i}]")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_constant_an_exercise_module_hands_out_is_read_only(module):
    names = [n for n in vars(MODULES[module]) if n.isupper()]
    for name in names:
        _assert_read_only(getattr(MODULES[module], name), f"glulib.exercises.{module}.{name}")


@pytest.mark.parametrize("where, value", [
    ("typhoon.STORY", typhoon.STORY), ("typhoon.FEATURE_RANGES", typhoon.FEATURE_RANGES),
    ("glulib.VARIANTS", glulib.VARIANTS), ("glulib.BASELINES", glulib.BASELINES),
    ("feedforward.FFNS", feedforward.FFNS), ("feedforward.LABELS", feedforward.LABELS),
    ("costs.STRATEGIES", costs.STRATEGIES), ("zoo.CONVENTIONS", zoo.CONVENTIONS),
])
def test_the_courses_reference_data_is_read_only(where, value):
    _assert_read_only(value, where)


def test_a_learners_edit_of_the_story_fails_at_once_and_changes_no_verdict():
    x = typhoon.STORY["x"]
    bilinear = typhoon.pump(x.copy(), activation="identity")["output"]
    sigmoid = typhoon.pump(x.copy())["output"]
    for key in ("x", "W", "V"):
        with pytest.raises(ValueError, match="read-only"):
            typhoon.STORY[key][1] = 3.0
    with pytest.raises(TypeError):
        typhoon.STORY["x"] = np.array([5.0, 3.0, 3.0])
    assert typhoon.STORY["x"].tolist() == [5.0, 2.0, 3.0]
    assert ex00.check_bilinear_output(bilinear) and not ex00.check_bilinear_output(sigmoid)
    assert x.copy().flags.writeable, "a copy is the learner's own, to change at will"


def test_a_learners_edit_of_a_memory_case_or_the_variants_fails_at_once():
    right = [ex08.max_tokens(s) for s in ex08.MEMORY_STRATEGIES]
    with pytest.raises(TypeError):
        ex08.MEMORY_CASE["budget_gib"] = 80
    with pytest.raises(TypeError):
        glulib.VARIANTS["mine"] = "relu"
    assert ex08.check_max_tokens(*right)
    assert ex02.check_rank_at_point(ex02.ANSWERS["check_rank_at_point"]()[0]["order"])


def test_a_checker_keeps_its_own_copy_of_the_story():
    """Even a learner who rebinds the module's STORY does not move the checkers' answers."""
    right = ex00.ANSWERS["check_bilinear_output"]()[0]["output"]
    saved = typhoon.STORY
    try:
        typhoon.STORY = {**saved, "x": np.array([5.0, 3.0, 3.0])}
        assert ex00.check_bilinear_output(right)
    finally:
        typhoon.STORY = saved


def test_frozen_copies_and_freezes():
    a = np.arange(3.0)  # (3,)
    f = fb.frozen({"a": a, "l": [1, {"b": a}]})
    a[0] = 9.0
    assert f["a"].tolist() == [0.0, 1.0, 2.0] and isinstance(f["l"], tuple)
    _assert_read_only(f, "frozen")
