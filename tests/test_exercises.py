"""Every exercise checker, called before the learner has answered, asks for an answer."""

import importlib
import inspect
import pkgutil

import pytest

import glulib.exercises
from glulib.exercises import Feedback

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
