"""The answer a checker gives back."""


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


def close(answer, expected, rtol=1e-3, atol=1e-6):
    """True when a number the learner typed is close enough to the computed one."""
    try:
        answer = float(answer)
    except (TypeError, ValueError):
        return False
    return abs(answer - expected) <= atol + rtol * abs(expected)


def unanswered(*answers):
    """A Feedback asking for an answer when any of ``answers`` is still None, else None.

    Test the result with ``is not None``: the Feedback itself is falsy (the answer is not right).
    """
    if any(a is None for a in answers):
        return Feedback(False, "replace `None` with your answer, then run the cell again.")
    return None
