import numpy as np
import pytest

from glulib.recording import FFNRecord


def test_add_keeps_copies_of_each_layer_as_token_rows(rng):
    rec = FFNRecord()
    a = rng.standard_normal((2, 3, 4))  # (B, T, d_ff)
    u = rng.standard_normal((2, 3, 4))
    y = rng.standard_normal((6, 5))  # (B*T, d_model)
    product = np.tanh(a) * u
    rec.add(a, np.tanh(a), u, product, y)
    rec.add(a, np.tanh(a), None, np.tanh(a), y)
    expected = product.reshape(6, 4).copy()
    a[0, 0, 0] = product[0, 0, 0] = 99.0  # the caller's arrays change after the layer ran
    assert rec.n_layers == 2
    assert rec.gate_input[0].shape == (6, 4) and rec.gate_input[0][0, 0] != 99.0
    assert rec.value[1] is None and rec.output[0].shape == (6, 5)
    np.testing.assert_array_equal(rec.product[0], expected)


@pytest.mark.parametrize("n_layers", [0, 1, 3])
def test_layers_are_counted(n_layers):
    rec = FFNRecord()
    for _ in range(n_layers):
        rec.add(np.zeros((2, 3)), np.zeros((2, 3)), None, np.zeros((2, 3)), np.zeros((2, 1)))
    assert rec.n_layers == n_layers
