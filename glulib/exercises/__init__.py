"""Checkers for the exercises, one module per notebook.

    from glulib.exercises import typhoon as ex
    ex.check_gate_value(0.82)

Each checker returns a Feedback that says what is right or wrong in the answer; it shows
as Markdown in a notebook and is truthy when the answer is right. Whatever a learner types
(None, text, NaN, a huge integer, a function that raises, calls sys.exit() or never returns), a
checker answers in words and never raises; a learner's function gets 30 seconds in all
(``_feedback.TIME_LIMIT_S``) before the checker says it did not finish. The numbers an exercise
hands out (``ex.MEMORY_CASE``, ``ex.ZERO_UNIT``, ...) are read-only: copy one to change it. How
to write a checker is in ``glulib/exercises/_feedback.py``. Worked solutions sit in
a collapsed "Solution" block under each exercise, for the learner to open on purpose.
"""

from ._feedback import Feedback

__all__ = ["Feedback"]
