"""Checkers of notebook 07 (the gate microscope): the best-unit exercise tells a flat argmax from
the unit, because the unit it asks for does not lie in layer 0."""

import numpy as np

from glulib.exercises import microscope as ex7


def test_the_best_unit_lies_past_layer_0():
    """Issue 22: with the best unit in layer 0, np.argmax's flat index equals the unit, and a learner who
    forgot np.unravel_index was told Right. Retraining the models must keep the asked-for unit past layer 0
    (else choose another class in BEST_UNIT_CLASS)."""
    s = ex7._scores("swiglu")[ex7.BEST_UNIT_CLASS]  # (n_layers, d_ff)
    flat = int(np.argmax(s))
    layer, unit = np.unravel_index(flat, s.shape)
    assert layer > 0 and flat != unit
    assert ex7.check_best_unit(int(layer), int(unit))
    for wrong in ((0, flat), (int(layer), flat), (0, int(unit))):
        feedback = ex7.check_best_unit(*wrong)
        assert not feedback, wrong
    assert "unravel_index" in ex7.check_best_unit(0, flat).message
