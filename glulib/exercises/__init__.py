"""Checkers for the exercises, one module per notebook.

    from glulib.exercises import typhoon as ex
    ex.check_gate_value(0.82)

Each checker returns a Feedback that says what is right or wrong in the answer; it shows
as Markdown in a notebook and is truthy when the answer is right. Whatever a learner types
(None, text, NaN, a huge integer, a function that raises), a checker answers in words and
never raises; how to write one is in ``glulib/exercises/_feedback.py``. Worked solutions sit in
a collapsed "Solution" block under each exercise, for the learner to open on purpose.
"""

from ._feedback import Feedback

__all__ = ["Feedback"]
