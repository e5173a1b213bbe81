"""What each FFN layer's hidden units did on one input, recorded by the model's own forward pass.

Both models the course opens take a ``record`` argument in their forward pass: the small trained
models of notebooks 06-07 (``glulib.model``) and the real SwiGLU model of notebook 10
(``glulib.llama``). Each FFN layer, as it runs, hands its arrays to ``record.add``; nothing is
computed twice and there is no second copy of the forward pass to keep in step::

    rec = FFNRecord()
    logits = llm.logits(ids, record=rec)
    rec.opening[3][:, 17]       # act(gate input) of unit 17 in layer 3, one number per token

For hidden unit j of a gated FFN at one token: gate input a = x W[:, j], opening act(a),
value u = x V[:, j], product h = act(a) u (what W2 carries back). An ungated FFN has no value:
its opening is its whole hidden unit and ``value`` holds None for that layer.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class FFNRecord:
    """Lists with one entry per FFN layer, in the order the layers ran. Arrays are (n_tokens, d_ff),
    ``output`` (n_tokens, d_model); rows are the input's tokens in reading order."""

    gate_input: list = field(default_factory=list)
    opening: list = field(default_factory=list)
    value: list = field(default_factory=list)
    product: list = field(default_factory=list)
    output: list = field(default_factory=list)

    def add(self, gate_input, opening, value, product, output):
        """Keep one layer's arrays (copies, flattened to rows of tokens)."""
        d_ff = np.shape(gate_input)[-1]
        rows = [np.array(a, copy=True).reshape(-1, d_ff) for a in (gate_input, opening, product)]  # (n, d_ff)
        self.gate_input.append(rows[0])
        self.opening.append(rows[1])
        self.value.append(None if value is None else np.array(value, copy=True).reshape(-1, d_ff))  # (n, d_ff)
        self.product.append(rows[2])
        self.output.append(np.array(output, copy=True).reshape(rows[0].shape[0], -1))  # (n, d_model)

    @property
    def n_layers(self):
        return len(self.opening)
