"""The FFN cost panel of notebook 05 (glulib.panels.ffn): every control driven by setting .value, extremes included;
readouts equal glulib's numbers; artists change; nothing is NaN."""

import numpy as np
import pytest

import glulib
from glulib import costs
from glulib.panels.ffn import baseline_d_ff, ffn_costs_panel


pytestmark = pytest.mark.usefixtures("ipympl_backend", "no_logged_callback_errors")


def _costs_check(p, readouts_shown):
    c = {k: p.controls[k].value for k in ("d_model", "d_ff", "variant", "tokens")}
    s = costs.summary(c["d_model"], c["d_ff"], c["variant"], c["tokens"])
    assert p.readouts["params"].value == f"{s['params']:,}"
    for k in ("flops_forward", "flops_backward", "flops_backward_recompute_from_x"):
        assert p.readouts[k].value.startswith(f"{s[k]:,} ")
    for strat in costs.STRATEGIES:
        assert p.readouts[f"memory_{strat}"].value.startswith(f"{s[f'memory_{strat}']:,} bytes")
    heights = [b.get_height() for b in p.fig.axes[1].patches[:3]]
    np.testing.assert_allclose(heights, [s[f"memory_{t}"] / 2 ** 20 for t in costs.STRATEGIES])
    readouts_shown(p)
    return s


def test_costs_every_control_and_extreme(readouts_shown):
    p = ffn_costs_panel()
    for variant in [*glulib.VARIANTS, *glulib.BASELINES]:
        p.controls["variant"].value = variant
        _costs_check(p, readouts_shown)
        for key in ("d_model", "d_ff", "tokens"):
            for value in (p.controls[key].min, p.controls[key].max, 768 if key != "tokens" else 512):
                before = [b.get_height() for b in p.fig.axes[0].patches]
                p.controls[key].value = value
                _costs_check(p, readouts_shown)
                after = [b.get_height() for b in p.fig.axes[0].patches]
                assert before != after or value == before  # unchanged only if the value was already set


def test_costs_two_thirds_rule_shows_equal_bars():
    p = ffn_costs_panel(d_model=768, d_ff=2048, variant="geglu", tokens=128)
    assert baseline_d_ff(2048, "geglu") == baseline_d_ff(2048, "geglu_tanh") == 3072
    assert baseline_d_ff(2048, "relu") == 2048
    assert p.readouts["baseline"].value == f"d_ff 3072: {costs.ffn_params(768, 3072, 'relu'):,} parameters"
    fwd_chosen, fwd_base = p.fig.axes[0].patches[0].get_height(), p.fig.axes[0].patches[3].get_height()
    assert fwd_chosen == pytest.approx(fwd_base)
    assert p.static().data[:4] == b"\x89PNG"
